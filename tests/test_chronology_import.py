"""Importing an agency's chronology spreadsheet: all or nothing, row and column named."""

from __future__ import annotations

import csv
import io
import random

import pytest

from domain.application import EntriesRejected, Partnership
from domain.spreadsheet import COLUMNS, parse_chronology_csv
from tests.builders import register_agencies, stored_count


def spreadsheet(rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def synthetic_rows(count: int, seed: int = 7) -> list[dict[str, str]]:
    """Shares, requests and their answers across several agencies and siblings."""
    rng = random.Random(seed)
    agencies = ["police-north", "school-elm", "health-visiting", "csc-north"]
    rows: list[dict[str, str]] = []
    for n in range(count):
        agency = agencies[n % 4]
        other = agencies[(n + 1) % 4]
        child = f"C-{rng.randint(1, 40):04d}"
        day = f"2025-0{rng.randint(1, 5)}-{rng.randint(10, 28)}"
        if n % 3 == 0 and n > 0 and rows[-1]["kind"] == "request":
            asked = rows[-1]
            rows.append(
                {
                    "entry_ref": f"A-{n}",
                    "child_ref": asked["child_ref"],
                    "kind": "response",
                    "occurred_at": "2025-06-01",
                    "agency": asked["to_agencies"],
                    "summary": "Answered with records.",
                    "refers_to": f"{asked['agency']}:{asked['entry_ref']}",
                }
            )
        elif n % 2 == 0:
            rows.append(
                {
                    "entry_ref": f"S-{n}",
                    "child_ref": f"{child};C-9{n % 10:03d}",
                    "kind": "share",
                    "occurred_at": day,
                    "agency": agency,
                    "to_agencies": other,
                    "channel": "secure_email",
                    "summary": "Shared a concern.",
                    "concerns": "neglect",
                    "lawful_basis": "public_task",
                    "consent": "given",
                    "family_informed": "yes",
                    "reason": "So the school can support.",
                }
            )
        else:
            rows.append(
                {
                    "entry_ref": f"R-{n}",
                    "child_ref": child,
                    "kind": "request",
                    "occurred_at": day,
                    "agency": agency,
                    "to_agencies": other,
                    "summary": "Asked for recent contact.",
                    "reason": "Assessment.",
                }
            )
    return rows


@pytest.fixture
def app(embedded_partnership: Partnership) -> Partnership:
    register_agencies(embedded_partnership)
    return embedded_partnership


def import_text(app: Partnership, text: str):  # type: ignore[no-untyped-def]
    return app.record_all(parse_chronology_csv(text))


def test_a_file_with_one_bad_row_records_nothing_and_names_row_and_column(app: Partnership) -> None:
    rows = synthetic_rows(30)
    rows[11]["lawful_basis"] = ""
    rows[11]["kind"] = "share"
    before = stored_count(app)
    with pytest.raises(EntriesRejected) as rejected:
        import_text(app, spreadsheet(rows))
    assert stored_count(app) == before
    assert "row 13, column lawful_basis: is required" in str(rejected.value)


def test_every_problem_in_the_file_is_reported(app: Partnership) -> None:
    rows = synthetic_rows(10)
    rows[0]["occurred_at"] = "yesterday"
    rows[4]["agency"] = "nobody"
    with pytest.raises(EntriesRejected) as rejected:
        import_text(app, spreadsheet(rows))
    reported = {(p.row, p.column) for p in rejected.value.problems}
    assert {(2, "occurred_at"), (6, "agency")} <= reported


def test_an_unknown_column_is_an_error_on_the_header_row(app: Partnership) -> None:
    text = spreadsheet(synthetic_rows(2), COLUMNS).replace("transfer", "favourite_colour", 1)
    with pytest.raises(EntriesRejected) as rejected:
        import_text(app, text)
    assert str(rejected.value.problems[0]) == "row 1, column favourite_colour: unknown column"


def test_optional_columns_may_be_absent(app: Partnership) -> None:
    columns = ("entry_ref", "child_ref", "kind", "occurred_at", "agency", "summary")
    row = {
        "entry_ref": "C-1",
        "child_ref": "C-0001",
        "kind": "concern",
        "occurred_at": "2025-04-01",
        "agency": "school-elm",
        "summary": "Arrived hungry.",
    }
    outcome = import_text(app, spreadsheet([row], columns))
    assert outcome.recorded == ["school-elm:C-1"]


def test_rows_may_refer_to_entries_earlier_in_the_same_file(app: Partnership) -> None:
    rows = synthetic_rows(12)
    assert any(r["kind"] == "response" for r in rows)
    outcome = import_text(app, spreadsheet(rows))
    assert len(outcome.recorded) == 12


def test_reimporting_the_same_file_is_idempotent(app: Partnership) -> None:
    text = spreadsheet(synthetic_rows(20))
    import_text(app, text)
    stored = stored_count(app)
    again = import_text(app, text)
    assert (again.recorded, len(again.unchanged), stored_count(app)) == ([], 20, stored)


def test_a_few_thousand_rows_across_agencies_import_in_embedded_mode(app: Partnership) -> None:
    outcome = import_text(app, spreadsheet(synthetic_rows(3000)))
    assert len(outcome.recorded) == 3000


@pytest.mark.postgres
def test_a_few_thousand_rows_import_into_postgresql(postgres_settings, wiring_for) -> None:  # type: ignore[no-untyped-def]
    app = wiring_for(postgres_settings).partnership
    register_agencies(app)
    rows = synthetic_rows(3000)
    outcome = import_text(app, spreadsheet(rows))
    assert len(outcome.recorded) == 3000
    bad = synthetic_rows(50, seed=99)
    bad[30]["due_by"] = "soon"
    bad[30]["kind"] = "request"
    before = stored_count(app)
    with pytest.raises(EntriesRejected) as rejected:
        import_text(app, spreadsheet(bad))
    assert stored_count(app) == before
    assert "row 32, column due_by" in str(rejected.value)


def test_progress_is_reported_for_each_row(app: Partnership) -> None:
    seen: list[tuple[int, int]] = []
    app.record_all(
        parse_chronology_csv(spreadsheet(synthetic_rows(5))),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen[-1] == (5, 5) and len(seen) == 5


@pytest.mark.postgres
def test_reimporting_into_postgresql_is_idempotent_and_conflicts_are_refused(
    postgres_settings,
    wiring_for,  # type: ignore[no-untyped-def]
) -> None:
    app = wiring_for(postgres_settings).partnership
    register_agencies(app)
    rows = synthetic_rows(200)
    import_text(app, spreadsheet(rows))
    stored = stored_count(app)
    again = import_text(app, spreadsheet(rows))
    assert (again.recorded, len(again.unchanged), stored_count(app)) == ([], 200, stored)
    rows[5]["summary"] = "A different account under the same reference."
    with pytest.raises(EntriesRejected) as rejected:
        import_text(app, spreadsheet(rows))
    assert "row 7, column entry_ref" in str(rejected.value)
    assert stored_count(app) == stored


def test_a_file_with_old_and_new_rows_records_only_the_new(app: Partnership) -> None:
    rows = synthetic_rows(30)
    import_text(app, spreadsheet(rows[:20]))
    outcome = import_text(app, spreadsheet(rows))
    assert (len(outcome.recorded), len(outcome.unchanged)) == (10, 20)
