"""The parts of children's records, as the retention schedule sees them: for each (child, agency
that recorded about the child), the days of its entries and their structure (kind, concerns,
significance, transfer type), and the child's date of birth. Read from the chronology; no words
of any entry are read."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from domain.retention_schedule import EntryShape, RecordPart
from projections.children import TABLE as CHILD_DETAILS
from projections.chronology import TABLE as CHRONOLOGY
from projections.chronology import listed
from projections.database import ReadModelDatabase

ENTRY_ROWS = (
    f"SELECT child_ref, agency, occurred_at, kind, concerns, significance, transfer "
    f"FROM {CHRONOLOGY}"
)
BIRTHS = f"SELECT child_ref, date_of_birth FROM {CHILD_DETAILS}"


def record_parts(
    db: ReadModelDatabase,
    agency_types: Mapping[str, str],
    child_ref: str | None = None,
) -> list[RecordPart]:
    """Every part (or one child's), by child then agency; `agency_types` maps an agency's code
    to its registered type ("other" when unknown). One pass over the rows, unsorted (sorting
    and joining in SQL doubled the query's time: 2,000 children, 200,000 rows: 1.9 s against
    0.9 s); each distinct shape is made once."""
    where, params = ("", []) if child_ref is None else (" WHERE child_ref = ?", [child_ref])
    days: dict[tuple[str, str], list[str]] = defaultdict(list)
    shapes: dict[tuple[str, str], set[tuple[str, str, str, str]]] = defaultdict(set)
    for child, agency, occurred_at, *shape in db.query(ENTRY_ROWS + where, params):
        days[(child, agency)].append(occurred_at[:10])
        shapes[(child, agency)].add(tuple(shape))
    made = {
        key: EntryShape(key[0], listed(key[1]), key[2], key[3])
        for key in set().union(*shapes.values())
    }
    born = dict(db.query(BIRTHS + where, params))
    return [
        RecordPart(
            child_ref=child,
            agency=agency,
            agency_type=agency_types.get(agency, "other"),
            date_of_birth=born.get(child),
            entry_days=tuple(sorted(days[(child, agency)])),
            shapes=frozenset(made[key] for key in shapes[(child, agency)]),
        )
        for child, agency in sorted(days)
    ]
