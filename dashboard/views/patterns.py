"""Patterns: the alerts the signed-in person may see, to review and follow to the child.

An analyst sees every alert (child reference, pattern, severity, date; evidence only where it is
theirs to see); a practitioner or case reviewer the alerts whose evidence is in their scope.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode

import streamlit as st

from dashboard import data, session
from domain.scopes import AccessRefused
from projections.patterns.alerts import SEVERITIES
from projections.patterns.listing import (
    alert_agencies,
    filtered,
    in_review_order,
    siblings_together,
)
from projections.patterns.triage import TRIAGE_STATES, triage_state

st.title("Patterns of concern")
st.caption(
    "Advice for a person to review: each alert names its evidence. Never a score on a child."
)
try:
    queries = data.queries()
    alerts = queries.with_triage(queries.alert_list(session.user()))
except AccessRefused as refused:
    st.error(refused.message)
    st.stop()
if not alerts:
    st.info("No alerts at present.")
    st.stop()

severity_col, pattern_col, agency_col, triage_col = st.columns(4)
severities = severity_col.multiselect(
    "Severity", [s for s in SEVERITIES if any(a["severity"] == s for a in alerts)]
)
patterns = pattern_col.multiselect("Pattern", sorted({a["pattern"] for a in alerts}))
agencies = agency_col.multiselect(
    "Agency", sorted({agency for a in alerts for agency in alert_agencies(a)})
)
triaged = triage_col.multiselect(
    "Triage", [s for s in TRIAGE_STATES if any(triage_state(a) == s for a in alerts)]
)
shown = siblings_together(
    in_review_order(filtered(alerts, severities, patterns, agencies, triaged))
)

counts = Counter(a["pattern"] for a in shown)
st.bar_chart({"alerts": dict(sorted(counts.items()))}, horizontal=True)
st.caption(
    f"{len(shown)} alerts for {len({c for a in shown for c in a['children']})} children "
    "(siblings' alerts on the same shared entries are one row), most severe first, then the most "
    "recently raised"
)


def chronology_link(alert: dict[str, object], child: str) -> str:
    """The child's chronology with the alert's evidence highlighted."""
    evidence = ",".join(alert["evidence"])  # type: ignore[arg-type]
    return "/chronology?" + urlencode({"child": child, "highlight": evidence})


st.dataframe(
    [
        {
            **a,
            "children": ", ".join(a["children"]),
            "evidence": ", ".join(a["evidence"]),
            "triage": triage_state(a).replace("_", " "),
            "triage_note": (a.get("triage") or {}).get("note", ""),
            "open": chronology_link(a, a["children"][0]),
        }
        for a in shown
    ],
    column_order=(
        "severity",
        "first_raised",
        "children",
        "pattern",
        "triage",
        "explanation",
        "triage_note",
        "evidence",
        "open",
    ),
    column_config={"open": st.column_config.LinkColumn("chronology", display_text="open")},
    hide_index=True,
    width="stretch",
)
child = st.selectbox("Drill down to a child", sorted({c for a in shown for c in a["children"]}))
if st.button("Open chronology"):
    st.query_params["child"] = child
    st.switch_page("views/chronology.py", query_params={"child": child})
