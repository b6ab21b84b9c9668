"""The access log: one immutable event for every read of child-level data (TRUST.md).

A store of its own, so reading a chronology never contends with recording one, and so the log
can be relayed to `<prefix>.audit` on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import uuid4

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from domain import clock
from domain.notification_log import notifications
from domain.people import iso


class Access(Aggregate):
    """One read by one person; its only event is the record of the read."""


class AccessRecorded(Aggregate.Created):
    at: str
    user: str
    role: str
    agency: str
    child_refs: list[str]
    view: str
    scope: str
    purpose: str
    break_glass: bool
    as_at: str
    known_by: str
    system_time: str

    kind = "access"

    def apply(self, aggregate: Any) -> None:
        """Nothing to keep: the event is the record."""


@dataclass(frozen=True)
class AccessEvent:
    """An access as the `audit` command and the dashboard's Access log page show it."""

    at: str
    user: str
    role: str
    agency: str
    child_refs: tuple[str, ...]
    view: str
    scope: str
    purpose: str
    break_glass: bool
    as_at: str
    known_by: str
    system_time: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "user": self.user,
            "role": self.role,
            "agency": self.agency,
            "child_refs": list(self.child_refs),
            "view": self.view,
            "scope": self.scope,
            "purpose": self.purpose,
            "break_glass": self.break_glass,
            "as_at": self.as_at,
            "known_by": self.known_by,
            "system_time": self.system_time,
        }


ACCESS_FIELDS = tuple(AccessEvent.__dataclass_fields__)


class AccessLog(Application[Any]):
    """Who looked at which child, in which view and scope, and why."""

    name = "AccessLog"
    log_section_size = 1000

    def __init__(
        self, env: Mapping[str, str] | None = None, now: Callable[[], datetime] = clock.system_time
    ) -> None:
        super().__init__(env)
        self._now = now

    def record(self, **fields: Any) -> AccessEvent:
        """Record one access; `at` is stamped here, never given."""
        values = {name: fields.get(name, "") for name in ACCESS_FIELDS}
        values["at"] = iso(self._now())
        values["child_refs"] = list(fields["child_refs"])
        values["break_glass"] = bool(fields.get("break_glass"))
        access = Access._create(AccessRecorded, id=uuid4(), **values)
        self.save(access)
        return AccessEvent(**{**values, "child_refs": tuple(values["child_refs"])})

    def accesses(self) -> Iterator[AccessEvent]:
        """Every recorded access, oldest first."""
        for notification in notifications(self.recorder, self.log_section_size):
            event = self.mapper.to_domain_event(notification)
            yield AccessEvent(
                **{name: getattr(event, name) for name in ACCESS_FIELDS}
                | {"child_refs": tuple(event.child_refs)}
            )
