"""Child chronology: a case reviewer replays one child's merged multi-agency timeline."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.charts import timeline
from dashboard.export import chronology_csv, chronology_html
from dashboard.plain_text import plain

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
        f"**The child's voice** ({plain(latest['occurred_at'][:10])}, {plain(latest['agency'])}): "
        f"“{plain(latest['summary'])}”  — {len(voice)} voice entries shown"
    )
else:
    st.warning("**The child's voice** is not recorded in the entries shown.")

alerts = [a for a in data.current_alerts(child)]
st.subheader(f"Patterns for review ({len(alerts)})")
by_id = {e["id"]: e for e in entries}
for alert in alerts:
    with st.expander(f"{alert['pattern'].replace('_', ' ')} — {alert['severity']}"):
        st.markdown(plain(alert["explanation"]))
        for entry_id in alert["evidence"]:
            entry = by_id.get(entry_id)
            st.markdown(f"- {plain(entry_id)} {plain(entry['summary']) if entry else ''}")

st.subheader(f"Timeline ({len(shown)} entries from {len({e['agency'] for e in shown})} agencies)")
if shown:
    st.altair_chart(timeline(shown), width="stretch")
st.dataframe(
    shown,
    column_order=(
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
