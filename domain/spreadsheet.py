"""An agency's chronology spreadsheet (CSV) as rows of entry fields, numbered like a spreadsheet.

The header is row 1, so the first entry is row 2. Unknown or missing columns are reported against
row 1 before any row is looked at. The CSV is read strictly: a broken quote would otherwise
swallow the rows after it without a word, so it is an error at its row and column. The
`recorded_at` column is when the agency recorded the entry in its own system: it is kept as
`agency_recorded_at`, never as the system's own time. Dates may also be UK `DD/MM/YYYY[ HH:MM]`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path

from domain.application import EntriesRejected, RowProblem
from domain.clock import uk_date_as_iso

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
    "outcome",
)
REQUIRED_COLUMNS = ("entry_ref", "child_ref", "kind", "occurred_at", "agency", "summary")
HEADER_ROW = 1
# The agency's own recording time; FullPicture stamps its own `recorded_at`.
COLUMN_FIELDS = {"recorded_at": "agency_recorded_at"}
DATE_COLUMNS = ("occurred_at", "recorded_at", "due_by")
CSV_PROBLEMS = {
    "unexpected end of data": 'a quote (") opened in this cell is never closed',
    "',' expected after '\"'": (
        "text follows a closing quote: quote the whole cell and double any quote inside it"
    ),
}

SpreadsheetRow = tuple[int, Mapping[str, str]]


def read_chronology_csv(path: Path) -> list[SpreadsheetRow]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise EntriesRejected(
            [RowProblem(None, "file", f"{path} is not UTF-8 text ({error.reason})")]
        ) from None
    except OSError as error:
        raise EntriesRejected(
            [RowProblem(None, "file", f"{path}: cannot be read ({error.strerror})")]
        ) from None
    return parse_chronology_csv(text)


def parse_chronology_csv(text: str) -> list[SpreadsheetRow]:
    reader = csv.reader(io.StringIO(text), strict=True)
    try:
        header = [name.strip() for name in next(reader, [])]
    except csv.Error as error:
        raise EntriesRejected([RowProblem(HEADER_ROW, "-", str(error))]) from None
    _check_header(header)
    rows: list[SpreadsheetRow] = []
    problems: list[RowProblem] = []
    row_number, row_starts_at_line = HEADER_ROW, reader.line_num + 1
    while True:
        row_number += 1
        try:
            cells = next(reader, None)
        except csv.Error as error:
            problems.append(_csv_problem(error, text, row_number, row_starts_at_line, header))
            break
        if cells is None:
            break
        row_starts_at_line = reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            problems.append(
                RowProblem(row_number, "-", f"{len(cells)} cells but {len(header)} columns")
            )
            continue
        rows.append((row_number, _entry_fields(header, cells)))
    if problems:
        raise EntriesRejected(problems)
    return rows


def _entry_fields(header: list[str], cells: list[str]) -> dict[str, str]:
    values = {}
    for name, cell in zip(header, cells, strict=False):
        if cell.strip():
            values[COLUMN_FIELDS.get(name, name)] = (
                uk_date_as_iso(cell) if name in DATE_COLUMNS else cell
            )
    return values


def _csv_problem(
    error: csv.Error, text: str, row: int, first_line: int, header: list[str]
) -> RowProblem:
    """Where the CSV reader gave up, as a row and column a person can find."""
    reason = str(error)
    lines = text.splitlines(keepends=True)
    column = _cell_where_reading_stopped("".join(lines[first_line - 1 :]), csv.field_size_limit())
    name = header[column] if column < len(header) else f"cell {column + 1}"
    if reason.startswith("field larger than field limit"):
        message = f"the cell is longer than {csv.field_size_limit():,} characters"
    else:
        message = CSV_PROBLEMS.get(reason, reason)
    return RowProblem(row, name, f"{message}; nothing was read from here on")


def _cell_where_reading_stopped(text: str, longest: int) -> int:
    """The index of the cell a strict CSV reader stops in: an unclosed quote, text after a
    closing quote, or a cell longer than `longest`."""
    column, cell_start, quoted, closed = 0, 0, False, False
    position = 0
    while position < len(text):
        character = text[position]
        if position - cell_start > longest:
            return column
        if quoted:
            if character == '"' and text[position + 1 : position + 2] == '"':
                position += 1
            elif character == '"':
                quoted, closed = False, True
        elif character == ",":
            column, cell_start, closed = column + 1, position + 1, False
        elif character == '"' and position == cell_start:
            quoted = True
        elif closed or character in "\r\n":
            return column
        position += 1
    return column


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
