"""The access log: one immutable event for every read of child-level data (TRUST.md).

A store of its own, so reading a chronology never contends with recording one, and so the log
can be relayed to `<prefix>.audit` on its own.

The log is hash-chained, so a change made behind the application's back (by a database owner,
or to the embedded file) is found: every access is the next position of one chain and carries
the hash of the access before it and its own hash over its content and that link. Two
processes recording at once cannot fork the chain: the store accepts each position once, and
the one refused reads the chain's end again and retries. Accesses recorded before the chain
began (no hash) are outside it.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

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
    # The chain (version 2): the hash of the access before this one ("" for the first) and
    # this access's own hash (`chain_hash`).
    previous_hash: str
    hash: str

    kind = "access"
    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Recorded before the chain began: no link."""
        state["previous_hash"] = state["hash"] = ""

    def apply(self, aggregate: Any) -> None:
        """Nothing to keep: the event is the record."""


# Every chained access is the next version of this one aggregate.
ACCESS_CHAIN = uuid5(NAMESPACE_URL, "fullpicture:access-log-chain")
# A writer refused its position this many times in a row gives up (the store is that busy).
CHAIN_ATTEMPTS = 50


def chain_hash(position: int, previous_hash: str, fields: Mapping[str, Any]) -> str:
    """SHA-256 over the access's position, its link to the one before and every field."""
    content = {name: fields[name] for name in ACCESS_FIELDS} | {
        "child_refs": list(fields["child_refs"])
    }
    canonical = json.dumps(
        {"position": position, "previous_hash": previous_hash, "access": content},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


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


@dataclass(frozen=True)
class BrokenLink:
    """The first place where the chain does not hold: its position and what is wrong there."""

    position: int
    problem: str

    def __str__(self) -> str:
        return f"access {self.position}: {self.problem}"


@dataclass(frozen=True)
class ChainCheck:
    """What `verify` found: how many chained accesses held, and the first broken link."""

    checked: int
    broken: BrokenLink | None


class AccessLog(Application[Any]):
    """Who looked at which child, in which view and scope, and why."""

    name = "AccessLog"
    log_section_size = 1000

    def __init__(
        self, env: Mapping[str, str] | None = None, now: Callable[[], datetime] = clock.system_time
    ) -> None:
        super().__init__(env)
        self._now = now
        self._chain_lock = threading.Lock()
        self._chain_end: tuple[int, str] | None = None  # (position, hash), as last seen

    def record(self, **fields: Any) -> AccessEvent:
        """Record one access as the chain's next link; `at` is stamped here, never given."""
        values = {name: fields.get(name, "") for name in ACCESS_FIELDS}
        values["at"] = iso(self._now())
        values["child_refs"] = list(fields["child_refs"])
        values["break_glass"] = bool(fields.get("break_glass"))
        with self._chain_lock:
            for _ in range(CHAIN_ATTEMPTS):
                position, previous_hash = self._chain_end or self._read_chain_end()
                own_hash = chain_hash(position + 1, previous_hash, values)
                event = AccessRecorded(
                    originator_id=ACCESS_CHAIN,
                    originator_version=position + 1,
                    timestamp=AccessRecorded.create_timestamp(),
                    originator_topic=get_topic(Access),
                    previous_hash=previous_hash,
                    hash=own_hash,
                    **values,
                )
                try:
                    self.save(event)
                except IntegrityError:  # another process took this position first
                    self._chain_end = None
                    continue
                self._chain_end = (position + 1, own_hash)
                return AccessEvent(**{**values, "child_refs": tuple(values["child_refs"])})
        raise ChainBusy(CHAIN_ATTEMPTS)

    def _read_chain_end(self) -> tuple[int, str]:
        last = self.recorder.select_events(ACCESS_CHAIN, desc=True, limit=1)
        if not last:
            return 0, ""
        event = self.mapper.to_domain_event(last[0])
        return event.originator_version, event.hash

    def verify(self, page: int = 1000) -> ChainCheck:
        """Recompute the chain from its first link: every position present, every access's
        content matching its own hash, every link matching the hash of the access before."""
        expected_position, previous_hash = 1, ""
        while True:
            stored = self.recorder.select_events(
                ACCESS_CHAIN, gt=expected_position - 1 or None, limit=page
            )
            if not stored:
                return ChainCheck(expected_position - 1, None)
            for item in stored:
                broken = self._broken_link(item, expected_position, previous_hash)
                if broken is not None:
                    return ChainCheck(expected_position - 1, broken)
                previous_hash = self.mapper.to_domain_event(item).hash
                expected_position += 1

    def _broken_link(self, stored: Any, position: int, previous_hash: str) -> BrokenLink | None:
        if stored.originator_version != position:
            return BrokenLink(position, "is missing (removed from the store)")
        try:
            event = self.mapper.to_domain_event(stored)
        except Exception:  # noqa: BLE001 - whatever the codec or cipher raises: unreadable
            return BrokenLink(position, "cannot be read: its stored content was changed")
        who = f"recorded {event.at} by {event.user}, view {event.view}"
        if event.previous_hash != previous_hash:
            return BrokenLink(
                position, f"({who}) does not link to the access before it: the chain was changed"
            )
        if chain_hash(position, previous_hash, vars(event)) != event.hash:
            return BrokenLink(
                position, f"({who}) does not match its hash: it was changed after it was recorded"
            )
        return None

    def accesses(self) -> Iterator[AccessEvent]:
        """Every recorded access, oldest first."""
        for notification in notifications(self.recorder, self.log_section_size):
            event = self.mapper.to_domain_event(notification)
            yield AccessEvent(
                **{name: getattr(event, name) for name in ACCESS_FIELDS}
                | {"child_refs": tuple(event.child_refs)}
            )


class ChainBusy(Exception):
    """The chain's next position was taken by other writers every time it was tried."""

    def __init__(self, attempts: int) -> None:
        super().__init__(f"the access log was too busy to record an access ({attempts} tries)")
