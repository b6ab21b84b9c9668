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
from dashboard.plain_text import plain
from domain.errors import DomainError
from domain.scopes import BREAK_GLASS_HINT
from fullpicture.presentation import agency_name, uk_date, uk_dates_in, uk_when
from fullpicture.review_pack import EXPORT_KINDS, MIME_TYPES, as_row, scoped_export

EVERY_AGENCY = "every agency"

st.title("Child chronology")
user = session.user()
queries = data.queries()
reasons = data.break_glass_reasons()
names = data.agency_names()
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
as_at_day = left.date_input("As at", disabled=not replay, format="DD/MM/YYYY")
with_household = left.toggle(
    "With the household",
    value=st.query_params.get("household") == "1",  # a pattern about adults was opened
    help="also the entries naming the adults living with or caring for the child on the replay "
    "date, each marked with whom it is about",
)
asked: dict[str, Any] = {
    "as_at": f"{as_at_day.isoformat()}T23:59:59" if replay and as_at_day else None,
    "purpose": reasons.get(child, ""),
    "household": with_household,
}
try:
    result = data.read_child(child, **asked)
    if result.scope.known_by is None:
        known_by = right.selectbox(
            "Known by",
            [EVERY_AGENCY, *data.agencies()],
            format_func=lambda code: agency_name(names, code),
        )
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
st.caption(f"Scope: {plain(uk_dates_in(scope.describe()))}")  # holds a break-glass reason as typed
if with_household:
    st.caption(
        "Household: "
        + plain(
            "; ".join(
                f"{m.adult_ref} ({m.relationship.replace('_', ' ')}) since {uk_date(m.from_date)}"
                for m in result.household
            )
            or "no adult recorded in this scope"
        )
    )


def named(codes: Any) -> str:
    return ", ".join(agency_name(names, c) for c in codes)


# The child first: part of this read (same scope, no second access event).
header = result.header
with st.container(border=True):
    st.subheader(plain(header.child_ref))
    born, siblings, involved, gaps = st.columns([1, 1, 2, 2])
    born.markdown("**Date of birth**")
    born.text(
        f"{uk_date(header.date_of_birth)} (age {header.age})"
        if header.date_of_birth
        else "not recorded"
    )
    siblings.markdown("**Siblings** (share entries)")
    siblings.text(", ".join(header.siblings) or "none shown")
    involved.markdown(f"**Agencies involved** ({len(header.agencies)})")
    involved.text(named(header.agencies) or "none")
    gaps.markdown(f"**Open practice gaps** ({len(header.practice_gaps)})")
    gaps.text(
        "\n".join(f"{a.pattern.replace('_', ' ')}: {a.explanation}" for a in header.practice_gaps)
        or "none"
    )

voices = result.voice
with st.container(border=True):
    if voices:
        latest = voices[-1]
        where = agency_name(names, latest.entry.agency)
        st.markdown(
            f"**The child's voice** — {len(voices)} voice "
            f"{'entry' if len(voices) == 1 else 'entries'} in this scope; the latest:"
        )
        st.text(f"“{latest.entry.child_words}”")
        st.caption(
            plain(
                f"{latest.entry.captured_how.replace('_', ' ')}; heard by {latest.heard_by} "
                f"({where}) on {uk_when(latest.entry.occurred_at)}"
                f" — {latest.entry.entry_id}"
            )
        )
        with st.expander(f"Every voice entry ({len(voices)})"):
            for heard in reversed(voices):
                st.text(
                    f"{uk_when(heard.entry.occurred_at)}  “{heard.entry.child_words}”\n"
                    f"    {heard.entry.captured_how.replace('_', ' ')}; heard by {heard.heard_by} "
                    f"({agency_name(names, heard.entry.agency)}) — {heard.entry.entry_id}"
                )
    else:
        st.warning(
            "**The child's voice** is not recorded in this scope: no voice entry says what the "
            "child said or showed."
        )

entries = [as_row(e) for e in result.entries]

with st.expander("Filter entries"):
    by_agency = st.multiselect(
        "Agency",
        sorted({e["agency"] for e in entries}),
        format_func=lambda code: agency_name(names, code),
    )
    by_kind = st.multiselect("Kind", sorted({e["kind"] for e in entries}))
    by_concern = st.multiselect("Concern", sorted({c for e in entries for c in e["concerns"]}))


def keep(entry: Any) -> bool:
    return (
        (not by_agency or entry["agency"] in by_agency)
        and (not by_kind or entry["kind"] in by_kind)
        and (not by_concern or bool(set(by_concern) & set(entry["concerns"])))
    )


shown = [e for e in entries if keep(e)]
# An alert's evidence is highlighted when the alert is opened here, or named by the Patterns
# page's link.
highlighted = set(filter(None, st.query_params.get("highlight", "").split(",")))
alerts = queries.with_triage(result.alerts)
st.subheader(f"Patterns for review ({len(alerts)})")
by_id = {e["id"]: e for e in entries}
for alert in alerts:
    title = f"{alert['pattern'].replace('_', ' ')} — {alert['severity']}"
    with st.expander(title, expanded=set(alert["evidence"]) == highlighted):
        st.text(alert["explanation"])
        for entry_id in alert["evidence"]:
            entry = by_id.get(entry_id)
            st.text(
                f"• {uk_when(entry['occurred_at'])}  {agency_name(names, entry['agency'])}  "
                f"{entry_id}  {entry['summary']}"
                if entry
                else f"• {entry_id}"
            )
        if st.button("Highlight its evidence", key=f"highlight-{alert['id']}"):
            st.query_params["highlight"] = ",".join(alert["evidence"])
            st.rerun()
        triage = alert.get("triage") or {}
        if triage.get("note"):
            st.warning(triage["note"])
        for review in triage.get("history", []):
            st.text(
                f"Reviewed {uk_date(review['reviewed_at'])} by {review['reviewed_by']}: "
                f"{review['outcome'].replace('_', ' ')} — {review['reason']}"
            )

st.subheader(f"Timeline ({len(shown)} entries from {len({e['agency'] for e in shown})} agencies)")
st.caption(
    "Each kind has one colour and shape everywhere; larger marks are more significant; arrows "
    "run from the sharing agency to the receiving one. Drag to pan, scroll to zoom."
)
if shown:
    st.vega_lite_chart(spec=timeline(shown, names, highlighted), width="stretch")
evidence = [e for e in shown if e["id"] in highlighted]
if highlighted:
    st.info(
        f"The alert's evidence ({len(evidence)} of {len(highlighted)} entries shown, "
        "highlighted below): "
        + "; ".join(f"{uk_when(e['occurred_at'])} {e['id']}" for e in evidence)
    )
rows = [
    {
        **e,
        "evidence": "◆" if e["id"] in highlighted else "",
        "when": uk_when(e["occurred_at"]),
        "recorded": uk_when(e["recorded_at"]),
        "agency_name": agency_name(names, e["agency"]),
        "to": named(e["to_agencies"]),
        "concern": ", ".join(e["concerns"]),
    }
    for e in shown
]
table: Any = (
    pd.DataFrame(rows).style.apply(
        lambda row: ["background-color: #fff3bf" if row["evidence"] else "" for _ in row], axis=1
    )
    if evidence
    else pd.DataFrame(rows)
)
ROW_HEIGHT = 64  # room for a summary to wrap onto three lines
st.dataframe(
    table,
    column_order=(
        *(("evidence",) if highlighted else ()),
        *(("about",) if with_household else ()),
        "when",
        "child_age",
        "agency_name",
        "kind",
        "summary",
        "concern",
        "significance",
        "to",
        "practitioner",
        "how_and_why",
        "recorded",
        "id",
    ),
    column_config={
        "when": st.column_config.TextColumn("when", width=120),
        "child_age": st.column_config.TextColumn("child's age"),
        "agency_name": st.column_config.TextColumn("agency", help="the agency that recorded it"),
        "summary": st.column_config.TextColumn("summary", width="large"),
        "to": st.column_config.TextColumn("to", help="the agencies it was addressed to"),
        "how_and_why": st.column_config.TextColumn(
            "how and why",
            help="how it was shared or asked, the lawful basis, consent, whether the family was "
            "told, and why (a follow-up's unstated ones are its share's: inherited)",
            width="medium",
        ),
        "recorded": st.column_config.TextColumn(
            "recorded", help="when FullPicture stored it (system time)"
        ),
    },
    hide_index=True,
    width="stretch",
    row_height=ROW_HEIGHT,
    height=min(40 + ROW_HEIGHT * max(len(rows), 1), 900),
)
st.caption(f"All {len(rows)} entries; scroll the table for more.")

st.subheader("Who knew what, when")
if st.toggle("Show when each agency learned each significant entry"):  # drawn when asked
    view = result.knowledge
    st.caption(
        "Each significant entry, and when each agency learned it (recorded it, or received it "
        "as addressed to it or by a share), as at the replay date."
    )
    st.dataframe(
        [
            {
                "when": uk_when(entry.occurred_at),
                "kind": entry.kind,
                "id": entry.id,
                **{
                    agency_name(names, agency): (
                        f"{cell.how} {uk_when(cell.at)}" if cell.how else "never"
                    )
                    for agency in view.agencies
                    for cell in (view.cell(agency, entry.id),)
                },
            }
            for entry in view.entries
        ],
        hide_index=True,
        width="stretch",
    )

EXPORT_LABELS = {"csv": "Export CSV", "html": "Export printable HTML", "pdf": "Export PDF pack"}
for column, kind in zip(st.columns(len(EXPORT_KINDS)), EXPORT_KINDS, strict=True):
    column.download_button(
        EXPORT_LABELS[kind],
        scoped_export(queries, user, child, asked, keep, kind, names),  # read, logged on click
        f"chronology-{child}.{kind}",
        MIME_TYPES[kind],
        on_click="ignore",
    )
