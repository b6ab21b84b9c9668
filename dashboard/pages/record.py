"""Record: forms for a share, a request, an answer or decline, the child's voice; a CSV import."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import streamlit as st

from consumers.store_feed import catch_up
from dashboard import data
from dashboard.plain_text import plain
from domain.application import EntriesRejected
from domain.spreadsheet import read_chronology_csv
from domain.vocabulary import DEFAULT_VOCABULARY as WORDS

st.title("Record")
wiring = data.wiring()
agencies = data.agencies()
if not agencies:
    st.info("Register an agency first: `fullpicture agency register CODE --name … --type …`.")
    st.stop()

KINDS = {
    "Information share": "share",
    "Information request": "request",
    "Answer to a request": "response",
    "Decline a request": "decline",
    "Child's voice": "voice",
}


def after_recording() -> None:
    if not wiring.settings.distributed:
        catch_up(wiring.partnership, wiring.read_models)
    data.refresh()


def show_problems(problems: list[Any]) -> None:
    for problem in problems:
        st.error(f"**{plain(problem.column)}**: {plain(problem.message)}")


choice = st.radio("What are you recording?", list(KINDS), horizontal=True)
kind = KINDS[choice]
with st.form("entry"):
    entry: dict[str, Any] = {"kind": kind}
    entry["agency"] = st.selectbox("Your agency", agencies)
    entry["entry_ref"] = st.text_input("Your reference for this entry")
    entry["child_ref"] = st.text_input("Child reference(s), separated by ;")
    entry["occurred_at"] = st.date_input("When it happened", value=date.today()).isoformat()
    entry["summary"] = st.text_area("What happened, in plain language (no acronyms)")
    entry["practitioner"] = st.text_input("Your role and how to contact you")
    if kind in ("share", "request"):
        entry["to_agencies"] = ";".join(st.multiselect("To which agencies", agencies))
        entry["reason"] = st.text_input("Why (the purpose, or the context of the concern)")
    if kind == "share":
        entry["channel"] = st.selectbox("How", WORDS.channels)
        entry["lawful_basis"] = st.selectbox("Lawful basis", ["", *WORDS.lawful_basis])
        entry["consent"] = st.selectbox("Consent", WORDS.consent)
        entry["family_informed"] = st.selectbox("Was the family told?", WORDS.family_informed)
    if kind == "request":
        entry["due_by"] = st.date_input("Answer needed by", value=None)
    if kind in ("response", "decline"):
        entry["refers_to"] = st.text_input("The request answered (agency:reference)")
    if kind == "decline":
        entry["reason"] = st.text_input("Why you are not sharing")
    if kind == "voice":
        entry["child_words"] = st.text_area("The child's words, or what you observed")
        entry["captured_how"] = st.selectbox("How it was captured", WORDS.captured_how)
    entry["concerns"] = ";".join(st.multiselect("Concerns", WORDS.concerns))
    entry["significance"] = st.selectbox("Significance", WORDS.significance, index=1)
    submitted = st.form_submit_button("Record")
if submitted:
    values = {k: v.isoformat() if isinstance(v, date) else v for k, v in entry.items() if v}
    try:
        outcome = wiring.partnership.record(values)
    except EntriesRejected as rejected:
        show_problems(rejected.problems)
    else:
        after_recording()
        st.success(plain(f"Recorded {', '.join(outcome.recorded or outcome.unchanged)}"))

st.divider()
st.subheader("Import an agency chronology spreadsheet (CSV)")
upload = st.file_uploader("Spreadsheet", type=["csv"])
if upload is not None and st.button("Import"):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.csv"
        path.write_bytes(upload.getvalue())
        try:
            outcome = wiring.partnership.record_all(read_chronology_csv(path))
        except EntriesRejected as rejected:
            st.error("Nothing was recorded. Fix these and import again:")
            show_problems(rejected.problems)
        else:
            after_recording()
            st.success(
                f"Recorded {len(outcome.recorded)} entries "
                f"({len(outcome.unchanged)} already recorded)"
            )
