"""Children's NHS numbers and agencies' own ids for them, as recorded (personal data: read only
through the query layer, in the reader's scope)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.records import EventRecord
from projections.database import Cursor, ReadModelDatabase
from projections.sql import Upsert

NUMBERS = "nhs_numbers"
ALIASES = "child_aliases"
CREATE = (
    f"""CREATE TABLE IF NOT EXISTS {NUMBERS} (
        person TEXT NOT NULL, person_ref TEXT NOT NULL, nhs_number TEXT NOT NULL,
        agency TEXT NOT NULL, recorded_at TEXT NOT NULL, PRIMARY KEY (person, person_ref))""",
    f"""CREATE TABLE IF NOT EXISTS {ALIASES} (
        child_ref TEXT NOT NULL, agency TEXT NOT NULL, local_id TEXT NOT NULL,
        recorded_at TEXT NOT NULL, PRIMARY KEY (child_ref, agency, local_id))""",
)
DROP = (f"DROP TABLE IF EXISTS {NUMBERS}", f"DROP TABLE IF EXISTS {ALIASES}")
NUMBER_UPSERT = Upsert(
    NUMBERS,
    ("person", "person_ref", "nhs_number", "agency", "recorded_at"),
    ("person", "person_ref"),
)
ALIAS_UPSERT = Upsert(
    ALIASES, ("child_ref", "agency", "local_id", "recorded_at"), ("child_ref", "agency", "local_id")
)

# The only kinds of record `apply` writes (`ReadModels.apply` hands it no others).
KINDS = ("nhs_number", "alias")


@dataclass(frozen=True)
class ChildAlias:
    agency: str
    local_id: str
    recorded_at: str


def apply(cursor: Cursor, records: Sequence[EventRecord]) -> None:
    numbers = [
        (
            "child" if r["child_ref"] else "adult",
            r["child_ref"] or r["adult_ref"],
            r["nhs_number"],
            r["agency"],
            r["recorded_at"],
        )
        for r in records
        if r["kind"] == "nhs_number"
    ]
    aliases = [
        (r["child_ref"], r["agency"], r["local_id"], r["recorded_at"])
        for r in records
        if r["kind"] == "alias"
    ]
    if numbers:
        cursor.upsert(NUMBER_UPSERT, numbers)
    if aliases:
        cursor.upsert(ALIAS_UPSERT, aliases)


def nhs_number_of(db: ReadModelDatabase, person: str, person_ref: str) -> str:
    rows = db.query(
        f"SELECT nhs_number FROM {NUMBERS} WHERE person = ? AND person_ref = ?",
        (person, person_ref),
    )
    return str(rows[0][0]) if rows else ""


def aliases_of(
    db: ReadModelDatabase, child_ref: str, agency: str | None = None
) -> list[ChildAlias]:
    """A child's agency-local ids, in agency then id order (only one agency's, if named)."""
    sql = f"SELECT agency, local_id, recorded_at FROM {ALIASES} WHERE child_ref = ?"
    params = [child_ref]
    if agency is not None:
        sql += " AND agency = ?"
        params.append(agency)
    rows = db.query(sql, params)
    return sorted(ChildAlias(r[0], r[1], r[2]) for r in rows)


def has_identifiers(db: ReadModelDatabase, child_ref: str) -> bool:
    """Whether any NHS number or agency's own id is recorded for the child."""
    return bool(
        db.query(f"SELECT 1 FROM {ALIASES} WHERE child_ref = ? LIMIT 1", (child_ref,))
        or db.query(
            f"SELECT 1 FROM {NUMBERS} WHERE person = 'child' AND person_ref = ? LIMIT 1",
            (child_ref,),
        )
    )


def recorded_by(db: ReadModelDatabase, child_ref: str, agency: str) -> bool:
    """Whether the agency recorded an NHS number or an id of its own for the child."""
    return bool(
        db.query(
            f"SELECT 1 FROM {ALIASES} WHERE child_ref = ? AND agency = ? LIMIT 1",
            (child_ref, agency),
        )
        or db.query(
            f"SELECT 1 FROM {NUMBERS} WHERE person = 'child' AND person_ref = ? AND agency = ? "
            "LIMIT 1",
            (child_ref, agency),
        )
    )
