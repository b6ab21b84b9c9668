"""Child chronology: one child's merged multi-agency timeline, in the signed-in person's scope.

A practitioner sees what their agency knows (no selector widens it); a case reviewer the full
chronology of their review's children, optionally as one agency knew it; anyone may open a
child outside their scope by giving a reason, which is recorded as break-glass.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import data, session
from dashboard.charts import timeline
from dashboard.export import scoped_export
from dashboard.plain_text import plain
from domain.errors import DomainError
from domain.scopes import BREAK_GLASS_HINT

EVERY_AGENCY = "every agency"

st.title("Child chronology")
user = session.user()
queries = data.queries()
reasons = data.break_glass_reasons()
children = [c.child_ref for c in queries.children(user)]
choices = children + sorted(c for c in reasons if c not in children)
wanted = st.query_params.get("child")
outside = bool(wanted) and wanted not in choices

with st.expander("Open a child outside your scope (break-glass)", expanded=outside or not choices):
    with st.form("break-glass"):
        glass_child = st.text_input("Child reference", value=wanted if outside else "")
        reason = st.text_area(
            "Why you need to see this child's chronology now (recorded with your access, and "
            "shown on the child's access log and to safeguarding leads)"
        )
        open_anyway = st.form_submit_button("Open, recording the reason")
    if open_anyway:
        if not glass_child.strip() or not reason.strip():
            st.error("Give both the child reference and your reason.")
        else:
            reasons[glass_child.strip()] = reason.strip()
            st.query_params["child"] = glass_child.strip()
            st.rerun()

if outside:
    st.error(
        f"{plain(wanted)} is outside your scope. To open it anyway, give your reason above: the "
        "access is recorded as break-glass."
    )
    st.stop()
if not choices:
    st.info(
        "No child is in your scope. To open a child's chronology, give its reference and your "
        "reason above (recorded as break-glass)."
    )
    st.stop()

child = st.selectbox("Child", choices, index=choices.index(wanted) if wanted in choices else 0)
st.query_params["child"] = child
left, right = st.columns(2)
replay = left.toggle("Replay as at a date")
as_at_day = left.date_input("As at", disabled=not replay)
asked: dict[str, Any] = {
    "as_at": f"{as_at_day.isoformat()}T23:59:59" if replay and as_at_day else None,
    "purpose": reasons.get(child, ""),
}
try:
    result = data.read_child(child, **asked)
    if result.scope.known_by is None:
        known_by = right.selectbox("Known by", [EVERY_AGENCY, *data.agencies()])
        if known_by != EVERY_AGENCY:
            asked["known_by"] = known_by
            result = data.read_child(child, **asked)
    else:
        right.markdown(f"**As known by {plain(result.scope.known_by)}**")
        right.caption("Your agency's view: what it recorded and what was addressed to it.")
except DomainError as refused:
    reasons.pop(child, None)
    shown_refusal = str(refused).replace(
        BREAK_GLASS_HINT, "to open it anyway, give your reason above"
    )
    st.error(plain(shown_refusal))
    st.stop()

scope = result.scope
if scope.break_glass:
    st.warning(
        "Break-glass: this child is outside your scope. Your access and your reason are recorded "
        "and shown to safeguarding leads."
    )
st.caption(f"Scope: {plain(scope.describe())}")  # holds a break-glass reason as typed
entries = data.rows(result.entries)

with st.expander("Filter entries"):
    by_agency = st.multiselect("Agency", sorted({e["agency"] for e in entries}))
    by_kind = st.multiselect("Kind", sorted({e["kind"] for e in entries}))
    by_concern = st.multiselect("Concern", sorted({c for e in entries for c in e["concerns"]}))


def keep(entry: Any) -> bool:
    return (
        (not by_agency or entry["agency"] in by_agency)
        and (not by_kind or entry["kind"] in by_kind)
        and (not by_concern or bool(set(by_concern) & set(entry["concerns"])))
    )


shown = [e for e in entries if keep(e)]
voice = [e for e in shown if e["kind"] == "voice"]
if voice:
    latest = voice[-1]
    with st.container(border=True):
        st.success(
            f"**The child's voice** ({plain(latest['occurred_at'][:10])}, "
            f"{plain(latest['agency'])}) — "
            f"{len(voice)} voice entries shown"
        )
        st.text(f"“{latest['summary']}”")
else:
    st.warning("**The child's voice** is not recorded in the entries shown.")

alerts = queries.with_triage(result.alerts)
st.subheader(f"Patterns for review ({len(alerts)})")
by_id = {e["id"]: e for e in entries}
for alert in alerts:
    with st.expander(f"{alert['pattern'].replace('_', ' ')} — {alert['severity']}"):
        st.text(alert["explanation"])
        for entry_id in alert["evidence"]:
            entry = by_id.get(entry_id)
            st.text(f"• {entry_id}  {entry['summary'] if entry else ''}")
        triage = alert.get("triage") or {}
        if triage.get("note"):
            st.warning(triage["note"])
        for review in triage.get("history", []):
            st.text(
                f"Reviewed {review['reviewed_at'][:10]} by {review['reviewed_by']}: "
                f"{review['outcome'].replace('_', ' ')} — {review['reason']}"
            )

st.subheader(f"Timeline ({len(shown)} entries from {len({e['agency'] for e in shown})} agencies)")
if shown:
    st.altair_chart(timeline(shown), width="stretch")
# An alert's link (from the Patterns page) names its evidence: those entries are highlighted.
highlighted = set(filter(None, st.query_params.get("highlight", "").split(",")))
evidence = [e for e in shown if e["id"] in highlighted]
if highlighted:
    st.info(
        f"The alert's evidence ({len(evidence)} of {len(highlighted)} entries shown, "
        "highlighted below): " + "; ".join(f"{e['occurred_at'][:10]} {e['id']}" for e in evidence)
    )
rows = [{**e, "evidence": "◆" if e["id"] in highlighted else ""} for e in shown]
table: Any = (
    pd.DataFrame(rows).style.apply(
        lambda row: ["background-color: #fff3bf" if row["evidence"] else "" for _ in row], axis=1
    )
    if evidence
    else rows
)
st.dataframe(
    table,
    column_order=(
        *(("evidence",) if highlighted else ()),
        "occurred_at",
        "child_age",
        "agency",
        "kind",
        "summary",
        "concerns",
        "significance",
        "to_agencies",
        "practitioner",
        "id",
    ),
    hide_index=True,
    width="stretch",
)
EXPORTS = (("Export CSV", "csv", "text/csv"), ("Export printable HTML", "html", "text/html"))
for column, (label, kind, mime) in zip(st.columns(len(EXPORTS)), EXPORTS, strict=True):
    column.download_button(
        label,
        scoped_export(queries, user, child, asked, keep, kind),  # read and logged on the click
        f"chronology-{child}.{kind}",
        mime,
        on_click="ignore",
    )
