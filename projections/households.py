"""Adults and who was in a child's household when: the changes as recorded, and membership on a
day worked out from them (world time), so a replay says who lived with the child then."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from domain.households import JOINED, LEFT
from domain.records import EventRecord
from projections.database import Cursor, Query, ReadModelDatabase
from projections.sql import Upsert

ADULTS = "adults"
CHANGES = "household_changes"
CREATE = (
    f"""CREATE TABLE IF NOT EXISTS {ADULTS} (
        adult_ref TEXT PRIMARY KEY, agency TEXT NOT NULL, recorded_at TEXT NOT NULL)""",
    f"""CREATE TABLE IF NOT EXISTS {CHANGES} (
        child_ref TEXT NOT NULL, adult_ref TEXT NOT NULL, change TEXT NOT NULL, day TEXT NOT NULL,
        relationship TEXT NOT NULL, agency TEXT NOT NULL, recorded_at TEXT NOT NULL,
        PRIMARY KEY (child_ref, adult_ref, change, day))""",
    f"CREATE INDEX IF NOT EXISTS {CHANGES}_by_adult ON {CHANGES} (adult_ref)",
)
DROP = (f"DROP TABLE IF EXISTS {ADULTS}", f"DROP TABLE IF EXISTS {CHANGES}")
ADULT_UPSERT = Upsert(ADULTS, ("adult_ref", "agency", "recorded_at"), ("adult_ref",))
CHANGE_COLUMNS = (
    "child_ref",
    "adult_ref",
    "change",
    "day",
    "relationship",
    "agency",
    "recorded_at",
)
CHANGE_UPSERT = Upsert(CHANGES, CHANGE_COLUMNS, CHANGE_COLUMNS[:4])

# The only kinds of record `apply` writes (`ReadModels.apply` hands it no others).
KINDS = ("adult", "household_joined", "household_left")


@dataclass(frozen=True, order=True)
class HouseholdChange:
    day: str
    change: str
    child_ref: str
    adult_ref: str
    relationship: str
    agency: str
    recorded_at: str


@dataclass(frozen=True)
class Member:
    """An adult in a child's household: since `from_date`, until `to_date` ("" while there)."""

    adult_ref: str
    relationship: str
    from_date: str
    to_date: str


def apply(cursor: Cursor, records: Sequence[EventRecord]) -> None:
    adults = [
        (r["adult_ref"], r["agency"], r["recorded_at"]) for r in records if r["kind"] == "adult"
    ]
    changes = [
        (
            r["child_ref"],
            r["adult_ref"],
            JOINED if r["kind"] == "household_joined" else LEFT,
            r.get("from_date") or r.get("on_date") or "",
            r.get("relationship") or "",
            r["agency"],
            r["recorded_at"],
        )
        for r in records
        if r["kind"] in ("household_joined", "household_left")
    ]
    if adults:
        cursor.upsert(ADULT_UPSERT, adults)
    if changes:
        cursor.upsert(CHANGE_UPSERT, changes)


def changes_of(db: ReadModelDatabase, child_ref: str) -> list[HouseholdChange]:
    """Every recorded change of a child's household, in world-time order."""
    rows = db.query(
        f"SELECT day, change, child_ref, adult_ref, relationship, agency, recorded_at "
        f"FROM {CHANGES} WHERE child_ref = ?",
        (child_ref,),
    )
    return sorted(HouseholdChange(*row) for row in rows)


def changes_of_children(query: Query, children: Sequence[str]) -> dict[str, list[HouseholdChange]]:
    """Every recorded change of these children's households (those with any), by child, in
    world-time order: one read by the table's key."""
    if not children:
        return {}
    marks = ", ".join("?" for _ in children)
    rows = query(
        f"SELECT day, change, child_ref, adult_ref, relationship, agency, recorded_at "
        f"FROM {CHANGES} WHERE child_ref IN ({marks})",
        list(children),
    )
    found: dict[str, list[HouseholdChange]] = {}
    for change in sorted(HouseholdChange(*row) for row in rows):
        found.setdefault(change.child_ref, []).append(change)
    return found


def children_with_households(db: ReadModelDatabase) -> list[str]:
    """Every child with a recorded household change."""
    return [r[0] for r in db.query(f"SELECT DISTINCT child_ref FROM {CHANGES} ORDER BY child_ref")]


def changes_about_adults(db: ReadModelDatabase, adult_refs: Sequence[str]) -> list[HouseholdChange]:
    """Every recorded change naming these adults, in any child's household."""
    if not adult_refs:
        return []
    marks = ", ".join("?" for _ in adult_refs)
    rows = db.query(
        f"SELECT day, change, child_ref, adult_ref, relationship, agency, recorded_at "
        f"FROM {CHANGES} WHERE adult_ref IN ({marks})",
        list(adult_refs),
    )
    return sorted(HouseholdChange(*row) for row in rows)


def adults_registered_by(db: ReadModelDatabase, agency: str) -> set[str]:
    rows = db.query(f"SELECT adult_ref FROM {ADULTS} WHERE agency = ?", (agency,))
    return {r[0] for r in rows}


def memberships(
    changes: Iterable[HouseholdChange],
    as_at: str | None = None,
    system_time: str | None = None,
) -> list[Member]:
    """Each stay of an adult in the household, from the changes known by `as_at` (world time,
    the day's end) and recorded by `system_time`; a stay still open at `as_at` has no end."""
    open_stays: dict[str, HouseholdChange] = {}
    stays: list[Member] = []
    for change in sorted(changes):
        if as_at is not None and change.day > as_at[:10]:
            continue
        if system_time is not None and change.recorded_at > system_time:
            continue
        joined = open_stays.get(change.adult_ref)
        if change.change == JOINED and joined is None:
            open_stays[change.adult_ref] = change
        elif change.change == LEFT and joined is not None:
            del open_stays[change.adult_ref]
            stays.append(_member(joined, change.day))
    stays.extend(_member(joined, "") for joined in open_stays.values())
    return sorted(stays, key=lambda m: (m.from_date, m.adult_ref))


def members_on(stays: Iterable[Member], day: str) -> list[Member]:
    """The stays that hold on `day`: from on or before it, not yet ended by it."""
    return [m for m in stays if m.from_date <= day and (not m.to_date or m.to_date > day)]


def _member(joined: HouseholdChange, to_date: str) -> Member:
    return Member(joined.adult_ref, joined.relationship, joined.day, to_date)
