"""The consistent identifier (the NHS number) and agencies' own ids for a child, as events.

Agencies name the same child differently: a school by its pupil number, health by the NHS
number, social care by its case-system id. A child may carry one NHS number (one number is one
person: its aggregate's id is derived from the number, so two people can never both hold it) and
any number of agency-local ids. An import may then name a child by either; `resolve_children`
turns them into the child's reference before any rule sees the row. Identifiers are personal data:
they never become Kafka keys, log lines or entry fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.entries import ID_NAMESPACE
from domain.errors import DomainError
from domain.identities import identity_problem

NHS_NUMBER_DIGITS = 10
# Weights of the first nine digits in the modulus-11 check (NHS Data Dictionary).
_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
CHILD, ADULT = "child", "adult"
# The fields a row may name a child by instead of `child_ref` (spreadsheet columns, JSON fields).
NAMING_FIELDS = ("nhs_number", "local_id")


class InvalidNhsNumber(DomainError):
    """Not ten digits, or a check digit that does not match (the number was mistyped)."""


class UnknownChildIdentifier(DomainError):
    """No child carries this NHS number or agency-local id."""


class AmbiguousChildIdentifier(DomainError):
    """An id names more than one child, or a row's ids name different children."""


class NhsNumberHeld(DomainError):
    """The number belongs to another person, or the person already carries another number.
    Never says whom: an answer naming the holder would tell anyone who types a number whose it
    is."""


def check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit of nine digits; None where it would be 10 (never issued)."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, _WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def nhs_number(field: str, raw: str) -> str:
    """The ten digits of an NHS number as given (spaces allowed: `999 000 0018`), or
    `InvalidNhsNumber` naming the field (never the number: an error may end up in a log)."""
    digits = "".join(str(raw).split())
    if not (digits.isascii() and digits.isdigit()) or len(digits) != NHS_NUMBER_DIGITS:
        raise InvalidNhsNumber(
            field, f"is not an NHS number: {NHS_NUMBER_DIGITS} digits (spaces allowed)"
        )
    expected = check_digit(digits[:9])
    if expected is None:
        raise InvalidNhsNumber(
            field, "is not an NHS number: its check digit would be 10, never issued"
        )
    if int(digits[9]) != expected:
        raise InvalidNhsNumber(
            field, "is not an NHS number: the check digit does not match (mistyped?)"
        )
    return digits


def nhs_number_uuid(number: str) -> UUID:
    return uuid5(ID_NAMESPACE, f"nhs-number:{number}")


def alias_uuid(child_ref: str, agency: str, local_id: str) -> UUID:
    return uuid5(ID_NAMESPACE, f"alias:{agency}:{local_id}:{child_ref}")


class NhsNumber(Aggregate):
    """One NHS number and the one person (child or adult) who carries it."""


class NhsNumberRecorded(Aggregate.Created):
    """An agency recorded a child's NHS number (`child_ref`) or an adult's (`adult_ref`; the
    other is empty). A child's is about the child, so it is that child's personal content,
    sealed with the rest of it."""

    nhs_number: str
    child_ref: str
    adult_ref: str
    agency: str
    recorded_at: str

    kind = "nhs_number"

    def apply(self, aggregate: Any) -> None:
        return None

    @property
    def person(self) -> tuple[str, str]:
        """(`child` or `adult`, the reference)."""
        return (CHILD, self.child_ref) if self.child_ref else (ADULT, self.adult_ref)


class ChildAlias(Aggregate):
    """One agency's own id for one child."""


class ChildAliasRecorded(Aggregate.Created):
    """An agency's own id for a child (a pupil number, a case-system id)."""

    child_ref: str
    agency: str
    local_id: str
    recorded_at: str

    kind = "alias"

    def apply(self, aggregate: Any) -> None:
        return None


def new_nhs_number(number: str, person_ref: str, person: str, agency: str, at: str) -> NhsNumber:
    return NhsNumber._create(
        NhsNumberRecorded,
        id=nhs_number_uuid(number),
        nhs_number=number,
        child_ref=person_ref if person == CHILD else "",
        adult_ref=person_ref if person == ADULT else "",
        agency=agency,
        recorded_at=at,
    )


def new_alias(child_ref: str, agency: str, local_id: str, at: str) -> ChildAlias:
    return ChildAlias._create(
        ChildAliasRecorded,
        id=alias_uuid(child_ref, agency, local_id),
        child_ref=child_ref,
        agency=agency,
        local_id=local_id,
        recorded_at=at,
    )


class IdentifierDirectory:
    """Every NHS number and agency-local id the store holds, read from the notification log
    incrementally (only what was stored since the last look)."""

    def __init__(self) -> None:
        self.person_of_number: dict[str, tuple[str, str]] = {}
        self.number_of_person: dict[tuple[str, str], str] = {}
        self.children_of_alias: dict[tuple[str, str], list[str]] = {}

    def take_in(self, event: Any) -> None:
        if isinstance(event, NhsNumberRecorded):
            self.person_of_number[event.nhs_number] = event.person
            self.number_of_person[event.person] = event.nhs_number
        elif isinstance(event, ChildAliasRecorded):
            children = self.children_of_alias.setdefault((event.agency, event.local_id), [])
            if event.child_ref not in children:
                children.append(event.child_ref)


Row = tuple[int | None, Mapping[str, Any]]


def resolve_children(
    rows: Sequence[Row], directory: IdentifierDirectory
) -> tuple[list[tuple[int | None, dict[str, Any]]], list[tuple[int | None, DomainError]]]:
    """Each row with `nhs_number` / `local_id` replaced by the child they name (`child_ref`),
    and the problems: an unknown or ambiguous id, or ids of one row naming different children.
    `local_id` is the recording agency's own id (the row's `agency`)."""
    resolved: list[tuple[int | None, dict[str, Any]]] = []
    problems: list[tuple[int | None, DomainError]] = []
    for row, data in rows:
        if not any(_given(data.get(name)) for name in NAMING_FIELDS):
            resolved.append((row, dict(data)))
            continue
        values = {k: v for k, v in data.items() if k not in NAMING_FIELDS}
        try:
            named = _children_named(data, directory)
        except DomainError as problem:
            problems.append((row, problem))
            continue
        given_ref = _given(data.get("child_ref") or data.get("child_refs") or data.get("child"))
        if given_ref and set(_refs(given_ref)) != {named}:
            problems.append(
                (
                    row,
                    AmbiguousChildIdentifier(
                        "child_ref", "names another child than its nhs_number / local_id"
                    ),
                )
            )
            continue
        values.pop("child", None)
        values.pop("child_refs", None)
        values["child_ref"] = named
        resolved.append((row, values))
    return resolved, problems


def _children_named(data: Mapping[str, Any], directory: IdentifierDirectory) -> str:
    found: dict[str, str] = {}
    raw_number = _given(data.get("nhs_number"))
    if raw_number:
        number = nhs_number("nhs_number", raw_number)
        person = directory.person_of_number.get(number)
        if person is None or person[0] != CHILD:
            raise UnknownChildIdentifier("nhs_number", "no child carries this NHS number")
        found["nhs_number"] = person[1]
    local_id = _given(data.get("local_id"))
    if local_id:
        agency = _given(data.get("agency"))
        if not agency:
            raise UnknownChildIdentifier("local_id", "needs the row's agency (whose id it is)")
        children = directory.children_of_alias.get((agency, local_id), [])
        if not children:
            raise UnknownChildIdentifier("local_id", f"{agency} has no child with this id")
        if len(children) > 1:
            raise AmbiguousChildIdentifier(
                "local_id", f"{agency} gave this id to {len(children)} children; use child_ref"
            )
        found["local_id"] = children[0]
    if len(set(found.values())) > 1:
        raise AmbiguousChildIdentifier("local_id", "names another child than the row's nhs_number")
    return next(iter(found.values()))


def _given(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value if str(v).strip())
    return str(value).strip() if value is not None else ""


def _refs(text: str) -> list[str]:
    return [ref.strip() for ref in text.split(";") if ref.strip()]


def local_id_problem(local_id: str) -> DomainError | None:
    """An agency's own id has the shape of any identity (it may be a file name's part)."""
    return identity_problem("local_id", local_id)
