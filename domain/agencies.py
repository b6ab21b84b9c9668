"""Agencies of the partnership: an entry may only come from, or go to, a registered agency."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.entries import ID_NAMESPACE


def agency_uuid(code: str) -> UUID:
    return uuid5(ID_NAMESPACE, f"agency:{code}")


class Agency(Aggregate):
    """A member agency: police force, school, health provider, children's social care…"""

    def __init__(self) -> None:
        self.code = ""
        self.name = ""
        self.agency_type = ""
        self.contact = ""


class AgencyRegistered(Aggregate.Created):
    code: str
    name: str
    agency_type: str
    contact: str
    recorded_at: str

    kind = "agency"

    def apply(self, aggregate: Any) -> None:
        aggregate.code = self.code
        aggregate.name = self.name
        aggregate.agency_type = self.agency_type
        aggregate.contact = self.contact


def new_agency(code: str, name: str, agency_type: str, contact: str, recorded_at: str) -> Agency:
    return Agency._create(
        AgencyRegistered,
        id=agency_uuid(code),
        code=code,
        name=name,
        agency_type=agency_type,
        contact=contact,
        recorded_at=recorded_at,
    )
