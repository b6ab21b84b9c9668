"""An entry as a practitioner submits it, before it becomes an event: parsing and normalising.

Every entry point (CLI flags, a JSON file, a spreadsheet row, a dashboard form) produces the same
mapping of field names to raw values; `parse_draft` turns it into an `EntryDraft` or says, field by
field, what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from domain.clock import parse_when
from domain.errors import DomainError, InvalidEntry, MissingField, NotInVocabulary

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
)
LIST_SEPARATOR = ";"
DEFAULT_SIGNIFICANCE = "medium"


@dataclass(frozen=True)
class EntryDraft:
    """Every field any kind of entry can carry; fields a kind does not use stay empty."""

    kind: str
    agency: str
    entry_ref: str
    child_refs: tuple[str, ...]
    occurred_at: str
    recorded_at: str = ""
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
DATE_FIELDS = ("occurred_at", "recorded_at", "due_by")
# The spreadsheet and JSON spell the children column in the singular, like a practitioner would.
FIELD_ALIASES = {"child_ref": "child_refs", "child": "child_refs"}


def entry_id(agency: str, entry_ref: str) -> str:
    """The partnership-wide id of an entry: `<agency>:<entry_ref>`."""
    return f"{agency}:{entry_ref}"


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


def parse_draft(data: Mapping[str, Any], recorded_now: str) -> EntryDraft:
    """Build a draft from raw field values, or raise `InvalidEntry` naming every bad field.

    Only shape is checked here (required identity, known kind, ISO dates); the safeguarding rules
    are checked by `domain.rules`, which needs to know what is already recorded.
    """
    values: dict[str, Any] = {}
    problems: list[DomainError] = []
    for raw_name, raw_value in data.items():
        name = FIELD_ALIASES.get(raw_name, raw_name)
        if name not in DRAFT_FIELDS:
            problems.append(DomainError(raw_name, "is not a field of an entry"))
            continue
        if name in LIST_FIELDS:
            values[name] = split_list(raw_value)
        else:
            values[name] = "" if raw_value is None else str(raw_value).strip()
    kind = values.get("kind", "")
    if not kind:
        problems.append(MissingField("kind"))
    elif kind not in ENTRY_KINDS:
        problems.append(NotInVocabulary("kind", kind, ENTRY_KINDS))
    for required in ("agency", "entry_ref"):
        if not values.get(required):
            problems.append(MissingField(required))
    if ":" in values.get("agency", ""):
        problems.append(DomainError("agency", "an agency code cannot contain ':'"))
    if not values.get("child_refs"):
        problems.append(MissingField("child_ref", "is required: which child (or children)"))
    values.setdefault("occurred_at", "")
    if not values.get("recorded_at"):
        values["recorded_at"] = recorded_now
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
