"""Patterns: the alerts the signed-in person may see, to review and follow to the child.

An analyst sees every alert (child reference, pattern, severity, date; evidence only where it is
theirs to see); a practitioner or case reviewer the alerts whose evidence is in their scope.
"""

from __future__ import annotations

from collections import Counter

import streamlit as st

from dashboard import data, session
from domain.scopes import AccessRefused

st.title("Patterns of concern")
st.caption(
    "Advice for a person to review: each alert names its evidence. Never a score on a child."
)
try:
    alerts = [a.as_dict() for a in data.queries().alert_list(session.user())]
except AccessRefused as refused:
    st.error(refused.message)
    st.stop()
if not alerts:
    st.info("No alerts at present.")
    st.stop()

patterns = sorted({a["pattern"] for a in alerts})
chosen = st.multiselect("Pattern", patterns)
shown = [a for a in alerts if not chosen or a["pattern"] in chosen]

counts = Counter(a["pattern"] for a in shown)
st.bar_chart({"alerts": dict(sorted(counts.items()))}, horizontal=True)
st.caption(f"{len(shown)} alerts for {len({a['child_ref'] for a in shown})} children")

st.dataframe(
    [
        {**a, "evidence": ", ".join(a["evidence"]), "open": f"/chronology?child={a['child_ref']}"}
        for a in shown
    ],
    column_order=("child_ref", "pattern", "severity", "as_at", "explanation", "evidence", "open"),
    column_config={"open": st.column_config.LinkColumn("chronology", display_text="open")},
    hide_index=True,
    width="stretch",
)
child = st.selectbox("Drill down to a child", sorted({a["child_ref"] for a in shown}))
if st.button("Open chronology"):
    st.query_params["child"] = child
    st.switch_page("views/chronology.py", query_params={"child": child})
