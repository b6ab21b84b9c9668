"""Partnership: the analyst's view of how information moves, in counts that name no child."""

from __future__ import annotations

import streamlit as st

from dashboard import data, session
from domain.scopes import AccessRefused

st.title("Partnership")
try:
    figures = data.queries().partnership_figures(session.user(), data.today())
except AccessRefused as refused:
    st.error(refused.message)
    st.stop()
left, right = st.columns(2)
left.metric("Verbal shares followed up in writing", f"{figures['followup_rate']:.1f}%")
right.metric(
    "Children recently heard (voice in the last 90 days)", f"{figures['voice_coverage']:.0f}%"
)

st.subheader("Entries by agency and month")
by_agency_month = data.rows(figures["by_agency_month"])
by_month: dict[str, dict[str, int]] = {}
for row in by_agency_month:
    by_month.setdefault(row["group"], {})[row["key"]] = row["count"]
st.bar_chart(
    by_month
    and {
        agency: {m: v.get(agency, 0) for m, v in by_month.items()}
        for agency in sorted({r["key"] for r in by_agency_month})
    }
)

st.subheader("Concern categories")
concerns = data.rows(figures["concerns"])
st.bar_chart({"entries": {r["key"]: r["count"] for r in concerns}}, horizontal=True)

st.subheader("Request response times by agency asked")
st.dataframe(data.rows(figures["response_times"]), hide_index=True, width="stretch")

st.subheader("Shares by channel")
channels = data.rows(figures["channels"])
st.bar_chart({"shares": {r["key"]: r["count"] for r in channels}})

st.subheader("Closing the loop: acknowledgements and overdue tasks by agency")
loop = data.queries().practice_loop_figures(session.user(), data.today())
acknowledging, tasks_overdue = st.columns(2)
acknowledging.caption("Time to acknowledge what an agency received (calendar days)")
acknowledging.dataframe(data.rows(loop["time_to_acknowledge"]), hide_index=True, width="stretch")
tasks_overdue.caption("Open tasks past their due date, by the owner's agency")
tasks_overdue.dataframe(
    [{"agency": agency, "overdue tasks": n} for agency, n in loop["overdue_tasks"].items()],
    hide_index=True,
    width="stretch",
)
