"""Records management: parts of children's records past their retention period, the decisions
about them and their approvals, and legal holds. For administrators; no child content is shown
(references, agencies, record classes, rules and dates only), and every list and act is in the
access log (the records office and the query layer decide and record)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard import data, session
from domain.disposition import DECISIONS
from domain.errors import DomainError
from fullpicture.records_office import DUE_COLUMNS

st.title("Records management")
st.caption(
    "Nothing is destroyed automatically: a person decides, a second person approves, and a "
    "legal hold blocks every erasure it covers. Erasure itself is `fullpicture erase`."
)
office = data.wiring().records_office
user = session.user()
try:
    as_at = st.date_input(
        "Due as at",
        value=date.today(),
        min_value=date(1900, 1, 1),
        max_value=date(2199, 12, 31),
        format="DD/MM/YYYY",
    )
    due = office.due(user, as_at=as_at.isoformat())
    decisions = office.decisions(user)
    holds = office.holds(user)
except DomainError as refused:
    st.error(refused.message)
    st.stop()

st.subheader(f"Due for review: {len(due)} parts of children's records")
st.dataframe(
    [r.as_dict() | {"holds": ", ".join(r.as_dict()["holds"])} for r in due],
    column_order=DUE_COLUMNS,
    hide_index=True,
    width="stretch",
)

st.subheader(f"Decisions: {len(decisions)}")
st.dataframe(
    [d.as_dict() for d in reversed(decisions)],
    column_order=(
        "id",
        "child_ref",
        "agency",
        "decision",
        "until",
        "reason",
        "decided_by",
        "approved_by",
        "state",
    ),  # fmt: skip
    hide_index=True,
    width="stretch",
)
waiting = [
    d.decision_id
    for d in decisions
    if d.state == "awaiting approval" and d.decided_by.lower() != user.lower()
]
with st.form("approve"):
    chosen = st.selectbox("Approve another person's decision to destroy", waiting)
    if st.form_submit_button("Approve", disabled=not waiting) and chosen:
        try:
            office.approve(user, chosen)
        except DomainError as refused:
            st.error(refused.message)
        else:
            st.success(f"Approved {chosen}")

with st.form("decide"):
    st.markdown("**Decide on a child's record**")
    child = st.text_input("Child reference").strip()
    decision = st.radio("Decision", DECISIONS, horizontal=True)
    reason = st.text_input("Reason (the rule or request; no personal details)")
    until = st.date_input("Keep until (extend only)", value=None, format="DD/MM/YYYY")
    agency = st.selectbox("Only this agency's part", ["", *data.agencies()])
    if st.form_submit_button("Record the decision"):
        try:
            made = office.decide(
                user, child, decision, reason, until=until.isoformat() if until else "",
                agency=agency,
            )  # fmt: skip
        except DomainError as refused:
            st.error(refused.message)
        else:
            st.success(f"Recorded {made.decision_id} ({made.state})")

st.subheader(f"Legal holds: {sum(h.in_force for h in holds)} in force")
st.dataframe(
    [h.as_dict() for h in holds],
    column_order=(
        "hold",
        "basis",
        "scope",
        "placed_by",
        "placed_at",
        "in_force",
        "lifted_by",
        "lifted_at",
        "lift_reason",
    ),  # fmt: skip
    hide_index=True,
    width="stretch",
)
with st.form("place_hold"):
    st.markdown("**Place a legal hold**")
    name = st.text_input("Hold name, e.g. INQUIRY-2026").strip()
    basis = st.text_input("Basis: the inquiry, claim or notice")
    covers = st.radio("Covers", ("children", "an agency", "every record"), horizontal=True)
    children = st.text_input("Children (references, separated by spaces)")
    held_agency = st.selectbox("Agency", ["", *data.agencies()])
    left, right = st.columns(2)
    period_from = left.date_input("Parts with an entry from", value=None, format="DD/MM/YYYY")
    period_to = right.date_input("to", value=None, format="DD/MM/YYYY")
    if st.form_submit_button("Place the hold"):
        try:
            placed = office.place_hold(
                user,
                name,
                basis,
                children=children.split() if covers == "children" else (),
                agency=held_agency if covers == "an agency" else "",
                everything=covers == "every record",
                period_from=period_from.isoformat() if period_from else "",
                period_to=period_to.isoformat() if period_to else "",
            )
        except DomainError as refused:
            st.error(refused.message)
        else:
            st.success(f"Placed {placed.hold}: {placed.scope}")

in_force = [h.hold for h in holds if h.in_force]
with st.form("lift_hold"):
    lifted = st.selectbox("Lift a legal hold", in_force)
    why = st.text_input("Why it ends")
    if st.form_submit_button("Lift", disabled=not in_force) and lifted:
        try:
            office.lift_hold(user, lifted, why)
        except DomainError as refused:
            st.error(refused.message)
        else:
            st.success(f"Lifted {lifted}")
