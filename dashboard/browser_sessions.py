"""Server-side sessions that outlive a browser tab: a signed, HttpOnly, SameSite cookie names a
session kept here, in the dashboard server's memory.

A tab's Streamlit session ends with the tab; the cookie lets a reload, or a link opened in a new
tab, find the person again. The cookie holds only a random session id and its signature (HMAC
with the dashboard's cookie secret): who the session is for, and when it was last used, stay on
the server, so signing out or an idle limit ends it for every tab at once, on the next request.

Streamlit's script cannot set a cookie (it speaks over a websocket), so a sign-in hands the
browser a one-time code for `GET /session/start` (`dashboard.session_routes`), which sets the
cookie and sends the browser on to the page it asked for. A code works once, for a minute.
A restart of the dashboard server forgets every session (everyone signs in again).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

COOKIE = "fullpicture_session"
START_PATH = "/session/start"
# Signing in through the identity provider leaves the dashboard and comes back to its root: the
# page asked for waits in a short-lived cookie, set on the way out (`PROVIDER_PATH`).
PROVIDER_PATH = "/session/provider"
NEXT_COOKIE = "fullpicture_next"
NEXT_LIFETIME = timedelta(minutes=10)
GO_TO_PROVIDER = "fullpicture_sign_in"  # the query parameter that starts `st.login` on arrival
HANDOFF_LIFETIME = timedelta(minutes=1)


@dataclass
class BrowserSession:
    """Who a cookie's session is for, how they signed in, and when it was last used."""

    user: str
    method: str
    last_seen: datetime
    identity: str = ""


@dataclass(frozen=True)
class Handoff:
    cookie: str
    next_path: str
    expires: datetime


def sign(session_id: str, secret: str) -> str:
    """The cookie's value: the session id and its signature."""
    mac = hmac.new(secret.encode(), session_id.encode(), hashlib.sha256).hexdigest()
    return f"{session_id}.{mac}"


def verified_id(cookie: str, secret: str) -> str | None:
    """The session id a cookie names, if its signature is good."""
    session_id, _, _ = cookie.partition(".")
    return (
        session_id if session_id and hmac.compare_digest(sign(session_id, secret), cookie) else None
    )


def safe_next_path(wanted: str) -> str:
    """Where a sign-in may send the browser on to: a path on this server, never elsewhere."""
    if not wanted.startswith("/") or wanted.startswith("//") or "\\" in wanted:
        return "/"
    return wanted


class SessionStore:
    """The server's sessions and the one-time codes that hand a new one's cookie to a browser."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, BrowserSession] = {}
        self._handoffs: dict[str, Handoff] = {}

    def start(self, session: BrowserSession) -> str:
        session_id = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[session_id] = session
        return session_id

    def find(self, session_id: str) -> BrowserSession | None:
        with self._lock:
            return self._sessions.get(session_id)

    def end(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def end_idle(self, idle_limit: timedelta, now: datetime) -> None:
        """Forget sessions nobody has used within the idle limit."""
        with self._lock:
            for session_id, session in list(self._sessions.items()):
                if now - session.last_seen > idle_limit:
                    del self._sessions[session_id]

    def hand_off(self, cookie: str, next_path: str, now: datetime) -> str:
        """A one-time code the browser exchanges for the cookie at `START_PATH`."""
        code = secrets.token_urlsafe(32)
        with self._lock:
            for stale in [c for c, h in self._handoffs.items() if h.expires < now]:
                del self._handoffs[stale]
            self._handoffs[code] = Handoff(
                cookie, safe_next_path(next_path), now + HANDOFF_LIFETIME
            )
        return code

    def redeem(self, code: str, now: datetime) -> Handoff | None:
        """The cookie and page a code stands for, once, while it is fresh."""
        with self._lock:
            handoff = self._handoffs.pop(code, None)
        return handoff if handoff is not None and now <= handoff.expires else None


SESSIONS = SessionStore()  # one per server process: its routes and its pages share it
