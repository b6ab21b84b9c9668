"""Record: forms for a share, a request, an answer or decline, the child's voice; a CSV import.

A practitioner or safeguarding lead records as their own agency (the query layer fills it in and
refuses any other); a case reviewer imports agencies' chronologies of their review's children.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import streamlit as st

from dashboard import data, session
from dashboard.plain_text import plain
from domain.application import EntriesRejected
from domain.scopes import AccessRefused
from domain.spreadsheet import read_chronology_csv
from domain.vocabulary import DEFAULT_VOCABULARY as WORDS

st.title("Record")
wiring = data.wiring()
queries = data.queries()
user = session.user()
agencies = data.agencies()
if not agencies:
    st.info("Register an agency first: `fullpicture agency register CODE --name … --type …`.")
    st.stop()


def may_record(importing: bool) -> AccessRefused | None:
    """Ask the one rule with nothing to record: may this person record (or import) at all?"""
    try:
        queries.rows_to_record(user, [], importing=importing)
    except AccessRefused as refused:
        return refused
    return None


KINDS = {
    "Information share": "share",
    "Information request": "request",
    "Answer to a request": "response",
    "Decline a request": "decline",
    "Child's voice": "voice",
}


def show_problems(problems: list[Any]) -> None:
    for problem in problems:
        st.error(f"**{plain(problem.column)}**: {plain(problem.message)}")


def record_form() -> None:
    choice = st.radio("What are you recording?", list(KINDS), horizontal=True)
    kind = KINDS[choice]
    person = wiring.directory.person(user)
    with st.form("entry"):
        st.caption(f"Recording as {person.agency if person else ''}")
        entry: dict[str, Any] = {"kind": kind}
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
            rows = queries.rows_to_record(user, [(None, values)], importing=False)
            outcome = wiring.partnership.record_all(rows)
        except AccessRefused as refused:
            st.error(plain(refused.message))
        except EntriesRejected as rejected:
            show_problems(rejected.problems)
        else:
            data.after_recording()
            st.success(f"Recorded {', '.join(outcome.recorded or outcome.unchanged)}")


refused_form = may_record(importing=False)
if refused_form is None:
    record_form()
else:
    st.info("Entries are recorded by practitioners and safeguarding leads, as their own agency.")

st.divider()
st.subheader("Import an agency chronology spreadsheet (CSV)")
refused_import = may_record(importing=True)
if refused_import is not None:
    st.error(refused_import.message)
    st.stop()
upload = st.file_uploader("Spreadsheet", type=["csv"])
if upload is not None and st.button("Import"):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.csv"
        path.write_bytes(upload.getvalue())
        try:
            rows = queries.rows_to_record(user, read_chronology_csv(path), importing=True)
            outcome = wiring.partnership.record_all(rows)
        except AccessRefused as refused:
            st.error(f"Nothing was recorded: {plain(refused.message)}")
        except EntriesRejected as rejected:
            st.error("Nothing was recorded. Fix these and import again:")
            show_problems(rejected.problems)
        else:
            children = [c.strip() for _, r in rows for c in str(r.get("child_ref", "")).split(";")]
            queries.record_import(user, [c for c in children if c], len(rows))
            data.after_recording()
            st.success(
                f"Recorded {len(outcome.recorded)} entries "
                f"({len(outcome.unchanged)} already recorded)"
            )
