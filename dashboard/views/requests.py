"""Requests & follow-ups: what is still waiting, oldest first, for the person's agency or review."""

from __future__ import annotations

import streamlit as st

from dashboard import data, session

st.title("Requests & follow-ups")
user = session.user()
today = data.today()
statuses = data.rows(data.queries().requests(user, today))
overdue = sorted((r for r in statuses if r["status"] == "overdue"), key=lambda r: r["due_by"])
st.subheader(f"Overdue requests ({len(overdue)})")
st.dataframe(
    overdue,
    column_order=("due_by", "request_id", "agency", "to_agencies", "child_refs", "summary"),
    hide_index=True,
    width="stretch",
)
pending = data.rows(data.queries().pending_followups(user, today))
st.subheader(f"Verbal shares waiting for writing ({len(pending)})")
st.dataframe(
    pending,
    column_order=(
        "occurred_at",
        "share_id",
        "agency",
        "to_agencies",
        "channel",
        "status",
        "summary",
    ),
    hide_index=True,
    width="stretch",
)
