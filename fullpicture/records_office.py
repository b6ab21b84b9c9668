"""Records management: what is due under the retention schedule, decisions and their approval,
legal holds, and the one guarded way to erasure.

Every door (the CLI, the dashboard's Records management page) comes here; the query layer says
who may act and records each act in the access log. Erasure is refused unless an approved
`destroy` covers the child (and agency) and no legal hold covers it, both read again from the
store at the moment of erasure, just before the records are shredded.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.clock import parse_when
from domain.disposition import DESTROY, EXTEND, DecisionView, Disposition, HoldView
from domain.errors import DomainError
from domain.people import iso
from domain.retention_schedule import Assessment, RecordPart, RetentionSchedule
from fullpicture.queries import Queries
from projections.database import ReadModelDatabase
from projections.record_parts import record_parts

DUE_COLUMNS = (
    "child_ref",
    "agency",
    "agency_type",
    "record_class",
    "rule",
    "trigger",
    "trigger_date",
    "due_on",
    "holds",
    "decision",
    "decision_state",
)
# What shreds a child's records (or one agency's part): `fullpicture.erasure.shred_child`
# bound to the wiring, called with the child and the decision's keywords.
Shredder = Callable[..., Any]


class ErasureRefused(DomainError):
    """`erase` may not run: no approved destroy for it, or a legal hold covers it."""


@dataclass(frozen=True)
class DueRecord:
    """A part of a child's record past its period, as the due list shows it."""

    assessment: Assessment
    due_on: str
    holds: tuple[str, ...]
    decision: DecisionView | None

    def as_dict(self) -> dict[str, Any]:
        part, rule = self.assessment.part, self.assessment.rule
        return {
            "child_ref": part.child_ref,
            "agency": part.agency,
            "agency_type": part.agency_type,
            "record_class": self.assessment.record_class,
            "rule": rule.id,
            "trigger": f"{rule.trigger} + {rule.years} years",
            "trigger_date": self.assessment.trigger_date,
            "due_on": self.due_on,
            "holds": list(self.holds),
            "decision": self.decision.decision_id if self.decision else "",
            "decision_state": self.decision.state if self.decision else "",
        }


class RecordsOffice:
    def __init__(
        self,
        queries: Queries,
        disposition: Disposition,
        db: ReadModelDatabase,
        schedule: RetentionSchedule,
        agency_types: Callable[[], Mapping[str, str]],
        now: Callable[[], datetime],
        one_at_a_time: Callable[[], AbstractContextManager[None]] = nullcontext,
    ) -> None:
        self.queries = queries
        self.disposition = disposition
        self.db = db
        self.schedule = schedule
        self.agency_types = agency_types
        self.now = now
        # An erasure and the placing of a hold take turns (`disposition_one_at_a_time`).
        self.one_at_a_time = one_at_a_time

    # Disposition review -------------------------------------------------------------------

    def due(self, user: str, as_at: str | None = None) -> list[DueRecord]:
        """Every part of a child's record past its period on `as_at` (default today), with the
        rule that made it due, the holds covering it and the decision about it; a decision to
        extend moves its due day to the day it was kept until."""
        viewer, agency = self.queries.retention_reviewer(user)
        day = parse_when("as_at", as_at)[:10] if as_at else self.now().date().isoformat()
        decisions: dict[str, list[DecisionView]] = defaultdict(list)
        for made in self.disposition.decisions():
            decisions[made.child_ref].append(made)
        holds = [h for h in self.disposition.holds() if h.in_force]
        found = []
        for part in record_parts(self.db, self.agency_types()):
            if agency is not None and part.agency != agency:
                continue
            assessment = self.schedule.assess(part)
            if assessment.due_on is None:
                continue
            about = [d for d in decisions[part.child_ref] if d.covers(part.child_ref, part.agency)]
            due_on = _extended(assessment.due_on, about)
            if day < due_on:
                continue
            found.append(
                DueRecord(
                    assessment,
                    due_on,
                    _holding(holds, part),
                    next((d for d in reversed(about) if d.decision == DESTROY), None),
                )
            )
        self.queries.record_records_act(
            viewer, "retention due", (r.assessment.part.child_ref for r in found), f"as at {day}"
        )
        return found

    def decisions(self, user: str) -> list[DecisionView]:
        """Every decision for an administrator; a safeguarding lead's agency's parts."""
        _, agency = self.queries.retention_reviewer(user)
        return [d for d in self.disposition.decisions() if agency in (None, d.agency)]

    def decide(
        self,
        user: str,
        child: str,
        decision: str,
        reason: str,
        until: str = "",
        agency: str = "",
    ) -> DecisionView:
        viewer = self.queries.retention_decider(user, agency)
        if agency and not self.queries.agency_is_registered(agency):
            raise DomainError("agency", f"agency {agency!r} is not registered")
        parts = {p.agency for p in record_parts(self.db, {}, child)}
        if not parts:
            raise DomainError("child", f"{child!r} has no records (nothing recorded about them)")
        if agency and agency not in parts:
            raise DomainError("agency", f"{agency} recorded nothing about {child}")
        made = self.disposition.decide(
            child,
            decision,
            reason,
            by=viewer.user,
            schedule_version=self.schedule.version,
            until=until,
            agency=agency,
        )
        self.queries.record_records_act(
            viewer, "retention decided", [child], f"{made.decision_id}: {_words(made)}"
        )
        return made

    def approve(self, user: str, decision_id: str) -> DecisionView:
        viewer = self.queries.records_manager(user, "approve retention decisions")
        approved = self.disposition.approve(decision_id, by=viewer.user)
        self.queries.record_records_act(
            viewer,
            "retention approved",
            [approved.child_ref],
            f"{approved.decision_id}: {_words(approved)}; decided by {approved.decided_by}",
        )
        return approved

    # Legal holds --------------------------------------------------------------------------

    def place_hold(self, user: str, hold: str, basis: str, **scope: Any) -> HoldView:
        viewer = self.queries.records_manager(user, "place legal holds")
        agency = scope.get("agency") or ""
        if agency and not self.queries.agency_is_registered(agency):
            raise DomainError("agency", f"agency {agency!r} is not registered")
        with self.one_at_a_time():
            placed = self.disposition.place_hold(hold, basis, by=viewer.user, **scope)
        self.queries.record_records_act(
            viewer, "hold placed", placed.children, f"{placed.hold}: {placed.scope}"
        )
        return placed

    def lift_hold(self, user: str, hold: str, reason: str) -> HoldView:
        viewer = self.queries.records_manager(user, "lift legal holds")
        lifted = self.disposition.lift_hold(hold, reason, by=viewer.user)
        self.queries.record_records_act(
            viewer, "hold lifted", lifted.children, f"{lifted.hold}: {lifted.scope}"
        )
        return lifted

    def holds(self, user: str) -> list[HoldView]:
        self.queries.records_manager(user, "list legal holds")
        return self.disposition.holds()

    # Erasure ------------------------------------------------------------------------------

    def erase(self, user: str, child: str, decision_id: str, shred: Shredder) -> dict[str, Any]:
        """Erase under an approved `destroy`, checked again now; returns the certificate."""
        viewer = self.queries.records_manager(user, "erase records")
        with self.one_at_a_time():
            try:
                decision = self._check_erasure(child, decision_id)
            except ErasureRefused as refusal:
                self.queries.record_records_act(
                    viewer, "erasure refused", [child], f"{decision_id}: {refusal.message}"
                )
                raise
            report = shred(
                child,
                agency=decision.agency or None,
                decision_id=decision.decision_id,
                decided_by=decision.decided_by,
                approved_by=decision.approved_by,
            )
            done = self.disposition.mark_erased(decision.decision_id, by=viewer.user)
        self.queries.record_records_act(
            viewer, "records erased", [child], f"{done.decision_id}: {_words(done)}"
        )
        return erasure_certificate(done, report, viewer.user, iso(self.now()))

    def _check_erasure(self, child: str, decision_id: str) -> DecisionView:
        decision = self.disposition.decision(decision_id)
        if decision.child_ref != child:
            raise ErasureRefused(
                "decision_id", f"{decision.decision_id} is about {decision.child_ref}, not {child}"
            )
        if decision.decision != DESTROY:
            raise ErasureRefused("decision_id", f"{decision.decision_id} is not a destroy decision")
        if not decision.approved_by:
            raise ErasureRefused(
                "decision_id",
                f"{decision.decision_id} awaits a second person's approval "
                f"(fullpicture retention approve {decision.decision_id})",
            )
        parts = [
            p
            for p in record_parts(self.db, {}, child)
            if not decision.agency or p.agency == decision.agency
        ]
        # With nothing left in the read models (a repeat after a restore), holds naming the
        # child, its agency or everything still count.
        checked = parts or [RecordPart(child, decision.agency, "", None, (), frozenset())]
        holding = sorted({h for p in checked for h in _holding(self.disposition.holds(), p)})
        if holding:
            raise ErasureRefused(
                "hold",
                f"legal hold {', '.join(holding)} covers {child}'s records; nothing was erased "
                "(fullpicture hold list)",
            )
        return decision


def _extended(due_on: str, decisions: Sequence[DecisionView]) -> str:
    """The latest decision to extend covering a part moves its due day (never earlier than
    the schedule's)."""
    extensions = [d.until for d in decisions if d.decision == EXTEND]
    return max(due_on, extensions[-1]) if extensions else due_on


def _holding(holds: Sequence[HoldView], part: RecordPart) -> tuple[str, ...]:
    return tuple(h.hold for h in holds if h.covers(part.child_ref, part.agency, part.entry_days))


def _words(decision: DecisionView) -> str:
    part = f"{decision.agency}'s part" if decision.agency else "the whole record"
    words = f"{decision.decision} {part}"
    if decision.until:
        words += f" until {decision.until}"
    return f"{words} ({decision.reason})"


def erasure_certificate(
    decision: DecisionView, report: Any, erased_by: str, erased_at: str
) -> dict[str, Any]:
    """What was erased, under which decision, decided and approved by whom, which feeds were
    told: the record a data-protection officer keeps (no personal data but the child's
    pseudonymous reference). `report` is `fullpicture.erasure.ErasureReport`."""
    erased = _as_fields(report)
    return {
        "certificate": "erasure",
        "child_ref": decision.child_ref,
        "agency": decision.agency,
        "scope": f"{decision.agency}'s part" if decision.agency else "the whole record",
        "decision": {
            name: value
            for name, value in decision.as_dict().items()
            if name not in ("erased_by", "erased_at", "state")
        },
        "erased_by": erased_by,
        "erased_at": erased_at,
        "holds": "none in force covering it at the moment of erasure",
        "ledger_id": erased.get("ledger_id", ""),
        "keys_deleted": erased.get("keys_deleted", 0),
        "read_models_cleared": erased.get("read_models_cleared", {}),
        "feeds_told": erased.get("feeds_told", []),
        "repeated": bool(erased.get("already_recorded", False)),
    }


def _as_fields(report: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(report) and not isinstance(report, type):
        return dataclasses.asdict(report)
    if isinstance(report, Mapping):
        return dict(report)
    return dict(vars(report))
