"""Tasks with an owner: who must do what about a child, by when, and what came of it.

A task is about one child and points at what prompted it (an alert id or an entry id). Like every
entry it is immutable history: added, reassigned, done - never edited. It is personal data about
the child (`what` and `outcome` are free text), so every event names the child it is about.
Who may own a task is decided by the query layer (the owner must be able to see the child).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate

from domain.clock import parse_when
from domain.entries import ID_NAMESPACE
from domain.errors import DomainError, InvalidEntry, MissingField
from domain.identities import identity_problem
from domain.text import normalise_newlines, text_problem

TASK_ID_PREFIX = "T-"


class UnknownTask(DomainError):
    def __init__(self, task_id: str) -> None:
        super().__init__("task", f"no task {task_id!r} that you can see")


class TaskNotOpen(DomainError):
    """A task already done cannot be done again or handed on."""


def new_task_id() -> str:
    return f"{TASK_ID_PREFIX}{uuid4().hex[:10]}"


def task_uuid(task_id: str) -> UUID:
    return uuid5(ID_NAMESPACE, f"task:{task_id}")


class Task(Aggregate):
    def __init__(self) -> None:
        self.task_id = ""
        self.child_ref = ""
        self.owner = ""
        self.owner_agency = ""
        self.done = False

    def reassign(self, owner: str, owner_agency: str, by: str, at: str) -> None:
        self._check_open()
        self.trigger_event(
            TaskReassigned,
            task_id=self.task_id,
            child_ref=self.child_ref,
            owner=owner,
            owner_agency=owner_agency,
            reassigned_by=by,
            recorded_at=at,
        )

    def finish(self, outcome: str, by: str, at: str) -> None:
        self._check_open()
        self.trigger_event(
            TaskDone,
            task_id=self.task_id,
            child_ref=self.child_ref,
            outcome=outcome,
            done_by=by,
            recorded_at=at,
        )

    def _check_open(self) -> None:
        if self.done:
            raise TaskNotOpen("task", f"{self.task_id} is done already")


class TaskAdded(Aggregate.Created):
    """A task given to an owner: what to do about the child, prompted by `about`, due by a day."""

    task_id: str
    child_ref: str
    about: str
    owner: str
    owner_agency: str
    due_by: str
    what: str
    added_by: str
    recorded_at: str

    kind = "task_added"

    def apply(self, aggregate: Any) -> None:
        aggregate.task_id = self.task_id
        aggregate.child_ref = self.child_ref
        aggregate.owner = self.owner
        aggregate.owner_agency = self.owner_agency


class TaskReassigned(Aggregate.Event):
    """The task handed to another owner (who must also be able to see the child)."""

    task_id: str
    child_ref: str
    owner: str
    owner_agency: str
    reassigned_by: str
    recorded_at: str

    kind = "task_reassigned"

    def apply(self, aggregate: Any) -> None:
        aggregate.owner = self.owner
        aggregate.owner_agency = self.owner_agency


class TaskDone(Aggregate.Event):
    """The task done, with what came of it."""

    task_id: str
    child_ref: str
    outcome: str
    done_by: str
    recorded_at: str

    kind = "task_done"

    def apply(self, aggregate: Any) -> None:
        aggregate.done = True


TASK_EVENTS = (TaskAdded, TaskReassigned, TaskDone)


def new_task(values: dict[str, str], owner_agency: str, added_by: str, at: str) -> Task:
    """A new task from `checked_task` values, given to an owner of `owner_agency`."""
    task_id = new_task_id()
    return Task._create(
        TaskAdded,
        id=task_uuid(task_id),
        task_id=task_id,
        owner_agency=owner_agency,
        added_by=added_by,
        recorded_at=at,
        **values,
    )


def checked_task(child_ref: str, about: str, owner: str, due_by: str, what: str) -> dict[str, str]:
    """The fields of a new task, trimmed and checked, or `InvalidEntry` naming every bad one."""
    values = {
        "child_ref": child_ref.strip(),
        "about": about.strip(),
        "owner": owner.strip(),
        "due_by": due_by.strip(),
        "what": normalise_newlines(what).strip(),
    }
    problems: list[DomainError] = []
    for name, value in values.items():
        if not value:
            problems.append(MissingField(name))
    if values["child_ref"] and (problem := identity_problem("child_ref", values["child_ref"])):
        problems.append(problem)
    if values["about"] and (problem := _about_problem(values["about"])):
        problems.append(problem)
    if values["due_by"]:
        try:
            values["due_by"] = parse_when("due_by", values["due_by"])[:10]
        except DomainError as problem:
            problems.append(problem)
    if values["what"] and (problem := text_problem("what", values["what"])):
        problems.append(problem)
    if problems:
        raise InvalidEntry(problems)
    return values


def checked_outcome(outcome: str) -> str:
    text = normalise_newlines(outcome).strip()
    if not text:
        raise InvalidEntry([MissingField("outcome", "is required: what came of the task")])
    if (problem := text_problem("outcome", text)) is not None:
        raise InvalidEntry([problem])
    return text


def _about_problem(about: str) -> DomainError | None:
    """An alert id (`A-…`) or an entry id (`<agency>:<entry_ref>`)."""
    agency, separator, entry_ref = about.partition(":")
    if separator:
        if identity_problem("about", agency) is None and identity_problem("", entry_ref) is None:
            return None
    elif about.startswith("A-") and identity_problem("about", about) is None:
        return None
    return DomainError("about", f"{about!r} is neither an alert id (A-…) nor an entry id")
