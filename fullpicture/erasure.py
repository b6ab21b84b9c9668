"""Erasing a child's record by crypto-shredding, and erasing it again after a restore.

`shred_child` carries out an erasure a person decided and another approved (the policy that
checks the decision and any hold is the caller's, `fullpicture erase`). In this order, so that a
run stopped part-way is finished by running it again (it is idempotent) or by `retention
reapply`: the ledger event first (no personal data), then the child's keys deleted (every copy
of the content, in the store, on `<prefix>.events` and in backups, is unreadable from here on),
the child's rows taken out of every read model (the read models' positions move, so no process
keeps the rows it had in memory), the agency feeds that carried the child's entries told
(`RecordsErased`), and the ledger kept on `<prefix>.erasures`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

from consumers import erasure_notices
from domain.erasures import ChildErased, erasure_uuid
from domain.records import agencies_allowed_to_see, event_record
from fullpicture.bootstrap import Wiring
from projections import chronology, positions
from projections.database import Cursor, ReadModelDatabase
from projections.erasure import erase_child_rows

# The read models' position an erasure moves (kept chronologies are kept per positions).
ERASURE_SOURCE = "erasures"


@dataclass(frozen=True)
class ErasureReport:
    """What was erased where, for the erasure certificate."""

    child_ref: str
    agency: str | None
    decision_id: str
    decided_by: str
    approved_by: str
    erased_at: str
    ledger_id: str
    keys_deleted: int
    read_models_cleared: dict[str, int] = field(default_factory=dict)
    feeds_told: list[str] = field(default_factory=list)
    already_recorded: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def shred_child(
    wiring: Wiring,
    child_ref: str,
    *,
    agency: str | None = None,
    decision_id: str,
    decided_by: str,
    approved_by: str,
) -> ErasureReport:
    """Erase the child's record (with `agency`, only that agency's part of it)."""
    partnership = wiring.partnership
    db = wiring.read_models.db
    carried = feeds_that_carried(db, child_ref, agency) if wiring.kafka is not None else {}
    ledger, new = partnership.record_erasure(
        child_ref, agency or "", decision_id, decided_by, approved_by, sorted(carried)
    )
    keys_deleted = partnership.child_keys.delete(child_ref, agency)
    cleared = clear_read_models(db, child_ref, agency)
    told = list(ledger.feeds_told)
    ledger_id = str(ledger.originator_id)
    if wiring.kafka is not None:
        record = event_record(ledger)
        settings = wiring.kafka.as_service("feeds")
        if carried:
            told = erasure_notices.tell_feeds(settings, ledger_id, record, carried)
        erasure_notices.publish_erasure(settings, ledger_id, record)
    return ErasureReport(
        child_ref=child_ref,
        agency=agency,
        decision_id=decision_id,
        decided_by=ledger.decided_by,
        approved_by=ledger.approved_by,
        erased_at=ledger.erased_at,
        ledger_id=ledger_id,
        keys_deleted=keys_deleted,
        read_models_cleared=cleared,
        feeds_told=told,
        already_recorded=not new,
    )


def feeds_that_carried(
    db: ReadModelDatabase, child_ref: str, agency: str | None
) -> dict[str, list[str]]:
    """Each agency whose feed carried the child's entries (need-to-know, as the feed router
    routes), with those entries."""
    sql = (
        f"SELECT entry_id, agency, to_agencies, imported_for_review FROM {chronology.TABLE} "
        "WHERE child_ref = ?"
    )
    params = [child_ref]
    if agency is not None:
        sql += " AND agency = ?"
        params.append(agency)
    carried: dict[str, list[str]] = defaultdict(list)
    for entry_id, recorder, to_agencies, imported in db.query(sql, params):
        routed = {"agency": recorder, "to_agencies": orjson.loads(to_agencies)}
        routed["imported_for_review"] = imported
        for reader in agencies_allowed_to_see(routed):
            carried[reader].append(entry_id)
    return dict(carried)


def clear_read_models(db: ReadModelDatabase, child_ref: str, agency: str | None) -> dict[str, int]:
    """The child's rows out of every read model, with the erasure position moved in the same
    transaction."""
    cleared: dict[str, int] = {}

    def write(cursor: Cursor) -> None:
        cleared.update(erase_child_rows(cursor, child_ref, agency))
        done = positions.read_position(cursor, ERASURE_SOURCE) or 0
        positions.advance_positions(cursor, {ERASURE_SOURCE: (done + 1, done + 1)})

    db.write_batch(write)
    return cleared


def reapply(wiring: Wiring) -> list[ErasureReport]:
    """Erase again every child in the ledger: the store's, and in distributed mode the
    `<prefix>.erasures` topic's too (an erasure a restored database does not hold is recorded
    in it again). Only keys made before each erasure are deleted: a key made later belongs to
    content recorded after it."""
    partnership = wiring.partnership
    ledger = {str(e.originator_id): e for e in partnership.erasures()}
    if wiring.kafka is not None:
        for record in erasure_notices.read_erasures(wiring.kafka.as_service("feeds")):
            _learn(wiring, ledger, record)
    reports = []
    for ledger_id, erasure in ledger.items():
        agency = erasure.erased_agency or None
        keys_deleted = partnership.child_keys.delete(
            erasure.child_ref, agency, made_before=erasure.erased_at
        )
        cleared = clear_read_models(wiring.read_models.db, erasure.child_ref, agency)
        reports.append(_report(erasure, ledger_id, keys_deleted, cleared))
    return reports


def _learn(wiring: Wiring, ledger: dict[str, ChildErased], record: dict[str, Any]) -> None:
    agency = record["erased_agency"]
    ledger_id = str(erasure_uuid(record["decision_id"], record["child_ref"], agency))
    if ledger_id in ledger:
        return
    erasure, _ = wiring.partnership.record_erasure(
        record["child_ref"],
        agency,
        record["decision_id"],
        record["decided_by"],
        record["approved_by"],
        record["feeds_told"],
        erased_at=record["erased_at"],
    )
    ledger[ledger_id] = erasure


def _report(
    erasure: ChildErased, ledger_id: str, keys_deleted: int, cleared: dict[str, int]
) -> ErasureReport:
    return ErasureReport(
        child_ref=erasure.child_ref,
        agency=erasure.erased_agency or None,
        decision_id=erasure.decision_id,
        decided_by=erasure.decided_by,
        approved_by=erasure.approved_by,
        erased_at=erasure.erased_at,
        ledger_id=ledger_id,
        keys_deleted=keys_deleted,
        read_models_cleared=cleared,
        feeds_told=list(erasure.feeds_told),
        already_recorded=True,
    )
