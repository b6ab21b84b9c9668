"""Who is signed in to this browser session, and for how much longer.

The session keeps the person's user name and nothing about what they may do: roles and review
grants are read afresh from the directory on every run of a page, so a revoked role or an
expired grant counts on the very next click. A session ends after 30 minutes without a click
(FULLPICTURE_IDLE_MINUTES), or when its person signs out. It outlives the browser tab through a
signed, HttpOnly cookie naming a server-side session (`dashboard.browser_sessions`): a reload or
a link opened in a new tab finds the person again, on the page and child the address names.
Local accounts prove who they are with a password
(`Directory.authenticate`, when FULLPICTURE_LOCAL_SIGNIN lets them); a partnership's identity
provider through OpenID Connect (Streamlit's `st.login`), whose account (`iss`, `sub`) must be
linked to a registered person (`Directory.person_for_identity`).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import streamlit as st

from dashboard.browser_sessions import (
    COOKIE,
    GO_TO_PROVIDER,
    NEXT_COOKIE,
    PROVIDER_PATH,
    SESSIONS,
    START_PATH,
    BrowserSession,
    sign,
    verified_id,
)
from domain import clock
from domain.directory import Directory
from domain.people import PersonView
from fullpicture.config import Settings
from fullpicture.dashboard_secrets import cookie_secret

IDLE_LIMIT = timedelta(minutes=30)
PASSWORD = "password"
OPENID_CONNECT = "openid_connect"
SESSION = "fullpicture_session"
NOTICE = "fullpicture_notice"
REFUSED_IDENTITY = "fullpicture_refused_identity"
WANTED = "fullpicture_wanted_page"
HANDOFF = "fullpicture_handoff"
IDLE_ENDED = "Your session ended after 30 minutes without activity. Sign in again."
ENDED_ELSEWHERE = "Your session has ended (signed out, or ended by the server). Sign in again."


@dataclass
class SignedIn:
    """One browser session's sign-in: who, how, and when they last did something."""

    user: str
    method: str
    last_seen: datetime
    identity: str = ""  # the identity provider's subject and token issue time
    session_id: str = ""  # the server-side session its cookie names ("" without a cookie)


def is_idle(last_seen: datetime, now: datetime, limit: timedelta = IDLE_LIMIT) -> bool:
    return now - last_seen > limit


def idle_notice(limit: timedelta) -> str:
    minutes = limit.total_seconds() / 60
    return IDLE_ENDED.replace("30 minutes", f"{minutes:g} minute{'s' * (minutes != 1)}")


class IdentityActivity:
    """When each identity-provider sign-in was last used, across this server's sessions.

    The identity cookie outlives a browser tab, so a reload starts a new Streamlit session that
    is still signed in; this keeps the 30-minute idle limit across reloads, and refuses a
    cookie once its session has ended (until the person signs in at the provider again)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_seen: dict[str, datetime | None] = {}

    def resume(
        self, identity: str, issued_at: datetime, now: datetime, limit: timedelta = IDLE_LIMIT
    ) -> bool:
        """Whether a session may go on with this identity (and note that it did)."""
        with self._lock:
            last_seen = self._last_seen.get(identity, issued_at)
            if last_seen is None or is_idle(last_seen, now, limit):
                self._last_seen[identity] = None
                return False
            self._last_seen[identity] = now
            return True

    def end(self, identity: str) -> None:
        with self._lock:
            self._last_seen[identity] = None


@st.cache_resource
def identity_activity() -> IdentityActivity:
    return IdentityActivity()


def current() -> SignedIn | None:
    found = st.session_state.get(SESSION)
    return found if isinstance(found, SignedIn) else None


def user() -> str:
    """The signed-in person's user name; pages run only for a signed-in person."""
    signed_in = current()
    if signed_in is None:
        st.stop()
    assert signed_in is not None
    return signed_in.user


def signed_in_person(directory: Directory, settings: Settings) -> PersonView | None:
    """The person this session acts for, as they are now, or None (show the sign-in page)."""
    now = clock.now()
    limit = settings.idle_limit
    signed_in = current() or _from_cookie(settings)
    if signed_in is None and settings.oidc is not None:
        signed_in = _from_identity_provider(directory, settings, now)
    if signed_in is None:
        return None
    kept = SESSIONS.find(signed_in.session_id) if signed_in.session_id else None
    if signed_in.session_id and kept is None:
        end(ENDED_ELSEWHERE)  # signed out in another tab, or the server restarted
        return None
    last_seen = kept.last_seen if kept is not None else signed_in.last_seen
    if is_idle(last_seen, now, limit) or (
        signed_in.identity
        and not identity_activity().resume(signed_in.identity, _issued_at(st.user), now, limit)
    ):
        end(idle_notice(limit))
        return None
    person = directory.person(signed_in.user)
    if person is None or not person.roles:
        end(f"{signed_in.user} holds no role in FullPicture any more.")
        return None
    signed_in.last_seen = now
    if kept is not None:
        kept.last_seen = now
    return person


def remember_wanted_page(url_path: str) -> None:
    """The page and query an address asked for before sign-in, to go on to after it."""
    query = "&".join(
        f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in st.query_params.to_dict().items()
    )
    path = "/" if url_path in ("", "signin") else f"/{url_path}"
    st.session_state[WANTED] = path + (f"?{query}" if query else "")


def hand_cookie_to_browser() -> None:
    """After a sign-in, send the browser to collect its session cookie (once), and on to the
    page it asked for; a browser without JavaScript stays signed in in this tab alone."""
    code = st.session_state.pop(HANDOFF, None)
    if code:
        send_browser_to(f"{START_PATH}?code={code}")


def sign_in_at_provider() -> None:
    """Start the identity provider's sign-in, keeping the page asked for to come back to."""
    wanted = str(st.session_state.get(WANTED) or "/")
    send_browser_to(f"{PROVIDER_PATH}?next={quote(wanted, safe='')}")


def provider_sign_in_asked() -> bool:
    """Whether this address is the way back from `PROVIDER_PATH` (start `st.login` now)."""
    return st.query_params.get(GO_TO_PROVIDER) == "provider"


def send_browser_to(path: str) -> None:
    """Navigate the browser to a path of this server (the session routes): `<` escaped, so the
    script element cannot be closed from inside the string."""
    target = json.dumps(path).replace("<", "\\u003c")
    st.html(f"<script>window.location.replace({target});</script>", unsafe_allow_javascript=True)


def _start(signed_in: SignedIn, settings: Settings) -> None:
    """Keep a new sign-in on the server, for its cookie to name across tabs and reloads."""
    signed_in.session_id = SESSIONS.start(
        BrowserSession(signed_in.user, signed_in.method, signed_in.last_seen, signed_in.identity)
    )
    SESSIONS.end_idle(settings.idle_limit, signed_in.last_seen)
    st.session_state[SESSION] = signed_in
    cookie = sign(signed_in.session_id, cookie_secret(settings))
    wanted = str(st.session_state.get(WANTED) or "/")
    if signed_in.method == OPENID_CONNECT:  # back from the provider, at the root
        kept_page = st.context.cookies.get(NEXT_COOKIE)
        wanted = kept_page if isinstance(kept_page, str) and kept_page else wanted
    st.session_state[HANDOFF] = SESSIONS.hand_off(cookie, wanted, signed_in.last_seen)


def _from_cookie(settings: Settings) -> SignedIn | None:
    """The person a good session cookie names, as this tab's session."""
    cookie = st.context.cookies.get(COOKIE)
    if not isinstance(cookie, str) or not cookie:  # none sent (or a headless test's stand-in)
        return None
    session_id = verified_id(cookie, cookie_secret(settings))
    kept = SESSIONS.find(session_id) if session_id else None
    if session_id is None or kept is None:
        return None
    signed_in = SignedIn(kept.user, kept.method, kept.last_seen, kept.identity, session_id)
    st.session_state[SESSION] = signed_in
    return signed_in


def sign_in_with_password(
    directory: Directory, settings: Settings, user_name: str, password: str
) -> PersonView:
    """Check the password (five failures from one address hold that address off for a while)
    and start a session; raises `SignInRefused` with a message safe to show."""
    person = directory.authenticate(user_name.strip(), password, address=client_address())
    _start(SignedIn(person.user, PASSWORD, clock.now()), settings)
    st.session_state.pop(NOTICE, None)
    return person


def client_address() -> str:
    """The browser's network address, as failed sign-ins are counted by; Streamlit gives none
    for a loopback connection, and those are counted together."""
    address = st.context.ip_address
    return address if isinstance(address, str) and address else "loopback"


def _from_identity_provider(
    directory: Directory, settings: Settings, now: datetime
) -> SignedIn | None:
    """The registered person an identity-provider sign-in stands for (its linked `iss` and
    `sub`, or at first sign-in its verified e-mail); any other identity signs in no one."""
    claims = st.user.to_dict()
    if not claims.get("is_logged_in"):
        return None
    identity = f"{claims.get('sub', '')}:{claims.get('iat', '')}"
    user_name = str(claims.get("preferred_username") or "")
    email = str(claims.get("email") or "")
    person = directory.person_for_identity(
        str(claims.get("iss") or ""),
        str(claims.get("sub") or ""),
        email,
        email_verified=claims.get("email_verified") in (True, "true"),
    )
    if person is None:
        st.session_state[REFUSED_IDENTITY] = email or user_name or "this identity"
        return None
    st.session_state.pop(REFUSED_IDENTITY, None)
    if not identity_activity().resume(identity, _issued_at(claims), now, settings.idle_limit):
        st.session_state[NOTICE] = idle_notice(settings.idle_limit)
        return None
    signed_in = SignedIn(person.user, OPENID_CONNECT, now, identity)
    _start(signed_in, settings)
    directory.record_sign_in(person.user, OPENID_CONNECT)
    st.session_state.pop(NOTICE, None)
    return signed_in


def _issued_at(claims: Any) -> datetime:
    """When the identity provider issued the sign-in (its `iat`), as naive UTC."""
    try:
        return datetime.fromtimestamp(float(claims.get("iat")), UTC).replace(tzinfo=None)
    except (TypeError, ValueError):
        return datetime.min


def end(notice: str = "") -> None:
    """End this session, in every tab; an identity-provider sign-in cannot resume it from its
    cookie."""
    signed_in = current()
    if signed_in is not None and signed_in.identity:
        identity_activity().end(signed_in.identity)
    if signed_in is not None and signed_in.session_id:
        SESSIONS.end(signed_in.session_id)
    st.session_state.clear()  # nothing read in the session outlives it
    if notice:
        st.session_state[NOTICE] = notice


def sign_out() -> None:
    """Sign out: a local session ends here; an identity-provider one also at the provider."""
    signed_in = current()
    end("You have signed out.")
    if signed_in is not None and signed_in.method == OPENID_CONNECT:
        st.logout()
    else:
        st.rerun()
