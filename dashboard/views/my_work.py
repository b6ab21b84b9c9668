"""My work: what waits for the signed-in person - what their agency received and has not yet
acknowledged (acknowledged here in one click), their tasks, and alerts about their agency's
children - each a click from the child's chronology."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from dashboard import data, session
from domain.application import EntriesRejected
from domain.drafts import acknowledgement_of
from domain.scopes import AccessRefused
from domain.vocabulary import DEFAULT_VOCABULARY as WORDS
from fullpicture.presentation import agency_name, uk_date, uk_when

st.title("My work")
user = session.user()
queries = data.queries()
names = data.agency_names()
KIND_WORDS = {"share": "information shared", "followup": "written follow-up", "response": "answer"}


def widget_key(action: str, entry_id: str) -> str:
    """A key that is also a CSS class (`st-key-…`), so each item's buttons can be found."""
    return f"{action}-{entry_id.replace(':', '--')}"


def open_chronology(child: str, highlight: str) -> None:
    st.switch_page("views/chronology.py", query_params={"child": child, "highlight": highlight})


def acknowledge(entry_id: str, children: tuple[str, ...], outcome: str, summary: str) -> None:
    row = acknowledgement_of(
        entry_id, children, outcome, summary, datetime.now().replace(microsecond=0).isoformat()
    )
    try:
        rows = queries.rows_to_record(user, [(None, row)], importing=False)
        data.recorder().record_all(rows, queries.author_of(user, rows, importing=False))
    except AccessRefused as refused:
        st.error(refused.message)
    except EntriesRejected as rejected:
        st.error("; ".join(f"{p.column}: {p.message}" for p in rejected.problems))
    else:
        st.success(f"Acknowledged {entry_id}")


incoming = queries.incoming_to_acknowledge(user)
st.subheader(f"Received, to acknowledge ({len(incoming)})")
st.caption("Say what your agency did with what it received: the sender, and nobody else, is told.")
SHOWN = 30  # the oldest wait longest, but a long list is worked through a page at a time
if len(incoming) > SHOWN:
    st.caption(f"The {SHOWN} most recent are shown; acknowledge them to see the next.")
for item in incoming[:SHOWN]:
    with st.container(border=True):
        st.markdown(
            f"**{KIND_WORDS.get(item.kind, item.kind)}** from "
            f"{agency_name(names, item.sender)} on {uk_when(item.occurred_at)} · `{item.entry_id}`"
            f" · about {', '.join(item.child_refs)}"
        )
        outcome_column, summary_column, button_column = st.columns([2, 4, 2])
        outcome = outcome_column.selectbox(
            "What you did with it",
            WORDS.outcome,
            key=widget_key("outcome", item.entry_id),
            format_func=lambda word: word.replace("_", " "),
        )
        summary = summary_column.text_input(
            "In a sentence", value="Received and read.", key=widget_key("summary", item.entry_id)
        )
        if button_column.button(
            "Acknowledge", key=widget_key("ack", item.entry_id), type="primary"
        ):
            acknowledge(item.entry_id, item.child_refs, outcome, summary)
        if button_column.button("Open the chronology", key=widget_key("open", item.entry_id)):
            open_chronology(item.child_refs[0], item.entry_id)

tasks = queries.task_list(user)
mine = [t for t in tasks if t.owner == user and not t.done_at]
overdue = [t for t in tasks if t.overdue and t.owner != user]
st.subheader(f"My tasks ({len(mine)})")
for task in mine + overdue:
    with st.container(border=True):
        owner = "you" if task.owner == user else task.owner
        st.markdown(
            f"**{task.status}** · due {uk_date(task.due_by)} · {owner} · `{task.task_id}` · "
            f"about {task.child_ref}"
        )
        st.text(task.what)
        if st.button("Open the chronology", key=f"task-{task.task_id}"):
            open_chronology(task.child_ref, task.about)

alerts = [a for a in queries.alert_list(user) if a.severity in ("priority", "practice")]
st.subheader(f"Alerts for my agency's children ({len(alerts)})")
for alert in alerts[:SHOWN]:
    with st.container(border=True):
        st.markdown(f"**{alert.pattern.replace('_', ' ')}** · {alert.child_ref}")
        st.text(alert.explanation)
        if st.button("Open the chronology", key=f"alert-{alert.id}"):
            open_chronology(alert.child_ref, ",".join(alert.evidence))
