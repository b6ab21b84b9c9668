"""Which fields of an event are structure, and therefore which are a child's personal content.

Crypto-shredding (RETENTION.md) seals a child's personal content under that child's data key. The
rule is written the safe way round: EVERY field of an event about a child is personal and sealed,
except the structural fields declared here (ids, references, agency codes, the dates of the event,
vocabulary values). A field added to an event later is sealed by default; only a field added here
stays readable after the child is erased. Names of people who recorded something (`recorded_by`,
`reviewed_by`) and every free text are therefore sealed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

STRUCTURAL_FIELDS = frozenset(
    (
        # ids and references (pseudonymous child references included: they pick the key)
        "event_id",
        "event_type",
        "kind",
        "entry_id",
        "entry_ref",
        "child_ref",
        "child_refs",
        "refers_to",
        "alert_id",
        "evidence",
        "imported_for_review",
        "decision_id",
        # agency codes
        "agency",
        "to_agencies",
        "erased_agency",
        "feeds_told",
        "entry_ids",
        # the dates of the event (a date of birth is personal: not here)
        "occurred_at",
        "recorded_at",
        "agency_recorded_at",
        "due_by",
        "erased_at",
        # vocabulary values (enums in the Avro contract)
        "concerns",
        "significance",
        "channel",
        "lawful_basis",
        "consent",
        "family_informed",
        "captured_how",
        "transfer",
        "pattern",
        "outcome",
        # who decided and approved an erasure (the ledger must stay readable without the key)
        "decided_by",
        "approved_by",
        # eventsourcing's own
        "timestamp",
        "originator_topic",
        "class_version",
    )
)


def subject_children(state: Mapping[str, Any]) -> list[str]:
    """The children an event is about: its `child_refs`, or its one `child_ref`."""
    refs = state.get("child_refs")
    if refs:
        return list(refs)
    ref = state.get("child_ref")
    return [ref] if ref else []


def personal_part(state: Mapping[str, Any]) -> dict[str, Any]:
    """Every field of `state` that is not structural."""
    return {name: value for name, value in state.items() if name not in STRUCTURAL_FIELDS}


def emptied(value: Any) -> Any:
    """What a sealed field reads as where its content cannot be shown: empty, of its type."""
    if isinstance(value, list | tuple):
        return []
    if value is None:
        return None
    return ""
