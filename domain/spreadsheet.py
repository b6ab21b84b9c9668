"""An agency's chronology spreadsheet (CSV) as rows of entry fields, numbered like a spreadsheet.

The header is row 1, so the first entry is row 2. Unknown or missing columns are reported against
row 1 before any row is looked at.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path

from domain.application import EntriesRejected, RowProblem

COLUMNS = (
    "entry_ref",
    "child_ref",
    "kind",
    "occurred_at",
    "recorded_at",
    "agency",
    "practitioner",
    "to_agencies",
    "channel",
    "summary",
    "concerns",
    "significance",
    "lawful_basis",
    "consent",
    "family_informed",
    "reason",
    "child_words",
    "captured_how",
    "refers_to",
    "due_by",
    "transfer",
)
REQUIRED_COLUMNS = ("entry_ref", "child_ref", "kind", "occurred_at", "agency", "summary")
HEADER_ROW = 1

SpreadsheetRow = tuple[int, Mapping[str, str]]


def read_chronology_csv(path: Path) -> list[SpreadsheetRow]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise EntriesRejected(
            [RowProblem(None, "file", f"{path} is not UTF-8 text ({error.reason})")]
        ) from None
    return parse_chronology_csv(text)


def parse_chronology_csv(text: str) -> list[SpreadsheetRow]:
    reader = csv.reader(io.StringIO(text))
    header = [name.strip() for name in next(reader, [])]
    _check_header(header)
    rows: list[SpreadsheetRow] = []
    problems: list[RowProblem] = []
    for row_number, cells in enumerate(reader, start=HEADER_ROW + 1):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            problems.append(
                RowProblem(row_number, "-", f"{len(cells)} cells but {len(header)} columns")
            )
            continue
        values = {name: cell for name, cell in zip(header, cells, strict=False) if cell.strip()}
        rows.append((row_number, values))
    if problems:
        raise EntriesRejected(problems)
    return rows


def _check_header(header: list[str]) -> None:
    problems = [
        RowProblem(HEADER_ROW, name or "(blank)", "unknown column")
        for name in header
        if name not in COLUMNS
    ]
    problems += [
        RowProblem(HEADER_ROW, name, "required column is missing")
        for name in REQUIRED_COLUMNS
        if name not in header
    ]
    duplicates = {name for name in header if header.count(name) > 1}
    problems += [RowProblem(HEADER_ROW, name, "column appears twice") for name in duplicates]
    if problems:
        raise EntriesRejected(problems)
