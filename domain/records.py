"""Event records: the one plain-dict shape every consumer of events sees.

The relay encodes records to Avro, the projections apply records, the feeds route records. A record
is the event's domain fields plus `event_id`, `event_type`, `kind` and (for entries) `entry_id`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from uuid import uuid5

from eventsourcing.persistence import Mapper, Notification

from domain.agencies import AgencyRegistered
from domain.alert_reviews import AlertReviewed
from domain.children import ChildRegistered
from domain.drafts import entry_id
from domain.entries import EntryRecorded, event_fields
from domain.erasures import ChildErased
from domain.households import AdultRegistered, HouseholdJoined, HouseholdLeft
from domain.identifiers import ChildAliasRecorded, NhsNumberRecorded
from domain.sealing import ERASED_CHILD, content_erased, to_domain_events
from domain.tasks import TASK_EVENTS

EventRecord = dict[str, Any]


def event_record(event: Any) -> EventRecord:
    """The record of one stored domain event; `event_id` is stable for the same stored event."""
    record: EventRecord = {
        "event_id": str(uuid5(event.originator_id, str(event.originator_version))),
        "event_type": type(event).__name__,
        "kind": event.kind,
    }
    for name in event_fields(type(event)):
        value = getattr(event, name)
        record[name] = list(value) if isinstance(value, (list, tuple)) else value
    if isinstance(event, EntryRecorded):
        record["entry_id"] = entry_id(event.agency, event.entry_ref)
    elif isinstance(event, AgencyRegistered):
        # Shaped like every other event: the agency is its own source, and concerns no child.
        record |= {
            "agency": event.code,
            "entry_ref": event.code,
            "child_refs": [],
            "occurred_at": event.recorded_at,
        }
    elif isinstance(event, (AlertReviewed, *TASK_EVENTS)):
        # About one child; recorded by (or given to) a person, not an agency, so it reaches no
        # agency's feed.
        record |= {
            "agency": "",
            "entry_ref": event.alert_id if isinstance(event, AlertReviewed) else event.task_id,
            "child_refs": [event.child_ref],
            "occurred_at": event.recorded_at,
        }
    elif isinstance(event, ChildErased):
        # The ledger: about one child, recorded by nobody's agency, so it reaches no feed.
        record |= {
            "agency": "",
            "entry_ref": event.decision_id,
            "child_refs": [event.child_ref],
            "occurred_at": event.erased_at,
            "recorded_at": event.erased_at,
        }
    elif isinstance(event, ChildRegistered):
        # Birth is where a chronology starts; the child is its own subject.
        record |= {
            "entry_ref": event.child_ref,
            "child_refs": [event.child_ref],
            "occurred_at": event.date_of_birth,
        }
    elif isinstance(event, NhsNumberRecorded):
        # About the person whose number it is (an adult's concerns no child); never a key.
        record |= {
            "entry_ref": event.child_ref or event.adult_ref,
            "child_refs": [event.child_ref] if event.child_ref else [],
            "occurred_at": event.recorded_at,
        }
    elif isinstance(event, ChildAliasRecorded):
        record |= {
            "entry_ref": event.child_ref,
            "child_refs": [event.child_ref],
            "occurred_at": event.recorded_at,
        }
    elif isinstance(event, AdultRegistered):
        record |= {"entry_ref": event.adult_ref, "child_refs": [], "occurred_at": event.recorded_at}
    elif isinstance(event, (HouseholdJoined, HouseholdLeft)):
        record |= {
            "entry_ref": event.adult_ref,
            "child_refs": [event.child_ref],
            "occurred_at": getattr(event, "from_date", "") or getattr(event, "on_date", ""),
        }
    return record


def records_from_notifications(
    mapper: Mapper[Any], notifications: Iterable[Notification]
) -> Iterator[tuple[int, EventRecord]]:
    """(notification id, record) for each stored event, in store order; an event whose
    content was erased (no child's key remains) is left out."""
    stored = list(notifications)
    for notification, event in zip(stored, to_domain_events(mapper, stored), strict=True):
        if not content_erased(event):
            yield notification.id, event_record(event)


def addressed_agencies(record: EventRecord) -> list[str]:
    """Agencies an event is addressed to (never including its own agency)."""
    own = record.get("agency")
    return [code for code in record.get("to_agencies") or () if code != own]


def agency_knows(agency: str, recorder: str, recipients: Iterable[str]) -> bool:
    """Need-to-know, the one rule: an agency knows what it recorded and what was addressed to it.
    (`projections.chronology.KNOWN_BY_SQL` is its twin in SQL, for many children at once.)"""
    return recorder == agency or agency in recipients


def agencies_allowed_to_see(record: EventRecord) -> list[str]:
    """Need-to-know: the recording agency, and the agencies the event was addressed to.

    Shares and follow-ups go to their recipients, requests to the agencies asked, answers and
    declines to the agency that asked. Nobody else sees an event through a feed. An entry a case
    reviewer imported for a review is the review's material, not the agency's share: it reaches
    no agency's feed (TRUST.md, "Who wrote it").
    """
    if record.get("imported_for_review"):
        return []
    own = record.get("agency")
    return ([own] if own else []) + addressed_agencies(record)


FOR_CHILD = "for_child"


def projected_children(record: EventRecord) -> list[str]:
    """The children a projection should apply this record to.

    On Kafka an entry about siblings arrives once per child (the message key), marked with
    `for_child`; from the store it arrives once, for all its children.
    """
    child = record.get(FOR_CHILD)
    if child:
        return [child]
    return [c for c in record.get("child_refs") or () if c != ERASED_CHILD]
