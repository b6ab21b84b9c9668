"""The server-side sessions behind the dashboard's cookie: what the cookie holds, what a one-time
code is good for, and where a sign-in may send the browser on to."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dashboard.browser_sessions import (
    HANDOFF_LIFETIME,
    BrowserSession,
    SessionStore,
    safe_next_path,
    sign,
    verified_id,
)

NOW = datetime(2026, 3, 2, 9, 0)
SECRET = "a-synthetic-cookie-secret"


def test_a_signed_cookie_names_its_session_and_a_changed_one_names_none() -> None:
    cookie = sign("session-1", SECRET)
    assert verified_id(cookie, SECRET) == "session-1"
    assert verified_id(cookie, "another-secret") is None
    assert verified_id(cookie.replace("session-1", "session-2"), SECRET) is None
    assert verified_id("session-1", SECRET) is None
    assert verified_id("", SECRET) is None


def test_a_code_hands_over_its_cookie_once() -> None:
    store = SessionStore()
    code = store.hand_off("cookie-value", "/chronology?child=C-00002", NOW)
    handoff = store.redeem(code, NOW + timedelta(seconds=5))
    assert handoff is not None
    assert (handoff.cookie, handoff.next_path) == ("cookie-value", "/chronology?child=C-00002")
    assert store.redeem(code, NOW + timedelta(seconds=6)) is None


def test_a_stale_code_hands_over_nothing() -> None:
    store = SessionStore()
    code = store.hand_off("cookie-value", "/", NOW)
    assert store.redeem(code, NOW + HANDOFF_LIFETIME + timedelta(seconds=1)) is None


@pytest.mark.parametrize(
    ("asked", "sent_to"),
    [
        ("/chronology?child=C-00002", "/chronology?child=C-00002"),
        ("/", "/"),
        ("https://elsewhere.example/", "/"),
        ("//elsewhere.example/", "/"),
        ("/\\elsewhere.example", "/"),
        ("chronology", "/"),
    ],
)
def test_a_sign_in_sends_the_browser_on_only_within_this_server(asked: str, sent_to: str) -> None:
    assert safe_next_path(asked) == sent_to


def test_an_ended_or_idle_session_is_found_no_more() -> None:
    store = SessionStore()
    kept = store.start(BrowserSession("pc.kaur", "password", NOW))
    idle = store.start(BrowserSession("sam.okafor", "password", NOW - timedelta(minutes=31)))
    store.end_idle(timedelta(minutes=30), NOW)
    assert store.find(kept) is not None and store.find(idle) is None
    store.end(kept)
    assert store.find(kept) is None
