"""Recently read children's chronology rows, kept while nothing new has been projected.

A dashboard reads the same child again on every interaction, and a long chronology costs more
to fetch and decode than to show (5,000 entries: ~10 ms of its ~20). The rows are kept with the
read models' positions as they stood before they were read: the rows change only in a
transaction that also moves a position (`projections.read_models`), and positions only grow, so
rows kept under unchanged positions are exactly what the database holds (a rebuild empties the
positions first). Nothing is kept while no position is stored. Every read still decides its
scope and records its access event first (the query layer); this only saves the database trip
and the decoding.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from projections import positions
from projections.chronology import ChildRows, child_rows
from projections.database import ReadModelDatabase, Row

# At most this many rows in all (a 5,000-entry child: ~3 MB); the least recently read child goes
# first, and a child longer than the whole budget is never kept.
ROW_BUDGET = 100_000


class KeptChronologies:
    def __init__(self, row_budget: int = ROW_BUDGET) -> None:
        self._row_budget = row_budget
        self._kept: OrderedDict[str, tuple[tuple[Row, ...], ChildRows]] = OrderedDict()
        self._lock = threading.Lock()

    def rows(self, db: ReadModelDatabase, child_ref: str) -> ChildRows:
        """The child's rows and date of birth, from memory when nothing was projected since."""
        projected = tuple(sorted(db.query(f"SELECT source, position FROM {positions.TABLE}")))
        with self._lock:
            kept = self._kept.get(child_ref)
            if kept is not None and kept[0] == projected:
                self._kept.move_to_end(child_ref)
                return kept[1]
        read = child_rows(db, child_ref)
        if projected:
            with self._lock:
                self._kept[child_ref] = (projected, read)
                self._kept.move_to_end(child_ref)
                self._evict()
        return read

    def _evict(self) -> None:
        total = sum(len(rows) for _, (rows, _born) in self._kept.values())
        while total > self._row_budget and self._kept:
            _, (_, (rows, _born)) = self._kept.popitem(last=False)
            total -= len(rows)
