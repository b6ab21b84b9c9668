"""A child's rows taken out of every read model, as a rebuild after the erasure would leave them.

Crypto-shredding makes the events unreadable; the read models were built from them while they
were readable, so the erasure clears them too: the child's own rows (chronology, voice, transfer
points, date of birth, alerts and alert reviews), and, in rows of entries about siblings, the
child's reference replaced by `ERASED_CHILD` (the sibling's record stays whole). With an agency,
only that agency's part of the child's record goes; the child's alerts are then worked out again
from what remains.
"""

from __future__ import annotations

from typing import Any

import orjson

from domain.sealing import ERASED_CHILD
from projections import (
    alert_reviews,
    alerts,
    children,
    chronology,
    followups,
    requests,
    transfers,
    voice,
)
from projections.database import Cursor
from projections.sql import as_json

# Rows keyed by (child, entry): the child's own copy of each entry.
CHILD_TABLES = (chronology.TABLE, voice.TABLE, transfers.TABLE)
# Rows keyed by entry, listing the children (`child_refs`), and the rows that hang from them.
ENTRY_TABLES = (
    (requests.REQUESTS, "request_id", requests.REPLIES, "request_id"),
    (followups.SHARES, "share_id", followups.FOLLOWUPS, "share_id"),
)


def _mentioning(child_ref: str) -> str:
    """A LIKE pattern for a JSON list holding the reference (`\\` escapes the wildcards)."""
    escaped = child_ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f'%"{escaped}"%'


def erase_child_rows(cursor: Cursor, child_ref: str, agency: str | None = None) -> dict[str, int]:
    """Delete or rewrite the child's rows; returns the rows changed per table."""
    changed: dict[str, int] = {}
    by_agency = " AND agency = ?" if agency is not None else ""
    scope: list[Any] = [agency] if agency is not None else []
    for table in CHILD_TABLES:
        changed[table] = _count(
            cursor, f"DELETE FROM {table} WHERE child_ref = ?{by_agency}", [child_ref, *scope]
        )
    shared = _replace_reference(
        cursor, chronology.TABLE, ("child_ref", "entry_id"), child_ref, by_agency, scope
    )
    changed[chronology.TABLE] += shared
    for table, key, dependent, link in ENTRY_TABLES:
        changed[table] = _replace_or_delete(
            cursor, table, key, dependent, link, child_ref, by_agency, scope
        )
    if agency is None:
        for table in (children.TABLE, alert_reviews.TABLE, alerts.TABLE, alerts.PENDING):
            changed[table] = _count(cursor, f"DELETE FROM {table} WHERE child_ref = ?", [child_ref])
    else:
        changed[alerts.TABLE] = _count(
            cursor, f"DELETE FROM {alerts.TABLE} WHERE child_ref = ?", [child_ref]
        )
        cursor.upsert(alerts.MARK_PENDING, [(child_ref, 1)])  # worked out again from what remains
    return {table: count for table, count in changed.items() if count}


def _count(cursor: Cursor, sql: str, params: list[Any]) -> int:
    cursor.execute(sql + " RETURNING 1", params)
    return len(cursor.fetchall())


def _replace_reference(
    cursor: Cursor,
    table: str,
    key: tuple[str, ...],
    child_ref: str,
    by_agency: str,
    scope: list[Any],
) -> int:
    """In rows listing the child among others, the child's reference replaced."""
    columns = ", ".join(key)
    cursor.execute(
        f"SELECT {columns}, child_refs FROM {table} WHERE child_refs LIKE ? ESCAPE '\\'{by_agency}",
        [_mentioning(child_ref), *scope],
    )
    rows = cursor.fetchall()
    where = " AND ".join(f"{name} = ?" for name in key)
    for row in rows:
        refs = [ERASED_CHILD if c == child_ref else c for c in orjson.loads(row[-1])]
        cursor.execute(
            f"UPDATE {table} SET child_refs = ? WHERE {where}", [as_json(refs), *row[:-1]]
        )
    return len(rows)


def _replace_or_delete(
    cursor: Cursor,
    table: str,
    key: str,
    dependent: str,
    link: str,
    child_ref: str,
    by_agency: str,
    scope: list[Any],
) -> int:
    """An entry about the child alone goes (with its dependent rows); one about siblings too
    keeps its row, with the child's reference replaced."""
    cursor.execute(
        f"SELECT {key}, child_refs FROM {table} WHERE child_refs LIKE ? ESCAPE '\\'{by_agency}",
        [_mentioning(child_ref), *scope],
    )
    rows = cursor.fetchall()
    for entry, listed in rows:
        refs = orjson.loads(listed)
        if all(c in (child_ref, ERASED_CHILD) for c in refs):
            cursor.execute(f"DELETE FROM {table} WHERE {key} = ?", [entry])
            cursor.execute(f"DELETE FROM {dependent} WHERE {link} = ?", [entry])
        else:
            refs = [ERASED_CHILD if c == child_ref else c for c in refs]
            cursor.execute(
                f"UPDATE {table} SET child_refs = ? WHERE {key} = ?", [as_json(refs), entry]
            )
    return len(rows)
