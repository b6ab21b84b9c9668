"""An entry as a practitioner submits it, before it becomes an event: parsing and normalising.

Every entry point (CLI flags, a JSON file, a spreadsheet row, a dashboard form) produces the same
mapping of field names to raw values; `parse_draft` turns it into an `EntryDraft` or says, field by
field, what is wrong.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from domain.clock import parse_when
from domain.errors import DomainError, InvalidEntry, MissingField, NotInVocabulary
from domain.identities import IDENTITY_PATTERN, identity_problem, shown
from domain.text import normalise_newlines, text_problem

ENTRY_KINDS = (
    "concern",
    "share",
    "followup",
    "request",
    "response",
    "decline",
    "consent",
    "voice",
    "action",
    "transfer",
    "correction",
    "acknowledgement",
)
# An answer to a request and a written follow-up disclose information as a share does (DOMAIN.md,
# rule 7): each records what was shared, with whom, when, why and on what lawful basis.
DISCLOSURE_KINDS = ("share", "followup", "response")
# What a disclosure states about the decision to share (a follow-up's empty ones are its share's).
DISCLOSURE_DECISION_FIELDS = ("lawful_basis", "consent", "family_informed")
# What a recipient acknowledges: a disclosure addressed to it ("was it received, read and acted
# on?"); the acknowledgement goes back to the sender only.
ACKNOWLEDGED_KINDS = DISCLOSURE_KINDS
LIST_SEPARATOR = ";"
DEFAULT_SIGNIFICANCE = "medium"


@dataclass(frozen=True, slots=True)
class EntryDraft:
    """Every field any kind of entry can carry; fields a kind does not use stay empty.

    Slotted: an import holds thousands at once, and each is one object to the garbage collector.
    """

    kind: str
    agency: str
    entry_ref: str
    child_refs: tuple[str, ...]
    occurred_at: str
    recorded_at: str = ""
    agency_recorded_at: str = ""
    practitioner: str = ""
    summary: str = ""
    concerns: tuple[str, ...] = ()
    significance: str = DEFAULT_SIGNIFICANCE
    to_agencies: tuple[str, ...] = ()
    channel: str = ""
    reason: str = ""
    lawful_basis: str = ""
    consent: str = ""
    family_informed: str = ""
    child_words: str = ""
    captured_how: str = ""
    refers_to: str = ""
    due_by: str = ""
    transfer: str = ""
    outcome: str = ""
    recorded_by: str = ""
    imported_for_review: str = ""

    @property
    def entry_id(self) -> str:
        return entry_id(self.agency, self.entry_ref)

    def as_fields(self) -> dict[str, Any]:
        """Plain values (lists, not tuples) as they are stored in an event."""
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name in DRAFT_FIELDS
            for value in (getattr(self, name),)
        }


DRAFT_FIELDS = tuple(f.name for f in fields(EntryDraft))
LIST_FIELDS = ("child_refs", "concerns", "to_agencies")
# The same names as sets: asked of every field of every entry submitted.
_DRAFT_FIELD_SET = frozenset(DRAFT_FIELDS)
_LIST_FIELD_SET = frozenset(LIST_FIELDS)
DATE_FIELDS = ("occurred_at", "agency_recorded_at", "due_by")
IDENTITY_FIELDS = ("agency", "entry_ref")
# Stamped by FullPicture when the entry reaches the store (TRUST.md, "Time that can be trusted").
SYSTEM_STAMPED = "recorded_at"
# Who recorded the entry, and for which review a case reviewer imported it: set by FullPicture
# from the signed-in (or `--as`) person, never typed (TRUST.md, "Who wrote it").
AUTHORSHIP_FIELDS = ("recorded_by", "imported_for_review")
# What nobody may give in an entry, as the CLI leaves it out of its flags.
STAMPED_FIELDS = (SYSTEM_STAMPED, *AUTHORSHIP_FIELDS)


@dataclass(frozen=True)
class Authorship:
    """Who recorded a batch of entries, decided by the query layer from the person acting.

    `recorded_by` is the person's user name ("" only for events stored before authors were
    recorded: unknown). `imported_for_review` names the review a case reviewer imported the
    entries for: the review's material, never sent on agency feeds as the agency's own.
    """

    recorded_by: str
    imported_for_review: str = ""


UNKNOWN_AUTHOR = Authorship("")
# The spreadsheet and JSON spell the children column in the singular, like a practitioner would.
FIELD_ALIASES = {"child_ref": "child_refs", "child": "child_refs"}
# How errors name a field: as the practitioner spells it.
SHOWN_NAMES = {"child_refs": "child_ref"}


def entry_id(agency: str, entry_ref: str) -> str:
    """The partnership-wide id of an entry: `<agency>:<entry_ref>`."""
    return f"{agency}:{entry_ref}"


def parse_draft(
    data: Mapping[str, Any],
    recorded_now: str,
    lists_as_text: bool = True,
    author: Authorship = UNKNOWN_AUTHOR,
) -> EntryDraft:
    """Build a draft from raw field values, or raise `InvalidEntry` naming every bad field.

    Only shape is checked here (known fields of the right type, identities, text, ISO dates); the
    safeguarding rules are checked by `domain.rules`, which needs to know what is recorded.
    `recorded_now` is the system time the entry is stamped with; nobody may give it. With
    `lists_as_text`, a text value of a list field is `;`-separated (spreadsheets, forms); without
    it (JSON, command-line flags) a list is a list and a text value is one item. `author` is
    who records it, as the query layer decided; nobody may give it either.
    """
    values: dict[str, Any] = {}
    problems: list[DomainError] = []
    for raw_name, raw_value in data.items():
        name = FIELD_ALIASES.get(raw_name, raw_name)
        if name in values:
            problems.append(DomainError(SHOWN_NAMES.get(name, name), "is given twice"))
        elif name == SYSTEM_STAMPED:
            problems.append(
                DomainError(
                    raw_name,
                    "is stamped by FullPicture when the entry is stored and cannot be given; "
                    "give agency_recorded_at for when your agency recorded it",
                )
            )
        elif name in AUTHORSHIP_FIELDS:
            problems.append(
                DomainError(
                    raw_name,
                    "is set by FullPicture from the person recording the entry and cannot be "
                    "given; give practitioner for who to contact",
                )
            )
        elif name not in _DRAFT_FIELD_SET:
            named = raw_name if IDENTITY_PATTERN.fullmatch(raw_name) else shown(raw_name)
            problems.append(DomainError(named, "is not a field of an entry"))
        elif name in _LIST_FIELD_SET:
            items = _list_items(name, raw_value, lists_as_text, problems)
            values[name] = items
        elif raw_value is None:
            values[name] = ""
        elif not isinstance(raw_value, str):
            problems.append(DomainError(name, f"expected text, got {_json_type(raw_value)}"))
        else:
            values[name] = normalise_newlines(raw_value).strip()
            problem = text_problem(name, values[name])
            if problem is not None:
                problems.append(problem)
                values[name] = ""
    kind = values.get("kind", "")
    if not kind:
        problems.append(MissingField("kind"))
    elif kind not in ENTRY_KINDS:
        problems.append(NotInVocabulary("kind", kind, ENTRY_KINDS))
    for name in IDENTITY_FIELDS:
        if not values.get(name):
            problems.append(MissingField(name))
        elif (problem := identity_problem(name, values[name])) is not None:
            problems.append(problem)
    if not values.get("child_refs"):
        problems.append(MissingField("child_ref", "is required: which child (or children)"))
    if values.get("refers_to"):
        problems.extend(_refers_to_problems(values["refers_to"]))
    values.setdefault("occurred_at", "")
    values[SYSTEM_STAMPED] = recorded_now
    values["recorded_by"] = author.recorded_by
    values["imported_for_review"] = author.imported_for_review
    for name in DATE_FIELDS:
        if values.get(name):
            try:
                values[name] = parse_when(name, values[name])
            except DomainError as problem:
                problems.append(problem)
        elif name == "occurred_at":
            problems.append(MissingField("occurred_at", "is required (ISO 8601, e.g. 2024-05-03)"))
    if not values.get("significance"):
        values["significance"] = DEFAULT_SIGNIFICANCE
    if problems:
        raise InvalidEntry(problems)
    return EntryDraft(**values)


def _list_items(
    name: str, raw: Any, lists_as_text: bool, problems: list[DomainError]
) -> tuple[str, ...]:
    """A list field's items, trimmed, without blanks or repeats (order kept), each checked."""
    field = SHOWN_NAMES.get(name, name)
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = raw.split(LIST_SEPARATOR) if lists_as_text else [raw]
    if not isinstance(raw, (list, tuple)) or not all(isinstance(item, str) for item in raw):
        problems.append(DomainError(field, f"expected a list of text, got {_json_type(raw)}"))
        return ()
    items = split_list(raw)
    for item in items:
        problem = identity_problem(field, item) if name != "concerns" else text_problem(field, item)
        if problem is not None:
            problems.append(problem)
    return items


def _refers_to_problems(refers_to: str) -> list[DomainError]:
    agency, separator, entry_ref = refers_to.partition(":")
    if not separator or identity_problem("refers_to", agency) or identity_problem("", entry_ref):
        return [
            DomainError(
                "refers_to", f"{shown(refers_to)} is not an entry id (<agency>:<entry_ref>)"
            )
        ]
    return []


def _json_type(value: Any) -> str:
    """How a JSON reader names a value's type."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list with non-text items"
    return type(value).__name__


def split_list(raw: Any) -> tuple[str, ...]:
    """A `;`-separated string or a list, trimmed, without blanks or repeats, order kept."""
    items: Iterable[Any]
    if raw is None:
        items = ()
    elif isinstance(raw, str):
        items = raw.split(LIST_SEPARATOR)
    else:
        items = raw
    seen: dict[str, None] = {}
    for item in items:
        text = str(item).strip()
        if text:
            seen.setdefault(text, None)
    return tuple(seen)


def acknowledgement_of(
    refers_to: str, child_refs: Iterable[str], outcome: str, summary: str, occurred_at: str
) -> dict[str, Any]:
    """The row that acknowledges one received entry in one click (the dashboard's "My work"):
    its reference is derived from what it acknowledges, so a second click records nothing new
    and the recording agency is filled in by the query layer."""
    digest = hashlib.sha256(refers_to.encode()).hexdigest()[:12].upper()
    return {
        "kind": "acknowledgement",
        "entry_ref": f"ACK-{digest}",
        "child_refs": list(child_refs),
        "refers_to": refers_to,
        "outcome": outcome,
        "summary": summary,
        "occurred_at": occurred_at,
    }
