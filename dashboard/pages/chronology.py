"""Child chronology: a case reviewer replays one child's merged multi-agency timeline."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.charts import timeline
from dashboard.export import chronology_csv, chronology_html

st.title("Child chronology")
children = [c["child_ref"] for c in data.children()]
if not children:
    st.info("No chronology yet: record entries or run `fullpicture demo`.")
    st.stop()

wanted = st.query_params.get("child", children[0])
child = st.selectbox("Child", children, index=children.index(wanted) if wanted in children else 0)
st.query_params["child"] = child

agencies = data.agencies()
left, right = st.columns(2)
replay = left.toggle("Replay as at a date")
as_at_day = left.date_input("As at", disabled=not replay)
known_by = right.selectbox("Known by", ["every agency", *agencies])
as_at = f"{as_at_day.isoformat()}T23:59:59" if replay and as_at_day else None
entries = data.child_chronology(child, as_at, None if known_by == "every agency" else known_by)

with st.expander("Filter entries"):
    by_agency = st.multiselect("Agency", sorted({e["agency"] for e in entries}))
    by_kind = st.multiselect("Kind", sorted({e["kind"] for e in entries}))
    by_concern = st.multiselect("Concern", sorted({c for e in entries for c in e["concerns"]}))
shown = [
    e
    for e in entries
    if (not by_agency or e["agency"] in by_agency)
    and (not by_kind or e["kind"] in by_kind)
    and (not by_concern or set(by_concern) & set(e["concerns"]))
]

voice = [e for e in shown if e["kind"] == "voice"]
if voice:
    latest = voice[-1]
    st.success(
        f"**The child's voice** ({latest['occurred_at'][:10]}, {latest['agency']}): "
        f"“{latest['summary']}”  — {len(voice)} voice entries shown"
    )
else:
    st.warning("**The child's voice** is not recorded in the entries shown.")

alerts = [a for a in data.current_alerts(child)]
st.subheader(f"Patterns for review ({len(alerts)})")
by_id = {e["id"]: e for e in entries}
for alert in alerts:
    with st.expander(f"{alert['pattern'].replace('_', ' ')} — {alert['severity']}"):
        st.write(alert["explanation"])
        for entry_id in alert["evidence"]:
            entry = by_id.get(entry_id)
            st.markdown(f"- `{entry_id}` {entry['summary'] if entry else ''}")
        triage = alert.get("triage") or {}
        if triage.get("note"):
            st.warning(triage["note"])
        for review in triage.get("history", []):
            st.caption(
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
        f"**The alert's evidence** ({len(evidence)} of {len(highlighted)} entries shown, "
        "highlighted below): " + "; ".join(f"{e['occurred_at'][:10]} {e['id']}" for e in evidence)
    )
rows = [{**e, "evidence": "◆" if e["id"] in highlighted else ""} for e in shown]
table = (
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
scope = f"As at {as_at[:10]}" if as_at else "Everything recorded"
if known_by != "every agency":
    scope += f", as known by {known_by}"
csv_col, html_col = st.columns(2)
csv_col.download_button("Export CSV", chronology_csv(shown), f"chronology-{child}.csv", "text/csv")
html_col.download_button(
    "Export printable HTML",
    chronology_html(child, shown, scope, alerts),
    f"chronology-{child}.html",
    "text/html",
)
