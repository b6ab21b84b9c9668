"""The application service's commands about the people around a child: NHS numbers, agencies'
own ids, adults and household changes; and naming children by those ids in an import.

A part of `Partnership` (a mixin, so that the service stays one object and this module one
idea). Every command records everything it was given or nothing, naming each wrong field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from domain import clock
from domain.errors import (
    DomainError,
    InvalidDate,
    InvalidEntry,
    MissingField,
    NotInVocabulary,
    UnknownAdult,
    UnknownAgency,
)
from domain.households import (
    RELATIONSHIPS,
    adult_uuid,
    household_change_uuid,
    new_adult,
    new_joining,
    new_leaving,
)
from domain.identifiers import (
    ADULT,
    NAMING_FIELDS,
    ChildAliasRecorded,
    IdentifierDirectory,
    NhsNumber,
    NhsNumberHeld,
    NhsNumberRecorded,
    alias_uuid,
    local_id_problem,
    new_alias,
    new_nhs_number,
    nhs_number,
    nhs_number_uuid,
    resolve_children,
)
from domain.identities import identity_problem

Rows = Sequence[tuple[int | None, Mapping[str, Any]]]
_IDENTIFIER_TOPICS = (get_topic(NhsNumberRecorded), get_topic(ChildAliasRecorded))


class PeopleAroundChildren:
    """Commands `Partnership` gains: it provides `save`, `repository`, `_now`,
    `agency_is_registered` and `_notifications`."""

    save: Any
    repository: Any
    recorder: Any
    mapper: Any
    _now: Any
    agency_is_registered: Any
    _notifications: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._identifiers = IdentifierDirectory()
        self._identifiers_read_to = 0  # the last notification id taken in

    # Identifiers --------------------------------------------------------------------------

    def identifier_directory(self) -> IdentifierDirectory:
        """The store's NHS numbers and agency-local ids, caught up with what was stored since
        the last look (another process may have recorded some)."""
        # Read up to the log's end as it is now, and remember that end: identifier events are
        # rare, so remembering only the last one read would scan the rest of the log each time.
        end = self.recorder.max_notification_id() or 0
        for notification in self._notifications(
            start=self._identifiers_read_to + 1, topics=_IDENTIFIER_TOPICS
        ):
            if notification.id > end:
                break
            self._identifiers.take_in(self.mapper.to_domain_event(notification))
        self._identifiers_read_to = max(self._identifiers_read_to, end)
        return self._identifiers

    def checked_nhs_number(self, person_ref: str, person: str, raw: str) -> str:
        """The number, valid and free for this person (or already theirs), or a `DomainError`
        that never says who holds it."""
        number = nhs_number("nhs_number", raw)
        directory = self.identifier_directory()
        holder = directory.person_of_number.get(number)
        if holder is not None and holder != (person, person_ref):
            raise NhsNumberHeld("nhs_number", "is recorded already for another person")
        current = directory.number_of_person.get((person, person_ref))
        if current is not None and current != number:
            raise NhsNumberHeld(
                "nhs_number", f"{person_ref} carries another NHS number already (one each)"
            )
        return number

    def nhs_number_to_save(
        self, person_ref: str, person: str, number: str, agency: str
    ) -> list[NhsNumber]:
        """The NHS number's aggregate to save with the person's, or none if it is theirs
        already. Its id is derived from the number, so two people can never both save it."""
        try:
            self.repository.get(nhs_number_uuid(number))
        except AggregateNotFoundError:
            return [new_nhs_number(number, person_ref, person, agency, self._now().isoformat())]
        return []

    def add_child_alias(self, child_ref: str, agency: str, local_id: str) -> bool:
        """An agency's own id for a child; True if new, False if recorded already."""
        return self.add_child_aliases([(child_ref, agency, local_id)]) == 1

    def add_child_aliases(self, aliases: Sequence[tuple[str, str, str]]) -> int:
        """Agencies' own ids for children, (child, agency, local id) each, all or none, in one
        transaction (a partnership's set-up adds one per child); returns how many were new."""
        problems: list[Any] = []
        new: list[Any] = []
        at = self._now().isoformat()
        for raw_child, agency, raw_id in aliases:
            child_ref, local_id = raw_child.strip(), raw_id.strip()
            found = _identity_problems(("child_ref", child_ref))
            if not local_id:
                found.append(MissingField("local_id"))
            elif (problem := local_id_problem(local_id)) is not None:
                found.append(problem)
            if not self.agency_is_registered(agency):
                found.append(UnknownAgency("agency", agency))
            problems += found
            if not found and not self._exists(alias_uuid(child_ref, agency, local_id)):
                new.append(new_alias(child_ref, agency, local_id, at))
        if problems:
            raise InvalidEntry(problems)
        if new:
            self.save(*new)
        return len(new)

    def resolve_children(self, rows: Rows) -> list[tuple[int | None, dict[str, Any]]]:
        """Rows naming children by `nhs_number` / `local_id` turned into `child_ref` rows, or
        `EntriesRejected` naming each row whose id is unknown or ambiguous (nothing recorded)."""
        from domain.application import EntriesRejected, RowProblem  # it imports this module

        if not any(name in data for _, data in rows for name in NAMING_FIELDS):
            return [(row, dict(data)) for row, data in rows]  # most imports: no store read
        resolved, problems = resolve_children(rows, self.identifier_directory())
        if problems:
            raise EntriesRejected([RowProblem(row, p.field, p.message) for row, p in problems])
        return resolved

    # Adults and households ----------------------------------------------------------------

    def once_more_after_a_race(self, register: Callable[[], bool]) -> bool:
        """A registration, run once more if another process stored the same child, adult or NHS
        number between its checks and its save (the store refuses the second save): run again,
        its checks see what was stored, and answer with the domain's error naming the field (an
        NHS number held by another person) or with nothing new to record."""
        try:
            return register()
        except IntegrityError:
            return register()

    def register_adult(self, adult_ref: str, agency: str, nhs: str = "") -> bool:
        """An adult known to the partnership (with an NHS number, if given); True if new."""
        return self.once_more_after_a_race(lambda: self._register_adult(adult_ref, agency, nhs))

    def _register_adult(self, adult_ref: str, agency: str, nhs: str) -> bool:
        adult_ref = adult_ref.strip()
        problems = _identity_problems(("adult_ref", adult_ref))
        if not self.agency_is_registered(agency):
            problems.append(UnknownAgency("agency", agency))
        number = ""
        if nhs.strip() and not problems:
            try:
                number = self.checked_nhs_number(adult_ref, ADULT, nhs)
            except DomainError as problem:
                problems.append(problem)
        if problems:
            raise InvalidEntry(problems)
        at = self._now().isoformat()
        new = [] if self.adult_is_registered(adult_ref) else [new_adult(adult_ref, agency, at)]
        saved: list[Any] = list(new)
        if number:
            saved += self.nhs_number_to_save(adult_ref, ADULT, number, agency)
        if saved:
            self.save(*saved)
        return bool(new)

    def adult_is_registered(self, adult_ref: str) -> bool:
        return self._exists(adult_uuid(adult_ref))

    def join_household(
        self, child_ref: str, adult_ref: str, relationship: str, from_date: str, agency: str
    ) -> bool:
        """An adult lives with or cares for a child from a day; True if new."""
        problems = self._household_problems(child_ref, adult_ref, agency)
        if relationship not in RELATIONSHIPS:
            problems.append(NotInVocabulary("relationship", relationship, RELATIONSHIPS))
        day = self._past_day("from_date", from_date, problems)
        if problems:
            raise InvalidEntry(problems)
        if self._exists(household_change_uuid(child_ref, adult_ref, "joined", day)):
            return False
        at = self._now().isoformat()
        self.save(new_joining(child_ref, adult_ref, relationship, day, agency, at))
        return True

    def leave_household(self, child_ref: str, adult_ref: str, on_date: str, agency: str) -> bool:
        """An adult no longer lives with or cares for a child from a day; True if new."""
        problems = self._household_problems(child_ref, adult_ref, agency)
        day = self._past_day("on_date", on_date, problems)
        if problems:
            raise InvalidEntry(problems)
        if self._exists(household_change_uuid(child_ref, adult_ref, "left", day)):
            return False
        self.save(new_leaving(child_ref, adult_ref, day, agency, self._now().isoformat()))
        return True

    def _household_problems(self, child_ref: str, adult_ref: str, agency: str) -> list[Any]:
        problems = _identity_problems(("child_ref", child_ref), ("adult_ref", adult_ref))
        if not problems and not self.adult_is_registered(adult_ref):
            problems.append(UnknownAdult("adult_ref", adult_ref))
        if not self.agency_is_registered(agency):
            problems.append(UnknownAgency("agency", agency))
        return problems

    def _past_day(self, field: str, raw: str, problems: list[Any]) -> str:
        try:
            day = clock.parse_when(field, raw)[:10]
        except DomainError as problem:
            problems.append(problem)
            return ""
        if clock.day_of(day) > self._now().date():
            problems.append(InvalidDate(field, f"{day} is in the future"))
        return day

    def _exists(self, aggregate_id: Any) -> bool:
        try:
            self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return False
        return True


def _identity_problems(*named: tuple[str, str]) -> list[Any]:
    problems: list[Any] = []
    for field, value in named:
        if not value:
            problems.append(MissingField(field))
        elif (problem := identity_problem(field, value)) is not None:
            problems.append(problem)
    return problems
