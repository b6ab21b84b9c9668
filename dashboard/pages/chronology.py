"""Child chronology: a case reviewer replays one child's merged multi-agency timeline."""

from __future__ import annotations

from dataclasses import asdict

import streamlit as st

from dashboard.data import wiring
from projections.chronology import chronology_for

st.title("Child chronology")
child = st.text_input("Child reference", value=st.query_params.get("child", ""))
if child:
    st.query_params["child"] = child
    entries = chronology_for(wiring().read_models.db, child)
    st.caption(f"{len(entries)} entries from {len({e.agency for e in entries})} agencies")
    st.dataframe(
        [asdict(e) for e in entries],
        column_order=(
            "occurred_at",
            "agency",
            "kind",
            "summary",
            "concerns",
            "significance",
            "to_agencies",
            "practitioner",
        ),
        hide_index=True,
    )
else:
    st.info("Enter a child reference, for example C-0001.")
