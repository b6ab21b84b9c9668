"""The parts of children's records, as the retention schedule sees them: for each (child, agency
that recorded about the child), the days of its entries and their structure (kind, concerns,
significance, transfer type), and the child's date of birth. Read from the chronology; no words
of any entry are read."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import groupby

from domain.retention_schedule import EntryShape, RecordPart
from projections.children import TABLE as CHILD_DETAILS
from projections.chronology import TABLE as CHRONOLOGY
from projections.chronology import listed
from projections.database import ReadModelDatabase

PART_ROWS = (
    f"SELECT c.child_ref, c.agency, c.occurred_at, c.kind, c.concerns, c.significance, "
    f"c.transfer, d.date_of_birth FROM {CHRONOLOGY} c "
    f"LEFT JOIN {CHILD_DETAILS} d ON d.child_ref = c.child_ref"
)


def record_parts(
    db: ReadModelDatabase,
    agency_types: Mapping[str, str],
    child_ref: str | None = None,
) -> Iterator[RecordPart]:
    """Every part (or one child's), by child then agency; `agency_types` maps an agency's code
    to its registered type ("other" when unknown)."""
    sql, params = PART_ROWS, []
    if child_ref is not None:
        sql, params = f"{sql} WHERE c.child_ref = ?", [child_ref]
    rows = db.query(f"{sql} ORDER BY c.child_ref, c.agency", params)
    for (child, agency), part_rows in groupby(rows, key=lambda row: (row[0], row[1])):
        found = list(part_rows)
        yield RecordPart(
            child_ref=child,
            agency=agency,
            agency_type=agency_types.get(agency, "other"),
            date_of_birth=found[0][7],
            entry_days=tuple(sorted(r[2][:10] for r in found)),
            shapes=frozenset(EntryShape(r[3], listed(r[4]), r[5], r[6]) for r in found),
        )
