"""Partnership: the analyst's view of how information moves, on pseudonymous references."""

from __future__ import annotations

import streamlit as st

from dashboard import data

st.title("Partnership")
figures = data.partnership_figures(data.today())
left, right = st.columns(2)
left.metric("Verbal shares followed up in writing", f"{figures['followup_rate']:.1f}%")
right.metric(
    "Children recently heard (voice in the last 90 days)", f"{figures['voice_coverage']:.0f}%"
)

st.subheader("Entries by agency and month")
by_month: dict[str, dict[str, int]] = {}
for row in figures["by_agency_month"]:
    by_month.setdefault(row["group"], {})[row["key"]] = row["count"]
st.bar_chart(
    by_month
    and {
        agency: {m: v.get(agency, 0) for m, v in by_month.items()}
        for agency in sorted({r["key"] for r in figures["by_agency_month"]})
    }
)

st.subheader("Concern categories")
st.bar_chart({"entries": {r["key"]: r["count"] for r in figures["concerns"]}}, horizontal=True)

st.subheader("Request response times by agency asked")
st.dataframe(data.response_times(data.today()), hide_index=True, width="stretch")

st.subheader("Shares by channel")
st.bar_chart({"shares": {r["key"]: r["count"] for r in figures["channels"]}})
