"""Small-number suppression as a property: over generated tables and generated partnerships, no
count shown is 1-4, every count shown is the true one, and no suppressed cell can be worked out
from the totals shown.

"Worked out" is checked here independently of the suppression code: with linear algebra over the
table's equations (each row and column adds up to its total), a hidden cell is recoverable
exactly when its unit vector lies in the row space of the equations on the hidden cells.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import numpy as np
import pytest

from consumers.store_feed import catch_up
from fullpicture import config
from fullpicture.bootstrap import Wiring
from fullpicture.config import load_settings
from fullpicture.tools.demo import register_demo_people
from fullpicture.tools.synthetic import generate_partnership, record_partnership
from projections.board_figures import Cohort
from projections.suppression import SUPPRESSED, protect

TODAY = date(2026, 6, 30)
Grid = list[list[Any]]


def recoverable(shown: Grid) -> list[tuple[int, int]]:
    """The hidden cells of a table shown with its margins (last row and column) that the
    equations fix, by rank: appending a hidden cell's unit vector leaves the rank unchanged."""
    rows, columns = len(shown), len(shown[0])
    hidden = [(r, c) for r in range(rows) for c in range(columns) if shown[r][c] == SUPPRESSED]
    if not hidden:
        return []
    index = {cell: k for k, cell in enumerate(hidden)}
    equations = []
    for r in range(rows):
        line = [(r, c, -1 if c == columns - 1 else 1) for c in range(columns)]
        equations.append(line)
    for c in range(columns):
        equations.append([(r, c, -1 if r == rows - 1 else 1) for r in range(rows)])
    matrix = np.zeros((len(equations), len(hidden)))
    for e, line in enumerate(equations):
        for r, c, sign in line:
            if (r, c) in index:
                matrix[e, index[(r, c)]] = sign
    rank = np.linalg.matrix_rank(matrix)
    found = []
    for cell, k in index.items():
        unit = np.zeros((1, len(hidden)))
        unit[0, k] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.append(cell)
    return found


def with_margins(cells: Grid, row_totals: list[Any], column_totals: list[Any], grand: Any) -> Grid:
    return [
        *([*line, t] for line, t in zip(cells, row_totals, strict=True)),
        [*column_totals, grand],
    ]


def true_with_margins(counts: list[list[int]]) -> list[list[int]]:
    full = [[*line, sum(line)] for line in counts]
    columns = len(counts[0])
    full.append([sum(line[c] for line in counts) for c in range(columns)])
    full[-1].append(sum(full[-1]))
    return full


def generated_table(rng: random.Random) -> list[list[int]]:
    rows, columns = rng.randint(1, 7), rng.randint(1, 7)
    small = rng.random()
    return [
        [
            rng.randint(1, 4) if rng.random() < small else rng.choice((0, rng.randint(5, 60)))
            for _ in range(columns)
        ]
        for _ in range(rows)
    ]


@pytest.mark.parametrize("seed", range(300))
def test_a_generated_table_shows_no_small_count_and_hides_none_that_totals_give_away(
    seed: int,
) -> None:
    counts = generated_table(random.Random(seed))
    table = protect(counts)
    shown = with_margins(table.cells, table.row_totals, table.column_totals, table.grand_total)
    truth = true_with_margins(counts)
    for line, true_line in zip(shown, truth, strict=True):
        for value, true_value in zip(line, true_line, strict=True):
            assert value in (SUPPRESSED, true_value)
            assert value == SUPPRESSED or not 0 < value < 5
            if 0 < true_value < 5:
                assert value == SUPPRESSED
    assert recoverable(shown) == []
    assert table.suppressed == sum(v == SUPPRESSED for line in shown for v in line)


def test_a_lone_small_cell_is_hidden_with_the_fewest_cells_that_close_a_cycle() -> None:
    table = protect([[3, 10, 12], [20, 0, 7], [8, 9, 30]])
    assert table.primary == 1
    assert table.secondary == 3  # a 2x2 block: the fewest that hide one inner cell
    assert table.row_totals == [25, 27, 47] and table.grand_total == 99


def test_a_table_with_nothing_small_is_shown_whole() -> None:
    table = protect([[5, 0], [7, 9]])
    assert table.suppressed == 0
    assert table.cells == [[5, 0], [7, 9]]


def test_the_independent_check_finds_a_cell_that_totals_give_away() -> None:
    # Only one cell hidden in its row: the row total minus the other gives it.
    assert recoverable([[SUPPRESSED, 10, 13], [20, 5, 25], [23, 15, 38]]) == [(0, 0)]


@pytest.fixture(scope="module", params=[11, 23, 37], ids=lambda seed: f"seed-{seed}")
def partnership(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Wiring]:
    wiring = Wiring(
        load_settings({config.STATE_DIR: str(tmp_path_factory.mktemp("board") / "state")}),
        now=lambda: datetime(2026, 6, 30, 12, 0),
    )
    record_partnership(
        wiring.partnership, generate_partnership(children=25, seed=request.param, today=TODAY)
    )
    catch_up(wiring.partnership, wiring.read_models)
    register_demo_people(wiring)
    yield wiring
    wiring.close()


def published_tables(figures: dict[str, Any]) -> list[Grid]:
    """The report's tables rebuilt with their margins from its JSON."""
    months = [t["month"] for t in figures["entry_totals"]["by_month"]]
    patterns = sorted({r["pattern"] for r in figures["patterns_by_month"]}, key=str)
    pattern_order = list(dict.fromkeys(r["pattern"] for r in figures["patterns_by_month"]))
    assert sorted(pattern_order) == patterns
    totals = {(t["month"], t["pattern"]): t for t in figures["pattern_totals"]}
    cells = {(r["month"], r["pattern"]): r for r in figures["patterns_by_month"]}
    grids = []
    for measure in ("raised", "resolved"):
        grid = [
            [cells[(m, p)][measure] for p in pattern_order] + [totals[(m, "all patterns")][measure]]
            for m in months
        ]
        grid.append(
            [totals[("all months", p)][measure] for p in pattern_order]
            + [totals[("all months", "all patterns")][measure]]
        )
        grids.append(grid)
    agencies = [t["agency"] for t in figures["entry_totals"]["by_agency"]]
    entries = {(r["month"], r["agency"]): r["entries"] for r in figures["entries_by_month"]}
    grid = [
        [entries[(m, a)] for a in agencies] + [figures["entry_totals"]["by_month"][i]["entries"]]
        for i, m in enumerate(months)
    ]
    grid.append(
        [t["entries"] for t in figures["entry_totals"]["by_agency"]]
        + [figures["entry_totals"]["all"]]
    )
    grids.append(grid)
    return grids


def counts_in(value: Any) -> Iterator[int]:
    if isinstance(value, dict):
        for inner in value.values():
            yield from counts_in(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from counts_in(inner)
    elif isinstance(value, int) and not isinstance(value, bool):
        yield value


@pytest.mark.parametrize(
    "cohort",
    [
        Cohort(date(2025, 7, 1), date(2026, 6, 30)),
        Cohort(date(2026, 1, 1), date(2026, 6, 30), agency="school-elm"),
        Cohort(date(2025, 1, 1), date(2026, 6, 30), age_band="10 to 15"),
        Cohort(date(2025, 1, 1), date(2026, 6, 30), concern="neglect"),
    ],
    ids=["year", "one-agency", "age-band", "concern"],
)
def test_no_board_figure_of_a_generated_partnership_is_small_or_recoverable(
    partnership: Wiring, cohort: Cohort
) -> None:
    figures = partnership.queries.board_figures("analyst", cohort).as_json()
    days = ("answer_days_median", "answer_days_p90")  # days, not counts of anyone
    rows = [{k: v for k, v in row.items() if k not in days} for row in figures["agencies"]]
    for count in counts_in({**figures, "agencies": rows}):
        assert not 0 < count < 5, count
    for grid in published_tables(figures):
        assert recoverable(grid) == []
