"""The dashboard's connections (made once per server) and its reads through the query layer.

Nothing read here is cached across runs: every read goes through `Queries`, which checks the
person's current roles and grants, so a cache could let a read skip that check. A child is
opened once per (child, scope) in a session — the one access event — and its `ChildScope` is
kept in the session, so that a page drawn again re-reads it without logging it again.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

import streamlit as st

from dashboard import session
from domain.scopes import ChildScope
from fullpicture.bootstrap import Wiring, bootstrap
from fullpicture.projection import Recorder
from fullpicture.queries import Queries, ScopedChronology

OPENED_SCOPES = "opened_scopes"
BREAK_GLASS = "break_glass"


@st.cache_resource
def wiring() -> Wiring:
    return bootstrap()


def queries() -> Queries:
    return wiring().queries


def rows(items: list[Any]) -> list[dict[str, Any]]:
    """Plain dicts for pages and tables; tuples become lists, which tables show as lists."""
    return [
        {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(item).items()}
        for item in items
    ]


def read_child(child: str, view: str = "chronology", **asked: Any) -> ScopedChronology:
    """One child as the signed-in person may see it: opened (and logged) the first time this
    session asks for this scope, re-read (scope re-checked, not logged again) after that."""
    user = session.user()
    opened: dict[tuple[Any, ...], ChildScope] = st.session_state.setdefault(OPENED_SCOPES, {})
    key = (user, child, view, tuple(sorted(asked.items())))
    scope = opened.get(key)
    if scope is None:
        result = queries().read_child(user, child, view, **asked)
    else:
        result = queries().chronology(user, scope)
    opened[key] = result.scope  # a scope that changed was logged as a new access
    return result


def break_glass_reasons() -> dict[str, str]:
    """Children opened outside the person's scope in this session, with the reason given."""
    reasons: dict[str, str] = st.session_state.setdefault(BREAK_GLASS, {})
    return reasons


def agencies() -> list[str]:
    return [a.code for a in wiring().partnership.agencies()]


def agency_names() -> dict[str, str]:
    """Agency code -> the agency's name, for showing names instead of codes."""
    return {a.code: a.name for a in wiring().partnership.agencies()}


def today() -> str:
    return date.today().isoformat()


def recorder() -> Recorder:
    """Every write of a page: in embedded mode the read models are current when it returns."""
    return wiring().recorder
