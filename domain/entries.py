"""Chronology entries as eventsourcing aggregates: one aggregate per entry.

Each entry is its own aggregate (id derived from `<agency>:<entry_ref>`), so agencies writing about
the same child never contend, and re-recording the same entry is recognisably the same entry.
Events are immutable; a correction is a new entry that points at the one it corrects.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from domain.drafts import LIST_FIELDS, EntryDraft

ID_NAMESPACE = uuid5(NAMESPACE_URL, "https://fullpicture.invalid/ids")


def _empty(state: dict[str, Any], *names: str) -> None:
    """Fields a newer version added read as empty from events stored before it."""
    for name in names:
        state[name] = ""


def _unknown_author(state: dict[str, Any]) -> None:
    """Events stored before authors were recorded: who recorded them is unknown (empty), and
    none was imported for a review."""
    _empty(state, "recorded_by", "imported_for_review")


def entry_uuid(entry_id: str) -> UUID:
    return uuid5(ID_NAMESPACE, f"entry:{entry_id}")


class Entry(Aggregate):
    """One significant event in a child's life as one agency recorded it."""

    def __init__(self) -> None:
        self.kind = ""
        self.fields: dict[str, Any] = {}


class EntryRecorded(Aggregate.Created):
    """Fields every entry carries; subclasses add their kind's own fields.

    `recorded_at` is system time, stamped when the entry reached the store; `agency_recorded_at`
    is when the agency says it recorded it in its own system (may be empty). `recorded_by` is
    the person who recorded it, set by the system (empty: stored before authors were recorded);
    `imported_for_review` the review a case reviewer imported it for (empty for an agency's own
    entry). Version 1 had no `agency_recorded_at`; version 2 no `recorded_by` nor
    `imported_for_review` (kinds with their own version 3 gained them in version 4).
    """

    agency: str
    entry_ref: str
    child_refs: list[str]
    practitioner: str
    occurred_at: str
    recorded_at: str
    agency_recorded_at: str
    summary: str
    concerns: list[str]
    significance: str
    recorded_by: str
    imported_for_review: str

    kind = ""
    class_version = 3

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["agency_recorded_at"] = ""

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        _unknown_author(state)

    def apply(self, aggregate: Any) -> None:
        aggregate.kind = self.kind
        aggregate.fields = {name: getattr(self, name) for name in event_fields(type(self))}


class ConcernRecorded(EntryRecorded):
    """An agency's own observation or incident."""

    kind = "concern"


class InformationShared(EntryRecorded):
    """Information passed to other agencies, with the decision behind it (rules 2, 3, 6, 7)."""

    to_agencies: list[str]
    channel: str
    reason: str
    lawful_basis: str
    consent: str
    family_informed: str

    kind = "share"


class WrittenFollowUpRecorded(EntryRecorded):
    """The written follow-up of a verbal share: the share confirmed in writing, so it may state
    the lawful basis, consent and whether the family was told (empty: as the share, shown as
    inherited). Version 2 had no lawful basis, consent or family-informed status."""

    refers_to: str
    to_agencies: list[str]
    channel: str
    lawful_basis: str
    consent: str
    family_informed: str

    kind = "followup"
    class_version = 4

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        _empty(state, "lawful_basis", "consent", "family_informed")

    @staticmethod
    def upcast_v3_v4(state: dict[str, Any]) -> None:
        _unknown_author(state)


class InformationRequested(EntryRecorded):
    """A request to another agency, saying why (the context of the concern), by when and how it
    was made. Version 2 had no channel."""

    to_agencies: list[str]
    reason: str
    due_by: str
    channel: str

    kind = "request"
    class_version = 4

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        _empty(state, "channel")

    @staticmethod
    def upcast_v3_v4(state: dict[str, Any]) -> None:
        _unknown_author(state)


class RequestAnswered(EntryRecorded):
    """An answer to a request, addressed to the agency that asked. An answer is a disclosure, so
    it carries what a share carries; one recorded without a lawful basis is kept (a review
    imports what agencies wrote, gaps included) and shown as not recorded. Version 2 had no
    channel, lawful basis, consent or family-informed status."""

    refers_to: str
    to_agencies: list[str]
    channel: str
    lawful_basis: str
    consent: str
    family_informed: str

    kind = "response"
    class_version = 4

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        _empty(state, "channel", "lawful_basis", "consent", "family_informed")

    @staticmethod
    def upcast_v3_v4(state: dict[str, Any]) -> None:
        _unknown_author(state)


class RequestDeclined(EntryRecorded):
    """A decision not to share, with the reason (rule 7) and how it was given. Version 2 had no
    channel."""

    refers_to: str
    to_agencies: list[str]
    reason: str
    channel: str

    kind = "decline"
    class_version = 4

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        _empty(state, "channel")

    @staticmethod
    def upcast_v3_v4(state: dict[str, Any]) -> None:
        _unknown_author(state)


class ConsentDecisionRecorded(EntryRecorded):
    """A consent or lawful-basis decision: what was decided, by whom (practitioner), why."""

    reason: str
    lawful_basis: str
    consent: str

    kind = "consent"


class ChildVoiceRecorded(EntryRecorded):
    """The child's wishes, feelings or words, and how they were captured.

    Version 1 called the words `words` and did not say how they were captured; version 2 had no
    `agency_recorded_at`.
    """

    child_words: str
    captured_how: str

    kind = "voice"
    class_version = 4

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["child_words"] = state.pop("words", "")
        state["captured_how"] = "other"

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state["agency_recorded_at"] = ""

    @staticmethod
    def upcast_v3_v4(state: dict[str, Any]) -> None:
        _unknown_author(state)


class ActionRecorded(EntryRecorded):
    """An intention or action: what the agency will do or did."""

    kind = "action"


class TransferPointRecorded(EntryRecorded):
    """An assessment, closure, team transfer or step-down: a point to ask the wider partnership,
    with the reason (why the case closed or moved). Version 2 had no reason."""

    transfer: str
    reason: str

    kind = "transfer"
    class_version = 4

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        _empty(state, "reason")

    @staticmethod
    def upcast_v3_v4(state: dict[str, Any]) -> None:
        _unknown_author(state)


class EntryCorrected(EntryRecorded):
    """A correction of an earlier entry; its fields are the corrected account.

    It reaches every agency that knew the corrected entry (`to_agencies`, worked out by the rules,
    never chosen). Version 1 had no `to_agencies` (nor `agency_recorded_at`).
    """

    refers_to: str
    to_agencies: list[str]

    kind = "correction"

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["agency_recorded_at"] = ""
        state["to_agencies"] = []


class AcknowledgementRecorded(EntryRecorded):
    """A recipient's acknowledgement of a share, written follow-up or answer it received: what it
    did with it (`outcome`) and a summary. It goes back to the sender only (`to_agencies`, worked
    out by the rules, never chosen)."""

    refers_to: str
    to_agencies: list[str]
    outcome: str

    kind = "acknowledgement"


ENTRY_EVENTS: dict[str, type[EntryRecorded]] = {
    cls.kind: cls
    for cls in (
        ConcernRecorded,
        InformationShared,
        WrittenFollowUpRecorded,
        InformationRequested,
        RequestAnswered,
        RequestDeclined,
        ConsentDecisionRecorded,
        ChildVoiceRecorded,
        ActionRecorded,
        TransferPointRecorded,
        EntryCorrected,
        AcknowledgementRecorded,
    )
}

_EVENTSOURCING_FIELDS = frozenset(
    ("originator_id", "originator_version", "timestamp", "originator_topic")
)


@cache
def event_fields(event_class: type[Any]) -> tuple[str, ...]:
    """The domain fields of an event class, in declaration order (asked several times for every
    event recorded or read, so worked out once per class)."""
    names = getattr(event_class, "__dataclass_fields__", {})
    return tuple(name for name in names if name not in _EVENTSOURCING_FIELDS)


_ENTRY_TOPIC = get_topic(Entry)


def entry_recorded(draft: EntryDraft) -> EntryRecorded:
    """The event that records a checked draft, keeping only its kind's fields.

    An entry is never changed after it is recorded, so this one event is the whole of its
    aggregate; it is made directly, as `Entry._create` would make it, without building an
    aggregate object that nothing reads.
    """
    event_class = ENTRY_EVENTS[draft.kind]
    values = {name: getattr(draft, name) for name in event_fields(event_class)}
    for name in LIST_FIELDS:
        if name in values:
            values[name] = list(values[name])
    return event_class(
        originator_topic=_ENTRY_TOPIC,
        originator_id=entry_uuid(draft.entry_id),
        originator_version=Entry.INITIAL_VERSION,
        timestamp=event_class.create_timestamp(),
        **values,
    )


def entry_draft(event: EntryRecorded) -> EntryDraft:
    """The draft an entry's event records: its kind's fields, the others left empty."""
    values: dict[str, Any] = {name: getattr(event, name) for name in event_fields(type(event))}
    values["kind"] = event.kind
    for name in LIST_FIELDS:
        values[name] = tuple(values.get(name) or ())
    return EntryDraft(**values)
