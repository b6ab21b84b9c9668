"""The erasure ledger: that a child's record (or one agency's part of it) was erased, and under
which decision. It holds no personal data, only the pseudonymous child reference, agency codes,
the decision's id and who decided and approved it, so it stays readable after the child's keys
are gone, and `fullpicture retention reapply` can erase again what a restored backup brought back.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.entries import ID_NAMESPACE


def erasure_uuid(decision_id: str, child_ref: str, agency: str) -> UUID:
    """One erasure per decision, child and agency part: recording it twice is recognised."""
    return uuid5(ID_NAMESPACE, f"erasure:{decision_id}:{child_ref}:{agency}")


class Erasure(Aggregate):
    def __init__(self) -> None:
        self.child_ref = ""


class ChildErased(Aggregate.Created):
    """`erased_agency` is empty when the whole of the child's record was erased;
    `feeds_told` the agencies whose feeds were sent a `RecordsErased` notice."""

    child_ref: str
    erased_agency: str
    decision_id: str
    decided_by: str
    approved_by: str
    erased_at: str
    feeds_told: list[str]

    kind = "erasure"

    def apply(self, aggregate: Any) -> None:
        aggregate.child_ref = self.child_ref


def new_erasure(
    child_ref: str,
    erased_agency: str,
    decision_id: str,
    decided_by: str,
    approved_by: str,
    erased_at: str,
    feeds_told: list[str],
) -> Erasure:
    return Erasure._create(
        ChildErased,
        id=erasure_uuid(decision_id, child_ref, erased_agency),
        child_ref=child_ref,
        erased_agency=erased_agency,
        decision_id=decision_id,
        decided_by=decided_by,
        approved_by=approved_by,
        erased_at=erased_at,
        feeds_told=list(feeds_told),
    )
