"""The adults around a child, and who lives with or cares for the child over time, as events.

Case reviews keep finding that the risk came from an adult nobody had linked to the child. An adult
has a pseudonymous reference like a child's; a household change says that an adult joined (from a
day) or left (on a day) a child's household, in world time, so a replay answers "who was in the
household then". Each change's aggregate id is derived from what it says, so recording the same
change twice is the same change.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.entries import ID_NAMESPACE

RELATIONSHIPS = (
    "mother",
    "father",
    "partner_of_parent",
    "other_carer",
    "sibling_adult",
    "other",
)
JOINED, LEFT = "joined", "left"


def adult_uuid(adult_ref: str) -> UUID:
    return uuid5(ID_NAMESPACE, f"adult:{adult_ref}")


def household_change_uuid(child_ref: str, adult_ref: str, change: str, day: str) -> UUID:
    return uuid5(ID_NAMESPACE, f"household:{child_ref}:{adult_ref}:{change}:{day}")


class Adult(Aggregate):
    """An adult known to the partnership: a parent, a carer, a parent's partner."""

    def __init__(self) -> None:
        self.adult_ref = ""


class AdultRegistered(Aggregate.Created):
    adult_ref: str
    agency: str
    recorded_at: str

    kind = "adult"

    def apply(self, aggregate: Any) -> None:
        aggregate.adult_ref = self.adult_ref


class HouseholdChange(Aggregate):
    """One adult joining or leaving one child's household."""


class HouseholdJoined(Aggregate.Created):
    """An adult lives with or cares for the child from `from_date` (world time)."""

    child_ref: str
    adult_ref: str
    relationship: str
    from_date: str
    agency: str
    recorded_at: str

    kind = "household_joined"

    def apply(self, aggregate: Any) -> None:
        return None


class HouseholdLeft(Aggregate.Created):
    """An adult no longer lives with or cares for the child from `on_date` (world time)."""

    child_ref: str
    adult_ref: str
    on_date: str
    agency: str
    recorded_at: str

    kind = "household_left"

    def apply(self, aggregate: Any) -> None:
        return None


def new_adult(adult_ref: str, agency: str, recorded_at: str) -> Adult:
    return Adult._create(
        AdultRegistered,
        id=adult_uuid(adult_ref),
        adult_ref=adult_ref,
        agency=agency,
        recorded_at=recorded_at,
    )


def new_joining(
    child_ref: str, adult_ref: str, relationship: str, from_date: str, agency: str, at: str
) -> HouseholdChange:
    return HouseholdChange._create(
        HouseholdJoined,
        id=household_change_uuid(child_ref, adult_ref, JOINED, from_date),
        child_ref=child_ref,
        adult_ref=adult_ref,
        relationship=relationship,
        from_date=from_date,
        agency=agency,
        recorded_at=at,
    )


def new_leaving(
    child_ref: str, adult_ref: str, on_date: str, agency: str, at: str
) -> HouseholdChange:
    return HouseholdChange._create(
        HouseholdLeft,
        id=household_change_uuid(child_ref, adult_ref, LEFT, on_date),
        child_ref=child_ref,
        adult_ref=adult_ref,
        on_date=on_date,
        agency=agency,
        recorded_at=at,
    )
