"""Small-number suppression for published figures: no count of 1-4 is shown, and none can be
worked out from the totals shown beside it.

A cell of 1-4 children or entries can identify a child, so it is shown as `<5` (primary
suppression). A table is published with its row and column totals; a suppressed cell that is
alone in its row would be the row total minus the cells shown, so more cells are hidden
(secondary suppression). The rule used, for a table with its margins:

- view the table with its totals as a bipartite graph, rows (and the totals row) on one side,
  columns (and the totals column) on the other, one edge per suppressed cell;
- a suppressed cell can be worked out from the totals exactly when its edge lies on no cycle
  (the differences around a cycle of hidden cells can be moved freely without changing any total
  shown); so while some suppressed edge is a bridge, hide the cheapest run of further cells that
  closes a cycle through it: fewest cells first, then the smallest sum of values hidden, and
  totals only when no inner cell will do.

Greedy, bridge by bridge: not always the fewest cells in total (that problem is NP-hard), but
every cell hidden is needed for the bridge it closes; tests/test_board_suppression.py checks
the result by linear algebra, independently of this code.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SUPPRESSED = "<5"
SMALLEST_SHOWN = 5
Shown = int | str


def is_small(count: int) -> bool:
    """A count that could identify a child: 1 to 4 (zero identifies no one)."""
    return 0 < count < SMALLEST_SHOWN


def shown_count(count: int) -> Shown:
    """A count on its own (no total beside it): the number, or `<5`."""
    return SUPPRESSED if is_small(count) else count


def rate_is_disclosive(numerator: int, denominator: int) -> bool:
    """A percentage gives its counts away when either part of its base is 1-4: those who did
    (the numerator), those who did not (the rest), or the base itself."""
    return is_small(numerator) or is_small(denominator - numerator) or is_small(denominator)


@dataclass(frozen=True)
class ProtectedTable:
    """A table with its totals as published: `cells[r][c]`, `row_totals[r]`,
    `column_totals[c]` and `grand_total`, each a count or `<5`."""

    cells: list[list[Shown]]
    row_totals: list[Shown]
    column_totals: list[Shown]
    grand_total: Shown
    primary: int
    secondary: int

    @property
    def suppressed(self) -> int:
        return self.primary + self.secondary


def protect(counts: Sequence[Sequence[int]]) -> ProtectedTable:
    """Suppress a table of counts (rows of equal length) published with its totals."""
    rows = len(counts)
    columns = len(counts[0]) if rows else 0
    full = _with_margins(counts, rows, columns)
    hidden = {(r, c) for r in range(rows + 1) for c in range(columns + 1) if is_small(full[r][c])}
    primary = len(hidden)
    while bridge := next(iter(_bridges(hidden, rows + 1, columns + 1)), None):
        hidden |= _cheapest_closing_path(bridge, hidden, full)
    shown = [
        [SUPPRESSED if (r, c) in hidden else full[r][c] for c in range(columns + 1)]
        for r in range(rows + 1)
    ]
    return ProtectedTable(
        cells=[line[:columns] for line in shown[:rows]],
        row_totals=[line[columns] for line in shown[:rows]],
        column_totals=shown[rows][:columns],
        grand_total=shown[rows][columns],
        primary=primary,
        secondary=len(hidden) - primary,
    )


def _with_margins(counts: Sequence[Sequence[int]], rows: int, columns: int) -> list[list[int]]:
    full = [[*line, sum(line)] for line in counts]
    full.append([sum(counts[r][c] for r in range(rows)) for c in range(columns)])
    full[rows].append(sum(full[rows]))
    return full


def _bridges(hidden: Iterable[tuple[int, int]], rows: int, columns: int) -> list[tuple[int, int]]:
    """The hidden cells on no cycle: as (row node, column node), column nodes numbered after
    the rows, in a stable order."""
    graph: dict[int, list[tuple[int, int]]] = {}
    edges = sorted(hidden)
    for index, (r, c) in enumerate(edges):
        graph.setdefault(r, []).append((rows + c, index))
        graph.setdefault(rows + c, []).append((r, index))
    entered: dict[int, int] = {}
    lowest: dict[int, int] = {}
    found: list[tuple[int, int]] = []
    for start in sorted(graph):
        if start in entered:
            continue
        entered[start] = lowest[start] = len(entered)
        stack = [(start, -1, iter(graph[start]))]
        while stack:
            node, via, neighbours = stack[-1]
            step = next(neighbours, None)
            if step is None:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    lowest[parent] = min(lowest[parent], lowest[node])
                    if lowest[node] > entered[parent]:
                        r, c = edges[via]
                        found.append((r, rows + c))
                continue
            other, index = step
            if index == via:
                continue
            if other in entered:
                lowest[node] = min(lowest[node], entered[other])
            else:
                entered[other] = lowest[other] = len(entered)
                stack.append((other, index, iter(graph[other])))
    return sorted(found)


def _cheapest_closing_path(
    bridge: tuple[int, int], hidden: set[tuple[int, int]], full: list[list[int]]
) -> set[tuple[int, int]]:
    """The visible cells to hide so that a path joins the two ends of `bridge` without it:
    a shortest path (fewest cells, then smallest values, totals last) from the row end to the
    column end over the cells, hidden ones costing nothing."""
    rows = len(full)
    columns = len(full[0])
    start, goal = bridge
    largest = sum(map(sum, full)) + 1
    per_cell = largest * (rows + columns + 1)

    def cost(r: int, c: int) -> int:
        if (r, c) in hidden:
            return 0
        is_total = r == rows - 1 or c == columns - 1
        return per_cell + full[r][c] + (largest if is_total else 0)

    best = {start: 0}
    came_from: dict[int, tuple[int, tuple[int, int]]] = {}
    queue = [(0, start)]
    while queue:
        spent, node = heapq.heappop(queue)
        if node == goal:
            break
        if spent > best.get(node, spent):
            continue
        if node < rows:
            steps = [((node, c), rows + c) for c in range(columns)]
        else:
            steps = [((r, node - rows), r) for r in range(rows)]
        for cell, other in steps:
            if cell == (start, goal - rows):
                continue  # the bridge itself
            total = spent + cost(*cell)
            if total < best.get(other, total + 1):
                best[other] = total
                came_from[other] = (node, cell)
                heapq.heappush(queue, (total, other))
    path: set[tuple[int, int]] = set()
    node = goal
    while node != start:
        node, cell = came_from[node]
        path.add(cell)
    return path - hidden
