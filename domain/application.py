"""The application service: the only way anything becomes an event in FullPicture.

Every command either records everything it was given or nothing, and names every problem.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, Mapper
from eventsourcing.sqlite import SQLiteDatastore
from eventsourcing.utils import get_topic

from domain import clock
from domain.agencies import Agency, AgencyRegistered, agency_uuid, new_agency
from domain.alert_reviews import TRIAGE_OUTCOMES, new_alert_review
from domain.child_directory import ChildDirectory
from domain.child_keys import ChildKeys, InMemoryKeyTable, KeyTable, StoreKeyTable
from domain.children import Child, child_uuid, new_child
from domain.collector import no_cycle_collection
from domain.drafts import AUTHORSHIP_FIELDS, UNKNOWN_AUTHOR, Authorship, EntryDraft, parse_draft
from domain.entries import (
    ENTRY_EVENTS,
    EntryRecorded,
    entry_draft,
    entry_recorded,
    entry_uuid,
    event_fields,
)
from domain.erasures import ChildErased, erasure_uuid, new_erasure
from domain.errors import (
    AgencyConflict,
    BirthDateConflict,
    BirthDateNotAddable,
    ConflictingEntry,
    DomainError,
    InvalidDate,
    InvalidEntry,
    MissingField,
    NotInVocabulary,
    UnknownAgency,
)
from domain.identifiers import CHILD
from domain.identities import (
    LookalikeIdentity,
    identity_problem,
    lookalike_key,
    with_lookalike_hint,
)
from domain.notification_log import notifications
from domain.people_around import PeopleAroundChildren
from domain.rules import RecordedFacts, check_entry, disclosure_warnings
from domain.sealing import SealingMapper
from domain.tasks import Task, UnknownTask, checked_outcome, new_task, task_uuid
from domain.vocabulary import DEFAULT_VOCABULARY, Vocabulary

ProgressCallback = Callable[[int, int], None]
# Entries this process recorded or read lately, kept to check what refers to them without a read
# per reference. Synthetic imports refer at most ~4,000 entries back.
RECENT_ENTRIES_KEPT = 20_000


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with one submitted entry: `row N, column C: what is wrong`."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}, column {self.column}" if self.row is not None else self.column
        return f"{where}: {self.message}"


class EntriesRejected(Exception):
    """A batch broke the rules; nothing from it was recorded."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class RecordingOutcome:
    """What a command recorded: new entry ids, ids that were already recorded identically, and
    what was kept but should be put right (an answer without a lawful basis)."""

    recorded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)


@dataclass(frozen=True)
class AgencyDetails:
    code: str
    name: str
    agency_type: str
    contact: str


class Partnership(PeopleAroundChildren, Application[Any]):
    """A partnership's event-sourced record of shares, requests, decisions and the child's voice."""

    name = "FullPicture"
    log_section_size = 1000

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        vocabulary: Vocabulary = DEFAULT_VOCABULARY,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(env)
        self._now = now or clock.system_time
        self.child_keys = self._open_child_keys()
        self.vocabulary = vocabulary
        self._registered: set[str] = set()
        self._children = ChildDirectory(self)
        self._recent_entries = RecentEntries(RECENT_ENTRIES_KEPT)

    def construct_mapper(self) -> Mapper[Any]:
        """Each child's personal content sealed under its own keys (`domain.sealing`)."""
        return self.factory.mapper(
            transcoder=self.construct_transcoder(), mapper_class=SealingMapper
        )

    def _open_child_keys(self) -> ChildKeys:
        """The key store, in the store's own database, its keys sealed under the store's
        cipher where one is set."""
        datastore = getattr(self.recorder, "datastore", None)
        table: KeyTable = InMemoryKeyTable()  # eventsourcing's in-memory store has no database
        if datastore is not None:
            placeholder = "?" if isinstance(datastore, SQLiteDatastore) else "%s"  # psycopg's
            table = StoreKeyTable(datastore, placeholder)
        keys = ChildKeys(
            table,
            wrapper=self.mapper.cipher,
            now=lambda: self._now().isoformat(),
        )
        keys.create_table()
        cast(SealingMapper, self.mapper).child_keys = keys
        return keys

    @contextmanager
    def using_clock(self, clock: Callable[[], datetime]) -> Iterator[None]:
        """Stamp what is recorded inside the block with `clock`: for the demo's simulated
        history and for tests. The clock is code's to set, never a user's."""
        previous, self._now = self._now, clock
        try:
            yield
        finally:
            self._now = previous

    # Agencies -------------------------------------------------------------------------------

    def register_agency(self, code: str, name: str, agency_type: str, contact: str = "") -> bool:
        """Register an agency; True if new, False if already registered with the same details."""
        code, name, agency_type = code.strip(), name.strip(), agency_type.strip()
        problems: list[DomainError] = []
        if not code:
            problems.append(MissingField("code"))
        elif (problem := identity_problem("code", code)) is not None:
            problems.append(problem)
        elif self.find_agency(code) is None:
            problems.extend(self._lookalike_agency("code", code))
        if not name:
            problems.append(MissingField("name"))
        if agency_type not in self.vocabulary.agency_type:
            problems.append(NotInVocabulary("type", agency_type, self.vocabulary.agency_type))
        if problems:
            raise InvalidEntry(problems)
        existing = self.find_agency(code)
        if existing is not None:
            if (existing.name, existing.agency_type) != (name, agency_type):
                raise AgencyConflict("code", f"{code!r} is registered already as {existing.name!r}")
            return False
        self.save(new_agency(code, name, agency_type, contact, self._now().isoformat()))
        self._registered.add(code)
        return True

    def find_agency(self, code: str) -> AgencyDetails | None:
        try:
            agency: Agency = self.repository.get(agency_uuid(code))
        except AggregateNotFoundError:
            return None
        return AgencyDetails(agency.code, agency.name, agency.agency_type, agency.contact)

    def _lookalike_agency(self, field: str, code: str) -> list[DomainError]:
        key = lookalike_key(code)
        return [
            LookalikeIdentity(field, code, known.code)
            for known in self.agencies()
            if lookalike_key(known.code) == key and known.code != code
        ]

    def holds_entries(self) -> bool:
        """Anything besides agency registrations (entries, children): what the first
        administrator's door must never open onto (`Queries.nobody_registered`)."""
        agency_topic = get_topic(AgencyRegistered)
        start = 1
        while page := self.recorder.select_notifications(start=start, limit=500):
            if any(n.topic != agency_topic for n in page):
                return True
            start = page[-1].id + 1
        return False

    def agency_is_registered(self, code: str) -> bool:
        if code not in self._registered and self.find_agency(code) is not None:
            self._registered.add(code)
        return code in self._registered

    def agencies(self) -> list[AgencyDetails]:
        """Every registered agency, in order of registration."""
        topic = get_topic(AgencyRegistered)
        found = []
        for notification in self._notifications(topics=(topic,)):
            event = self.mapper.to_domain_event(notification)
            found.append(AgencyDetails(event.code, event.name, event.agency_type, event.contact))
        return found

    # Children -------------------------------------------------------------------------------

    def register_child(
        self, child_ref: str, date_of_birth: str, agency: str, nhs_number: str = ""
    ) -> bool:
        """Record a child's date of birth and NHS number (either may be left out); True if
        anything was new, False if all of it was recorded already the same."""
        return self.once_more_after_a_race(
            lambda: self._register_child(child_ref, date_of_birth, agency, nhs_number)
        )

    def _register_child(
        self, child_ref: str, date_of_birth: str, agency: str, nhs_number: str
    ) -> bool:
        child_ref = child_ref.strip()
        problems: list[DomainError] = []
        if not child_ref:
            problems.append(MissingField("child_ref"))
        elif (problem := identity_problem("child_ref", child_ref)) is not None:
            problems.append(problem)
        else:
            problems.extend(self._lookalike_children((child_ref,), {}))
        born = ""
        if date_of_birth.strip():
            try:
                born = clock.parse_when("date_of_birth", date_of_birth)[:10]
                if clock.day_of(born) > self._now().date():
                    problems.append(InvalidDate("date_of_birth", f"{born} is in the future"))
            except DomainError as problem:
                problems.append(problem)
        elif not nhs_number.strip():
            problems.append(
                MissingField("date_of_birth", "is required: give it, an NHS number, or both")
            )
        if not self.agency_is_registered(agency):
            problems.append(UnknownAgency("agency", agency))
        number = ""
        if nhs_number.strip() and child_ref and not problems:
            try:
                number = self.checked_nhs_number(child_ref, CHILD, nhs_number)
            except DomainError as problem:
                problems.append(problem)
        if problems:
            raise InvalidEntry(problems)
        saved: list[Any] = []
        try:
            existing: Child = self.repository.get(child_uuid(child_ref))
        except AggregateNotFoundError:
            saved.append(new_child(child_ref, born, agency, self._now().isoformat()))
        else:
            if born and not existing.date_of_birth:
                raise BirthDateNotAddable(child_ref)
            if born and existing.date_of_birth != born:
                raise BirthDateConflict(child_ref)
        if number:
            saved += self.nhs_number_to_save(child_ref, CHILD, number, agency)
        if saved:
            self.save(*saved, lookalike_keys=self._children.keys_for([(child_ref,)]))
        return bool(saved)

    def knows_child(self, child_ref: str) -> bool:
        """Whether the store holds anything about the child (read from its log, so it is never
        behind, as a read model may be in distributed mode)."""
        return self._children.known().get(self._children.key_of(child_ref)) == child_ref

    # Entries --------------------------------------------------------------------------------

    def record(
        self,
        data: Mapping[str, Any],
        lists_as_text: bool = True,
        author: Authorship = UNKNOWN_AUTHOR,
    ) -> RecordingOutcome:
        """Record one entry from raw field values (CLI, JSON, a form); see `parse_draft` for
        `lists_as_text` and `author`."""
        return self.record_all([(None, data)], lists_as_text=lists_as_text, author=author)

    def record_all(
        self,
        rows: Sequence[tuple[int | None, Mapping[str, Any]]],
        progress: ProgressCallback | None = None,
        lists_as_text: bool = True,
        author: Authorship = UNKNOWN_AUTHOR,
    ) -> RecordingOutcome:
        """Record many entries atomically; rows may refer to entries earlier in the same batch.

        Re-recording an entry identical to the one stored is a no-op; a different one under the
        same `<agency>:<entry_ref>` is a conflict (record a correction instead).

        Most batches are all new, so the batch is first saved without reading each entry back;
        only if the store already holds one of them is it checked again entry by entry.

        Every entry names `author` (entry points get it from the query layer; code that records
        without a person, such as the synthetic generator, leaves it unknown). Rows may name a
        child by `nhs_number` or the agency's own `local_id` instead of `child_ref`.
        """
        rows = self.resolve_children(rows)
        with no_cycle_collection():  # a batch keeps every draft and event until it is saved
            try:
                return self._record_all(rows, progress, lists_as_text, author, False)
            except IntegrityError:
                return self._record_all(rows, progress, lists_as_text, author, True)

    def _record_all(
        self,
        rows: Sequence[tuple[int | None, Mapping[str, Any]]],
        progress: ProgressCallback | None,
        lists_as_text: bool,
        author: Authorship,
        look_up_stored: bool,
    ) -> RecordingOutcome:
        recorded_now = self._now().isoformat()
        accepted: dict[str, EntryDraft] = {}
        problems: list[RowProblem] = []
        outcome = RecordingOutcome()
        facts = RecordedFacts(
            agency_is_registered=self.agency_is_registered,
            adult_is_registered=self.adult_is_registered,
            find_entry=lambda wanted: accepted.get(wanted) or self.find_entry(wanted),
            today=self._now().date(),
            vocabulary=self.vocabulary,
        )
        batch_children: dict[str, str] = {}
        # Read once per batch: the store's children cannot change while the batch is checked
        # (a read per row cost a query per entry, ~20 % of an import).
        known_children = self._children.known()
        for done, (row, data) in enumerate(rows, start=1):
            try:
                draft = check_entry(parse_draft(data, recorded_now, lists_as_text, author), facts)
                lookalikes = self._lookalike_children(
                    draft.child_refs, batch_children, known_children
                )
                if lookalikes:
                    raise InvalidEntry(lookalikes)
                self._check_not_conflicting(draft, accepted, outcome, look_up_stored)
            except InvalidEntry as invalid:
                problems.extend(
                    RowProblem(row, p.field, self._explained(p)) for p in invalid.problems
                )
            except DomainError as problem:
                problems.append(RowProblem(row, problem.field, self._explained(problem)))
            else:
                accepted.setdefault(draft.entry_id, draft)
                outcome.warnings.extend(
                    RowProblem(row, w.field, w.message) for w in disclosure_warnings(draft)
                )
            if progress is not None:
                progress(done, len(rows))
        if problems:
            raise EntriesRejected(problems)
        new = [d for i, d in accepted.items() if i not in outcome.unchanged]
        if new:
            events = [entry_recorded(draft) for draft in new]
            self.child_keys.prepare(
                (child, draft.agency) for draft in new for child in draft.child_refs
            )
            # Straight into the event store, as `save` does for events once it has told them
            # from aggregates (a typing-protocol check per object, ~15 % of an import's time).
            recordings = self.events.put(
                events, lookalike_keys=self._children.keys_for(draft.child_refs for draft in new)
            )
            outcome.recorded = [draft.entry_id for draft in new]
            # Stored now as checked, and an entry never changes once stored: safe to remember.
            for draft in new:
                self._recent_entries.keep(draft.entry_id, draft)
            self._children.saw_own(recordings, [draft.child_refs for draft in new])
        return outcome

    def _explained(self, problem: DomainError) -> str:
        """A refused child reference or agency code names the known one it looks like."""
        if problem.field == "child_ref":
            return with_lookalike_hint(problem, self._children.known())
        if problem.field in ("agency", "to_agencies"):
            agencies = {lookalike_key(a.code): a.code for a in self.agencies()}
            return with_lookalike_hint(problem, agencies)
        return problem.message

    def _lookalike_children(
        self,
        child_refs: Sequence[str],
        batch_children: dict[str, str],
        known: Mapping[str, str] | None = None,
    ) -> list[DomainError]:
        """A child reference a reader could not tell from a known one is refused, naming it;
        new references are remembered in `batch_children` for the rest of the batch."""
        if known is None:
            known = self._children.known()
        problems: list[DomainError] = []
        for ref in child_refs:
            key = self._children.key_of(ref)
            existing = known.get(key) or batch_children.setdefault(key, ref)
            if existing != ref:
                problems.append(LookalikeIdentity("child_ref", ref, existing))
        return problems

    def _check_not_conflicting(
        self,
        draft: EntryDraft,
        accepted: Mapping[str, EntryDraft],
        outcome: RecordingOutcome,
        look_up_stored: bool,
    ) -> None:
        earlier = accepted.get(draft.entry_id)
        stored = None
        if earlier is None and look_up_stored:
            stored = self.find_entry(draft.entry_id)
        existing = earlier or stored
        if existing is None:
            return
        if _same_entry(existing, draft):
            if stored is not None:
                outcome.unchanged.append(draft.entry_id)
            return
        raise ConflictingEntry(
            "entry_ref",
            f"{draft.entry_id} is recorded already with different content; "
            "record a correction that refers to it instead",
        )

    def find_entry_uuid(self, entry_id: str) -> UUID:
        """The aggregate id of `<agency>:<entry_ref>` (stable: derived, never stored)."""
        return entry_uuid(entry_id)

    def find_entry(self, entry_id: str) -> EntryDraft | None:
        """The entry as stored, or None. An entry is one event that never changes, so one this
        process recorded or read lately is answered from memory; one not found is asked of the
        store every time (another process may record it)."""
        draft = self._recent_entries.get(entry_id)
        if draft is None:
            stored = next(self.events.get(entry_uuid(entry_id), limit=1), None)
            if stored is None:
                return None
            draft = entry_draft(cast(EntryRecorded, stored))
            self._recent_entries.keep(entry_id, draft)
        return draft

    # Alert reviews ----------------------------------------------------------------------------

    def review_alert(
        self,
        alert_id: str,
        child_ref: str,
        pattern: str,
        evidence: Sequence[str],
        outcome: str,
        reason: str,
        reviewed_by: str,
    ) -> str:
        """Record a person's review of an alert (with the evidence it had); returns when."""
        problems: list[DomainError] = []
        for name, value in (("alert_id", alert_id), ("child_ref", child_ref), ("pattern", pattern)):
            if not value.strip():
                problems.append(MissingField(name))
        if outcome not in TRIAGE_OUTCOMES:
            problems.append(NotInVocabulary("outcome", outcome, TRIAGE_OUTCOMES))
        if not reason.strip():
            problems.append(MissingField("reason", "is required: say why"))
        if not reviewed_by.strip():
            problems.append(MissingField("reviewed_by", "is required: who reviewed it"))
        if problems:
            raise InvalidEntry(problems)
        recorded_at = self._now().isoformat()
        self.save(
            new_alert_review(
                alert_id,
                child_ref,
                pattern,
                list(evidence),
                outcome,
                reason.strip(),
                reviewed_by.strip(),
                recorded_at,
            )
        )
        return recorded_at

    # The erasure ledger ------------------------------------------------------------------------

    def record_erasure(
        self,
        child_ref: str,
        erased_agency: str,
        decision_id: str,
        decided_by: str,
        approved_by: str,
        feeds_told: Sequence[str],
        erased_at: str | None = None,
    ) -> tuple[ChildErased, bool]:
        """Record that the child's record (or the agency's part) was erased: the ledger event
        and True, or the one recorded earlier for the same decision and False. `erased_at`
        is given only for an erasure learnt from `<prefix>.erasures` after a restore."""
        erasure = new_erasure(
            child_ref,
            erased_agency,
            decision_id,
            decided_by,
            approved_by,
            erased_at or self._now().isoformat(),
            list(feeds_told),
        )
        try:
            self.save(erasure)
            new = True
        except IntegrityError:
            new = False
        stored = next(self.events.get(erasure_uuid(decision_id, child_ref, erased_agency)))
        return cast(ChildErased, stored), new

    def erasures(self) -> list[ChildErased]:
        """Every erasure in the ledger, in the order recorded."""
        topic = get_topic(ChildErased)
        return [
            cast(ChildErased, self.mapper.to_domain_event(n))
            for n in self._notifications(topics=(topic,))
        ]

    # Tasks ----------------------------------------------------------------------------------

    def add_task(self, values: Mapping[str, str], owner_agency: str, added_by: str) -> str:
        """Record a task checked by `checked_task` (the query layer has decided the owner may
        see the child); returns its id."""
        now = self._now()
        if values["due_by"] < now.date().isoformat():
            raise InvalidEntry([InvalidDate("due_by", f"{values['due_by']} is in the past")])
        task = new_task(dict(values), owner_agency, added_by, now.isoformat())
        self.save(task)
        return task.task_id

    def find_task(self, task_id: str) -> Task:
        try:
            return cast(Task, self.repository.get(task_uuid(task_id.strip())))
        except AggregateNotFoundError:
            raise UnknownTask(task_id) from None

    def reassign_task(self, task_id: str, owner: str, owner_agency: str, by: str) -> None:
        task = self.find_task(task_id)
        task.reassign(owner, owner_agency, by, self._now().isoformat())
        self.save(task)

    def finish_task(self, task_id: str, outcome: str, by: str) -> None:
        task = self.find_task(task_id)
        task.finish(checked_outcome(outcome), by, self._now().isoformat())
        self.save(task)

    # The notification log --------------------------------------------------------------------

    def _notifications(self, start: int = 1, topics: Sequence[str] = ()) -> Iterator[Any]:
        return notifications(self.recorder, self.log_section_size, start, topics)


def _same_entry(existing: EntryDraft, draft: EntryDraft) -> bool:
    """Same kind and same values in that kind's fields, except the system's own stamps: the
    entry as stored keeps when and by whom it was first recorded."""
    if existing.kind != draft.kind:
        return False
    names = set(event_fields(ENTRY_EVENTS[draft.kind])) - _SYSTEM_STAMPS
    left, right = existing.as_fields(), draft.as_fields()
    return all(left[name] == right[name] for name in names)


_SYSTEM_STAMPS = frozenset(("recorded_at", *AUTHORSHIP_FIELDS))


class RecentEntries:
    """The latest `size` entries as stored, by entry id (the oldest kept is dropped first)."""

    def __init__(self, size: int) -> None:
        self._size = size
        # Not a dict: finding a dict's first key walks past every slot deleted before it.
        self._drafts: OrderedDict[str, EntryDraft] = OrderedDict()

    def get(self, entry_id: str) -> EntryDraft | None:
        return self._drafts.get(entry_id)

    def keep(self, entry_id: str, draft: EntryDraft) -> None:
        self._drafts[entry_id] = draft
        if len(self._drafts) > self._size:
            self._drafts.popitem(last=False)
