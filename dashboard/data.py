"""The dashboard's connections (made once per server) and its cached read-model queries."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

import streamlit as st

from fullpicture.bootstrap import Wiring, bootstrap
from projections import (
    alert_reviews,
    alerts,
    chronology,
    followups,
    partnership,
    requests,
    transfers,
    voice,
)
from projections.patterns.triage import with_triage

CACHE_SECONDS = 30


@st.cache_resource
def wiring() -> Wiring:
    return bootstrap()


def db() -> Any:
    return wiring().read_models.db


def rows(items: list[Any]) -> list[dict[str, Any]]:
    """Plain dicts for pages and tables; tuples become lists, which tables show as lists."""
    return [
        {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(item).items()}
        for item in items
    ]


@st.cache_data(ttl=CACHE_SECONDS)
def children() -> list[dict[str, Any]]:
    return rows(chronology.children_with_entries(db()))


@st.cache_data(ttl=CACHE_SECONDS)
def child_chronology(child: str, as_at: str | None, known_by: str | None) -> list[dict[str, Any]]:
    return rows(chronology.chronology_for(db(), child, as_at=as_at, known_by=known_by))


@st.cache_data(ttl=CACHE_SECONDS)
def child_voice(child: str) -> list[dict[str, Any]]:
    return rows(voice.voice_entries(db(), child))


@st.cache_data(ttl=CACHE_SECONDS)
def child_transfers(child: str) -> list[dict[str, Any]]:
    return rows(transfers.transfer_points(db(), child))


@st.cache_data(ttl=CACHE_SECONDS)
def current_alerts(child: str | None = None) -> list[dict[str, Any]]:
    stored = alerts.stored_alerts(db(), child_ref=child)
    return with_triage(stored, alert_reviews.reviews_of(db(), [a.id for a in stored]))


@st.cache_data(ttl=CACHE_SECONDS)
def request_statuses(today: str) -> list[dict[str, Any]]:
    return rows(requests.request_statuses(db(), today))


@st.cache_data(ttl=CACHE_SECONDS)
def response_times(today: str) -> list[dict[str, Any]]:
    return rows(requests.response_times_by_agency(db(), today))


@st.cache_data(ttl=CACHE_SECONDS)
def pending_followups(today: str) -> list[dict[str, Any]]:
    return rows(followups.followups_pending(db(), today))


@st.cache_data(ttl=CACHE_SECONDS)
def partnership_figures(today: str) -> dict[str, Any]:
    database = db()
    return {
        "by_agency_month": rows(partnership.entries_by_agency_and_month(database)),
        "concerns": rows(partnership.concerns_by_category(database)),
        "channels": rows(partnership.shares_by_channel(database)),
        "followup_rate": partnership.written_followup_rate(database, today).percent,
        "voice_coverage": partnership.voice_coverage(database, today).percent,
    }


def agencies() -> list[str]:
    return [a.code for a in wiring().partnership.agencies()]


def today() -> str:
    return date.today().isoformat()


def refresh() -> None:
    """Clear cached query results after something new was recorded."""
    st.cache_data.clear()
