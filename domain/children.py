"""Children known to the partnership: a pseudonymous reference and, when known, a date of birth.

The date of birth lets a chronology show the child's age at each entry and start from birth.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.entries import ID_NAMESPACE


def child_uuid(child_ref: str) -> UUID:
    return uuid5(ID_NAMESPACE, f"child:{child_ref}")


class Child(Aggregate):
    def __init__(self) -> None:
        self.child_ref = ""
        self.date_of_birth = ""
        self.agency = ""


class ChildRegistered(Aggregate.Created):
    child_ref: str
    date_of_birth: str
    agency: str
    recorded_at: str

    kind = "child"

    def apply(self, aggregate: Any) -> None:
        aggregate.child_ref = self.child_ref
        aggregate.date_of_birth = self.date_of_birth
        aggregate.agency = self.agency


def new_child(child_ref: str, date_of_birth: str, agency: str, recorded_at: str) -> Child:
    return Child._create(
        ChildRegistered,
        id=child_uuid(child_ref),
        child_ref=child_ref,
        date_of_birth=date_of_birth,
        agency=agency,
        recorded_at=recorded_at,
    )
