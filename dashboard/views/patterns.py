"""Patterns: the alerts the signed-in person may see, to review and follow to the child.

An analyst sees every alert (child reference, pattern, severity, date; evidence only where it is
theirs to see); a practitioner or case reviewer the alerts whose evidence is in their scope.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode

import streamlit as st

from dashboard import data, session
from domain.alert_reviews import TRIAGE_OUTCOMES
from domain.errors import DomainError
from domain.scopes import AccessRefused
from fullpicture.presentation import agency_name, uk_date
from projections.patterns.alerts import SEVERITIES
from projections.patterns.household import HOUSEHOLD_PATTERNS
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
names = data.agency_names()
agencies = agency_col.multiselect(
    "Agency",
    sorted({agency for a in alerts for agency in alert_agencies(a)}),
    format_func=lambda code: agency_name(names, code),
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


def chronology_params(alert: dict[str, object], child: str) -> dict[str, str]:
    """The child's chronology with the alert's evidence highlighted; with the household for a
    pattern about adults (its evidence may be entries about other children naming them)."""
    params = {"child": child, "highlight": ",".join(alert["evidence"])}  # type: ignore[arg-type]
    if alert["pattern"] in HOUSEHOLD_PATTERNS:
        params["household"] = "1"
    return params


def chronology_link(alert: dict[str, object], child: str) -> str:
    return "chronology?" + urlencode(chronology_params(alert, child))


st.dataframe(
    [
        {
            **a,
            "children": ", ".join(a["children"]),
            "evidence": ", ".join(a["evidence"]),
            "triage": triage_state(a).replace("_", " "),
            "triage_note": (a.get("triage") or {}).get("note", ""),
            "open": chronology_link(a, a["children"][0]),
            "raised": uk_date(a["first_raised"]),
        }
        for a in shown
    ],
    column_order=(
        "severity",
        "raised",
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
opened = st.selectbox(
    "Open an alert in the child's chronology (its evidence highlighted)",
    range(len(shown)),
    format_func=lambda n: (
        f"{shown[n]['children'][0]} — {shown[n]['pattern'].replace('_', ' ')} — "
        f"{shown[n]['severity']}, first raised {uk_date(shown[n]['first_raised'])}"
    ),
)
if st.button("Open chronology") and opened is not None:
    alert = shown[opened]
    st.switch_page(
        "views/chronology.py", query_params=chronology_params(alert, alert["children"][0])
    )

st.divider()
st.subheader("Record a review of an alert")
with st.form("triage"):
    by_id = {a["id"]: a for a in alerts}
    chosen = st.selectbox(
        "Alert",
        list(by_id),
        format_func=lambda i: f"{by_id[i]['child_ref']} — {by_id[i]['pattern'].replace('_', ' ')}",
    )
    outcome = st.radio(
        "Outcome",
        TRIAGE_OUTCOMES,
        index=None,
        horizontal=True,
        format_func=lambda o: o.replace("_", " "),
    )
    reason = st.text_area("Why, in plain words (recorded with your name)")
    reviewed = st.form_submit_button("Record the review")
if reviewed:
    if outcome is None or not reason.strip():
        st.error("Choose an outcome and say why.")
    else:
        try:
            alert = queries.alert_to_review(session.user(), chosen)
            data.recorder().review_alert(
                alert.id,
                alert.child_ref,
                alert.pattern,
                alert.evidence,
                outcome,
                reason,
                reviewed_by=session.user(),
            )
        except DomainError as refused:
            st.error(refused.message)
        else:
            st.success(f"Recorded: {outcome.replace('_', ' ')} for {chosen}")
            st.rerun()
