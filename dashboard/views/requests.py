"""Requests & follow-ups: what is still waiting, oldest first, for the person's agency or review."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import data, session
from fullpicture.presentation import agency_name, uk_date, uk_when

st.title("Requests & follow-ups")
user = session.user()
today = data.today()
names = data.agency_names()


def readable(row: dict[str, Any]) -> dict[str, Any]:
    """UK dates and agency names beside the stored values."""
    return row | {
        "due": uk_date(row.get("due_by") or ""),
        "when": uk_when(row.get("occurred_at") or ""),
        "from": agency_name(names, row.get("agency", "")),
        "to": ", ".join(agency_name(names, a) for a in row.get("to_agencies") or []),
    }


statuses = [readable(r) for r in data.rows(data.queries().requests(user, today))]
overdue = sorted((r for r in statuses if r["status"] == "overdue"), key=lambda r: r["due_by"])
st.subheader(f"Overdue requests ({len(overdue)})")
st.dataframe(
    overdue,
    column_order=("due", "request_id", "from", "to", "child_refs", "summary"),
    hide_index=True,
    width="stretch",
)
pending = [readable(r) for r in data.rows(data.queries().pending_followups(user, today))]
st.subheader(f"Verbal shares waiting for writing ({len(pending)})")
st.dataframe(
    pending,
    column_order=(
        "when",
        "share_id",
        "from",
        "to",
        "channel",
        "status",
        "summary",
    ),
    hide_index=True,
    width="stretch",
)
