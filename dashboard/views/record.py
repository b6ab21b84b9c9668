"""Record: forms for a share, its written follow-up, a request, an answer or decline, the child's
voice, a transfer point; a CSV import.

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
    "Written follow-up": "followup",
    "Information request": "request",
    "Answer to a request": "response",
    "Decline a request": "decline",
    "Child's voice": "voice",
    "Transfer point": "transfer",
    "Acknowledgement": "acknowledgement",
}


# The form's own words for each field, used in its error messages.
LABELS = {
    "entry_ref": "Your reference for this entry",
    "child_ref": "Child reference(s)",
    "occurred_at": "When it happened",
    "summary": "What happened",
    "practitioner": "Your role and how to contact you",
    "to_agencies": "To which agencies",
    "reason": "Why",
    "channel": "How",
    "lawful_basis": "Lawful basis",
    "consent": "Consent",
    "family_informed": "Was the family told?",
    "due_by": "Answer needed by",
    "refers_to": "The entry it refers to",
    "transfer": "Which transfer point",
    "outcome": "What you did with it",
    "child_words": "The child's words",
    "captured_how": "How it was captured",
    "concerns": "Concerns",
    "significance": "Significance",
}
# Questions with no safe default: the practitioner must answer each one.
MUST_CHOOSE = (
    "lawful_basis",
    "consent",
    "family_informed",
    "channel",
    "captured_how",
    "transfer",
    "outcome",
)
# Shown before an answer without a lawful basis is saved: it is kept, as a gap (DOMAIN.md rule 7).
LAWFUL_BASIS_WARNING = (
    "An answer to a request is a disclosure: choose the lawful basis you are sharing on. "
    "Without one the answer is still recorded, and shown as “lawful basis not recorded”."
)
PROBLEMS = "record_problems"


def in_form_words(text: str) -> str:
    for field_name, label in LABELS.items():
        text = text.replace(field_name, f"“{label}”")
    return text


def show_problems(problems: list[Any]) -> None:
    for problem in problems:
        label = LABELS.get(problem.column, problem.column)
        st.error(f"**{plain(label)}**: {plain(in_form_words(problem.message))}")


def beside(field_name: str) -> None:
    """The problem with this field from the last attempt, shown right under it."""
    problem = st.session_state.get(PROBLEMS, {}).get(field_name)
    if problem:
        st.error(plain(problem))


def choose(field_name: str, options: Any, index: int | None = None) -> Any:
    """A choice with no answer given for the practitioner (unless `index` is a safe default)."""
    chosen = st.selectbox(
        LABELS[field_name],
        options,
        index=index,
        placeholder="Choose…",
        format_func=lambda option: str(option).replace("_", " "),
    )
    beside(field_name)
    return chosen


def choose_if_recorded(field_name: str, options: Any, not_given: str) -> str:
    """A choice the agency may not have recorded: left unchosen, it is recorded as not given."""
    chosen = st.selectbox(
        LABELS[field_name],
        options,
        index=None,
        placeholder=not_given,
        format_func=lambda option: str(option).replace("_", " "),
    )
    beside(field_name)
    return chosen or ""


def disclosure_decision(as_the_share: bool) -> dict[str, str]:
    """The lawful basis, consent and whether the family was told, as an answer or a follow-up
    states them: an answer is a disclosure; a follow-up's unstated ones are its share's."""
    not_given = "As the share (inherited)" if as_the_share else "Not recorded"
    return {
        "lawful_basis": choose_if_recorded("lawful_basis", WORDS.lawful_basis, not_given),
        "consent": choose_if_recorded("consent", WORDS.consent, not_given),
        "family_informed": choose_if_recorded("family_informed", WORDS.family_informed, not_given),
    }


def typed(field_name: str, widget: Any, label: str) -> Any:
    value = widget(label)
    beside(field_name)
    return value


def acronym_warnings(summary: str) -> None:
    unexplained = queries.patterns.glossary.unexplained(summary)
    if unexplained:
        st.warning(
            "Write acronyms out in full for other agencies and the family: "
            + "; ".join(
                f"{a.acronym} — {a.expansion}"
                + (f" (or {a.ambiguous}: say which)" if a.ambiguous else "")
                for a in unexplained
            )
        )


def record_form() -> None:
    choice = st.radio("What are you recording?", list(KINDS), horizontal=True)
    kind = KINDS[choice]
    person = wiring.directory.person(user)
    st.caption(f"Recording as {person.agency if person else ''}")
    entry: dict[str, Any] = {"kind": kind}
    entry["entry_ref"] = typed("entry_ref", st.text_input, LABELS["entry_ref"])
    entry["child_ref"] = typed("child_ref", st.text_input, "Child reference(s), separated by ;")
    day, time_of_day = st.columns(2)
    happened_on = day.date_input("When it happened", value=None, format="DD/MM/YYYY")
    happened_at = time_of_day.time_input("At (time of day)", value=None, step=300)
    if happened_on is not None:
        entry["occurred_at"] = happened_on.isoformat() + (
            f"T{happened_at.strftime('%H:%M')}:00" if happened_at is not None else ""
        )
    beside("occurred_at")
    entry["summary"] = typed(
        "summary", st.text_area, "What happened, in plain language (no acronyms)"
    )
    acronym_warnings(entry["summary"] or "")
    entry["practitioner"] = typed("practitioner", st.text_input, LABELS["practitioner"])
    if kind in ("share", "request"):
        entry["to_agencies"] = ";".join(st.multiselect(LABELS["to_agencies"], agencies))
        beside("to_agencies")
        entry["reason"] = typed(
            "reason", st.text_input, "Why (the purpose, or the context of the concern)"
        )
    if kind == "share":
        entry["channel"] = choose("channel", WORDS.channels)
        entry["lawful_basis"] = choose("lawful_basis", WORDS.lawful_basis)
        entry["consent"] = choose("consent", WORDS.consent)
        entry["family_informed"] = choose("family_informed", WORDS.family_informed)
    if kind == "request":
        entry["due_by"] = st.date_input(LABELS["due_by"], value=None, format="DD/MM/YYYY")
        beside("due_by")
    if kind in ("request", "response", "decline"):
        entry["channel"] = choose_if_recorded("channel", WORDS.channels, "Not recorded")
    if kind in ("response", "decline"):
        entry["refers_to"] = typed(
            "refers_to", st.text_input, "The request answered (agency:reference)"
        )
    if kind == "response":
        entry |= disclosure_decision(as_the_share=False)
        if not entry["lawful_basis"]:
            st.warning(LAWFUL_BASIS_WARNING)
    if kind == "decline":
        entry["reason"] = typed("reason", st.text_input, "Why you are not sharing")
    if kind == "followup":
        entry["refers_to"] = typed(
            "refers_to", st.text_input, "The verbal share it follows up (agency:reference)"
        )
        entry["channel"] = choose("channel", WORDS.written_channels, index=0)
        entry |= disclosure_decision(as_the_share=True)
    if kind == "acknowledgement":
        entry["refers_to"] = typed(
            "refers_to",
            st.text_input,
            "The share, follow-up or answer you received (agency:reference)",
        )
        entry["outcome"] = choose("outcome", WORDS.outcome)
    if kind == "transfer":
        entry["transfer"] = choose("transfer", WORDS.transfer)
        entry["reason"] = typed(
            "reason", st.text_input, "Why (the reason the case started, closed or moved)"
        )
    if kind == "voice":
        entry["child_words"] = typed(
            "child_words", st.text_area, "The child's words, or what you observed"
        )
        entry["captured_how"] = choose("captured_how", WORDS.captured_how)
    entry["concerns"] = ";".join(st.multiselect(LABELS["concerns"], WORDS.concerns))
    entry["significance"] = choose("significance", WORDS.significance, index=1)
    problems = st.session_state.get(PROBLEMS, {})
    for column in [c for c in problems if c not in LABELS]:  # not about one field
        st.error(plain(f"{column}: {problems[column]}"))
    if st.button("Record", type="primary"):
        submit(kind, entry)


def submit(kind: str, entry: dict[str, Any]) -> None:
    unanswered = {
        f: f"Choose an answer for “{LABELS[f]}”: there is no default."
        for f in MUST_CHOOSE
        if f in entry and entry[f] is None
    }
    if "occurred_at" not in entry:
        unanswered["occurred_at"] = "Give the date it happened (and the time, if known)."
    if unanswered:
        st.session_state[PROBLEMS] = unanswered
        st.rerun()
    values = {k: v.isoformat() if isinstance(v, date) else v for k, v in entry.items() if v}
    try:
        rows = queries.rows_to_record(user, [(None, values)], importing=False)
        outcome = data.recorder().record_all(rows, queries.author_of(user, rows, importing=False))
    except AccessRefused as refused:
        st.error(plain(refused.message))
    except EntriesRejected as rejected:
        st.session_state[PROBLEMS] = {p.column: in_form_words(p.message) for p in rejected.problems}
        st.rerun()
    else:
        st.session_state[PROBLEMS] = {}
        st.success(f"Recorded {', '.join(outcome.recorded or outcome.unchanged)}")
        for warning in outcome.warnings:
            st.warning(plain(in_form_words(f"{warning.column}: {warning.message}")))


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
            author = queries.author_of(user, rows, importing=True)
            outcome = data.recorder().record_all(rows, author)
        except AccessRefused as refused:
            st.error(f"Nothing was recorded: {plain(refused.message)}")
        except EntriesRejected as rejected:
            st.error("Nothing was recorded. Fix these and import again:")
            show_problems(rejected.problems)
        else:
            children = [c.strip() for _, r in rows for c in str(r.get("child_ref", "")).split(";")]
            queries.record_import(user, [c for c in children if c], len(rows))
            st.success(
                f"Recorded {len(outcome.recorded)} entries "
                f"({len(outcome.unchanged)} already recorded)"
            )
            for warning in outcome.warnings:
                st.warning(plain(str(warning)))
