"""The dashboard server's HTTP routes of its own, added through Streamlit's supported extension
point (`st.App(routes=…)`, `dashboard/server.py`), since a Streamlit page cannot set a cookie:

- `GET /session/start?code=…` exchanges a sign-in's one-time code for the session cookie and
  sends the browser on to the page it asked for;
- `GET /session/provider?next=…` keeps the page asked for in a short-lived cookie, then starts
  the identity provider's sign-in (which comes back to the dashboard's root)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from dashboard.browser_sessions import (
    COOKIE,
    GO_TO_PROVIDER,
    NEXT_COOKIE,
    NEXT_LIFETIME,
    PROVIDER_PATH,
    SESSIONS,
    START_PATH,
    safe_next_path,
)
from domain import clock


def start_session(request: Request) -> RedirectResponse:
    handoff = SESSIONS.redeem(request.query_params.get("code", ""), clock.now())
    if handoff is None:
        return RedirectResponse("/", status_code=303)  # a spent or stale code signs in no one
    response = RedirectResponse(handoff.next_path, status_code=303)
    response.set_cookie(
        COOKIE,
        handoff.cookie,
        httponly=True,
        samesite="lax",  # sent when a shared link is opened; never on another site's requests
        secure=_served_over_https(request),
        path="/",
    )
    response.delete_cookie(NEXT_COOKIE, path="/")
    response.headers["Cache-Control"] = "no-store"
    return response


def sign_in_at_provider(request: Request) -> RedirectResponse:
    response = RedirectResponse(f"/?{GO_TO_PROVIDER}=provider", status_code=303)
    response.set_cookie(
        NEXT_COOKIE,
        safe_next_path(request.query_params.get("next", "/")),
        max_age=int(NEXT_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=_served_over_https(request),
        path="/",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _served_over_https(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"


ROUTES = [
    Route(START_PATH, start_session, methods=["GET"]),
    Route(PROVIDER_PATH, sign_in_at_provider, methods=["GET"]),
]
