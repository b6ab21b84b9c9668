"""Access log: who looked at which child, in which view and scope, and why.

Administrators see every access; a safeguarding lead their agency's people and the children
their agency knows; a case reviewer their review's children (the query layer decides).
"""

from __future__ import annotations

import streamlit as st

from dashboard import data, session
from domain.scopes import AccessRefused
from fullpicture.presentation import uk_when

st.title("Access log")
st.caption("Every read of a child's data is recorded here; break-glass reads show their reason.")
left, middle, right = st.columns(3)
child = left.text_input("Child reference").strip() or None
of_user = middle.text_input("Person (user name)").strip() or None
days = right.date_input("Between", value=(), format="DD/MM/YYYY")
from_day = days[0].isoformat() if len(days) > 0 else None
to_day = days[1].isoformat() if len(days) > 1 else from_day
break_glass_only = st.toggle("Break-glass reads only")
try:
    accesses = data.queries().audit(
        session.user(), child=child, of_user=of_user, from_day=from_day, to_day=to_day
    )
except AccessRefused as refused:
    st.error(refused.message)
    st.stop()
shown = [
    a.as_dict() | {"child_refs": ", ".join(a.child_refs), "when": uk_when(a.at)}
    for a in reversed(accesses)
    if a.break_glass or not break_glass_only
]
st.subheader(f"{len(shown)} accesses, newest first")
st.dataframe(
    shown,
    column_order=(
        "when",
        "user",
        "role",
        "agency",
        "child_refs",
        "view",
        "scope",
        "break_glass",
        "purpose",
    ),
    hide_index=True,
    width="stretch",
)
