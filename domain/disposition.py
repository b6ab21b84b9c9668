"""Disposition: retention decisions and legal holds, as event-sourced aggregates (RETENTION.md).

Records-management practice never destroys automatically: a person decides (`destroy` or
`extend`), a second person approves a `destroy`, and a legal hold (an inquiry, litigation, a
police investigation) blocks every erasure it covers, checked again at the moment of erasure.
A store of its own, never relayed to Kafka. Its events hold no personal data beyond the
pseudonymous child reference: reasons and bases name the rule, the request or the inquiry,
never the child's circumstances.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import get_topic

from domain import clock
from domain.entries import ID_NAMESPACE
from domain.errors import DomainError, InvalidEntry, MissingField
from domain.notification_log import notifications
from domain.people import iso

DESTROY = "destroy"
EXTEND = "extend"
DECISIONS = (DESTROY, EXTEND)
HOLD_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
DECISION_ID = re.compile(r"^RD-[0-9A-F]{10}$")


def decision_uuid(decision_id: str) -> UUID:
    return uuid5(ID_NAMESPACE, f"retention-decision:{decision_id.upper()}")


def hold_uuid(hold: str) -> UUID:
    return uuid5(ID_NAMESPACE, f"legal-hold:{hold.lower()}")


class RetentionDecision(Aggregate):
    """What a person decided about a child's record (or one agency's part of it)."""

    @staticmethod
    def create_id(decision_id: str) -> UUID:
        return decision_uuid(decision_id)

    @event("Decided")
    def __init__(
        self,
        decision_id: str,
        child_ref: str,
        agency: str,
        decision: str,
        reason: str,
        until: str,
        schedule_version: str,
        by: str,
        at: str,
    ) -> None:
        self.decision_id = decision_id
        self.child_ref = child_ref
        self.agency = agency
        self.decision = decision
        self.reason = reason
        self.until = until
        self.schedule_version = schedule_version
        self.decided_by = by
        self.decided_at = at
        self.approved_by = ""
        self.approved_at = ""
        self.erased_by = ""
        self.erased_at = ""

    @event("Approved")
    def approve(self, by: str, at: str) -> None:
        self.approved_by = by
        self.approved_at = at

    @event("CarriedOut")
    def carry_out(self, by: str, at: str) -> None:
        """The erasure it authorised was done (a repeat, after a restore, changes nothing)."""
        self.erased_by = by
        self.erased_at = at


class LegalHold(Aggregate):
    """A hold on destruction: some children, one agency's records, or everything; optionally
    only parts with an entry in a period."""

    @staticmethod
    def create_id(hold: str) -> UUID:
        return hold_uuid(hold)

    @event("Placed")
    def __init__(
        self,
        hold: str,
        basis: str,
        children: list[str],
        agency: str,
        everything: bool,
        period_from: str,
        period_to: str,
        by: str,
        at: str,
    ) -> None:
        self.hold = hold
        self.basis = basis
        self.children = list(children)
        self.agency = agency
        self.everything = everything
        self.period_from = period_from
        self.period_to = period_to
        self.placed_by = by
        self.placed_at = at
        self.lifted_by = ""
        self.lifted_at = ""
        self.lift_reason = ""

    @event("Lifted")
    def lift(self, reason: str, by: str, at: str) -> None:
        self.lift_reason = reason
        self.lifted_by = by
        self.lifted_at = at


@dataclass(frozen=True)
class DecisionView:
    decision_id: str
    child_ref: str
    agency: str
    decision: str
    reason: str
    until: str
    schedule_version: str
    decided_by: str
    decided_at: str
    approved_by: str
    approved_at: str
    erased_by: str
    erased_at: str

    @property
    def state(self) -> str:
        if self.decision == EXTEND:
            return f"kept until {self.until}"
        if self.erased_at:
            return "erased"
        return "approved" if self.approved_by else "awaiting approval"

    def covers(self, child_ref: str, agency: str) -> bool:
        return self.child_ref == child_ref and self.agency in ("", agency)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.decision_id,
            "child_ref": self.child_ref,
            "agency": self.agency,
            "decision": self.decision,
            "reason": self.reason,
            "until": self.until,
            "schedule_version": self.schedule_version,
            "decided_by": self.decided_by,
            "decided_at": self.decided_at,
            "approved_by": self.approved_by,
            "approved_at": self.approved_at,
            "erased_by": self.erased_by,
            "erased_at": self.erased_at,
            "state": self.state,
        }


@dataclass(frozen=True)
class HoldView:
    hold: str
    basis: str
    children: tuple[str, ...]
    agency: str
    everything: bool
    period_from: str
    period_to: str
    placed_by: str
    placed_at: str
    lifted_by: str
    lifted_at: str
    lift_reason: str

    @property
    def in_force(self) -> bool:
        return not self.lifted_at

    @property
    def scope(self) -> str:
        if self.everything:
            covers = "every record"
        elif self.agency:
            covers = f"agency {self.agency}"
        else:
            covers = "children " + ", ".join(self.children)
        if self.period_from or self.period_to:
            covers += f"; parts with an entry from {self.period_from or 'the start'} to "
            covers += self.period_to or "today"
        return covers

    def covers(self, child_ref: str, agency: str, entry_days: Sequence[str]) -> bool:
        """Whether the hold, while in force, covers this agency's part of the child's record:
        its scope names the child, the agency or everything, and, with a period, at least one
        of the part's entries occurred on a day within it (both ends included). A part is
        erased whole, so a part with one such entry is held whole."""
        if not self.in_force:
            return False
        named = self.everything or agency == self.agency or child_ref in self.children
        if not named:
            return False
        if not (self.period_from or self.period_to):
            return True
        first, last = self.period_from or "0000-00-00", self.period_to or "9999-99-99"
        return any(first <= day <= last for day in entry_days)

    def as_dict(self) -> dict[str, Any]:
        return {
            "hold": self.hold,
            "basis": self.basis,
            "scope": self.scope,
            "children": list(self.children),
            "agency": self.agency,
            "all": self.everything,
            "from": self.period_from,
            "to": self.period_to,
            "placed_by": self.placed_by,
            "placed_at": self.placed_at,
            "in_force": self.in_force,
            "lifted_by": self.lifted_by,
            "lifted_at": self.lifted_at,
            "lift_reason": self.lift_reason,
        }


def _decision_view(decision: RetentionDecision) -> DecisionView:
    return DecisionView(
        **{name: getattr(decision, name) for name in DecisionView.__dataclass_fields__}
    )


def _hold_view(hold: LegalHold) -> HoldView:
    values = {name: getattr(hold, name) for name in HoldView.__dataclass_fields__}
    return HoldView(**values | {"children": tuple(hold.children)})


class Disposition(Application[Any]):
    """Retention decisions, their approvals and erasures, and legal holds."""

    name = "Disposition"

    def __init__(
        self, env: Mapping[str, str] | None = None, now: Callable[[], datetime] = clock.system_time
    ) -> None:
        super().__init__(env)
        self._now = now

    # Decisions ------------------------------------------------------------------------------

    def decide(
        self,
        child_ref: str,
        decision: str,
        reason: str,
        by: str,
        schedule_version: str,
        until: str = "",
        agency: str = "",
    ) -> DecisionView:
        """Record a decision; a `destroy` then waits for a second person's approval, an
        `extend` keeps the record (or part) until `until`."""
        problems: list[DomainError] = []
        if not child_ref.strip():
            problems.append(MissingField("child"))
        if decision not in DECISIONS:
            problems.append(DomainError("decision", f"{decision!r} is not one of: destroy, extend"))
        if not reason.strip():
            problems.append(MissingField("reason", "is required: say why (name the rule)"))
        if problems:
            raise InvalidEntry(problems)
        if decision == EXTEND and not until:
            raise MissingField("until", "is required to extend: the day it is kept until")
        if decision == DESTROY and until:
            raise DomainError("until", "is for extend only; a destroy has no end day")
        if until:
            until = clock.parse_when("until", until)[:10]
            if until <= self._now().date().isoformat():
                raise DomainError("until", f"{until} is not in the future")
        while True:
            decision_id = f"RD-{secrets.token_hex(5).upper()}"
            if self._find_decision(decision_id) is None:
                break
        made = RetentionDecision(
            decision_id=decision_id,
            child_ref=child_ref.strip(),
            agency=agency,
            decision=decision,
            reason=reason.strip(),
            until=until,
            schedule_version=schedule_version,
            by=by,
            at=iso(self._now()),
        )
        self.save(made)
        return _decision_view(made)

    def approve(self, decision_id: str, by: str) -> DecisionView:
        """A second person approves a `destroy`: never the person who decided it."""
        decision = self._get_decision(decision_id)
        if decision.decision != DESTROY:
            raise DomainError(
                "decision_id", f"{decision.decision_id} is an extend: it needs no approval"
            )
        if decision.decided_by.lower() == by.lower():
            raise DomainError(
                "as",
                f"{by!r} decided {decision.decision_id}; a second person must approve it",
            )
        if decision.approved_by:
            raise DomainError(
                "decision_id",
                f"{decision.decision_id} was approved already by {decision.approved_by}",
            )
        decision.approve(by=by, at=iso(self._now()))
        self.save(decision)
        return _decision_view(decision)

    def mark_erased(self, decision_id: str, by: str) -> DecisionView:
        decision = self._get_decision(decision_id)
        if not decision.erased_at:
            decision.carry_out(by=by, at=iso(self._now()))
            self.save(decision)
        return _decision_view(decision)

    def decision(self, decision_id: str) -> DecisionView:
        return _decision_view(self._get_decision(decision_id))

    def decisions(self) -> list[DecisionView]:
        """Every decision as it stands now, oldest first."""
        ids = self._originators(get_topic(RetentionDecision.Decided))
        return [_decision_view(self.repository.get(i)) for i in ids]

    def _find_decision(self, decision_id: str) -> RetentionDecision | None:
        try:
            return self.repository.get(decision_uuid(decision_id))  # type: ignore[no-any-return]
        except AggregateNotFoundError:
            return None

    def _get_decision(self, decision_id: str) -> RetentionDecision:
        wanted = decision_id.strip().upper()
        found = self._find_decision(wanted) if DECISION_ID.match(wanted) else None
        if found is None:
            raise DomainError("decision_id", f"{decision_id!r} is not a retention decision")
        return found

    # Holds ----------------------------------------------------------------------------------

    def place_hold(
        self,
        hold: str,
        basis: str,
        by: str,
        children: Sequence[str] = (),
        agency: str = "",
        everything: bool = False,
        period_from: str = "",
        period_to: str = "",
    ) -> HoldView:
        if not HOLD_NAME.match(hold):
            raise DomainError("hold", f"{hold!r} is not a hold name (letters, digits, .-_)")
        if not basis.strip():
            raise MissingField("basis", "is required: the inquiry, claim or notice that holds it")
        scopes = sum((bool(children), bool(agency), everything))
        if scopes != 1:
            raise DomainError("child", "give exactly one of --child REF..., --agency A or --all")
        if period_from:
            period_from = clock.parse_when("from", period_from)[:10]
        if period_to:
            period_to = clock.parse_when("to", period_to)[:10]
        if period_from and period_to and period_to < period_from:
            raise DomainError("to", f"{period_to} is before --from {period_from}")
        existing = self._find_hold(hold)
        if existing is not None:
            state = "in force" if not existing.lifted_at else f"lifted {existing.lifted_at}"
            raise DomainError("hold", f"{hold!r} exists already ({state}); name a new hold")
        placed = LegalHold(
            hold=hold,
            basis=basis.strip(),
            children=sorted({c.strip() for c in children if c.strip()}),
            agency=agency,
            everything=everything,
            period_from=period_from,
            period_to=period_to,
            by=by,
            at=iso(self._now()),
        )
        self.save(placed)
        return _hold_view(placed)

    def lift_hold(self, hold: str, reason: str, by: str) -> HoldView:
        if not reason.strip():
            raise MissingField("reason", "is required: why the hold ends")
        found = self._find_hold(hold)
        if found is None:
            raise DomainError("hold", f"{hold!r} is not a legal hold")
        if found.lifted_at:
            raise DomainError("hold", f"{found.hold!r} was lifted already ({found.lifted_at})")
        found.lift(reason=reason.strip(), by=by, at=iso(self._now()))
        self.save(found)
        return _hold_view(found)

    def holds(self) -> list[HoldView]:
        """Every hold, in force or lifted, as the store has it now (read afresh every time:
        the check at the moment of erasure must see a hold placed a moment ago)."""
        return [
            _hold_view(self.repository.get(i))
            for i in self._originators(get_topic(LegalHold.Placed))
        ]

    def _find_hold(self, hold: str) -> LegalHold | None:
        try:
            return self.repository.get(hold_uuid(hold))  # type: ignore[no-any-return]
        except AggregateNotFoundError:
            return None

    def _originators(self, topic: str) -> list[UUID]:
        return [n.originator_id for n in notifications(self.recorder, 500, topics=(topic,))]
