"""How the CLI prints data: an aligned table for people, JSON or CSV for programs.

Nothing a user typed is executed on the way out: a CSV cell that a spreadsheet would run as a
formula is neutralised (`spreadsheet_safe`), and a table shows control characters escaped, so a
summary can neither rewrite the terminal nor forge a row.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

FORMATS = ("table", "json")


def emit(
    items: Sequence[Mapping[str, Any]],
    fmt: str,
    columns: Sequence[str],
    out: TextIO | None = None,
) -> None:
    stream = out or sys.stdout
    if fmt == "json":
        json.dump(list(items), stream, indent=2, ensure_ascii=False)
        stream.write("\n")
    elif fmt == "jsonl":
        for item in items:
            stream.write(json.dumps(item, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        writer = csv.writer(stream)
        writer.writerow(columns)
        writer.writerows([spreadsheet_safe(_cell(item.get(c))) for c in columns] for item in items)
    elif fmt == "row":
        for item in items:
            stream.write("  ".join(terminal_safe(_cell(item.get(c))) for c in columns) + "\n")
    else:
        _table(items, columns, stream)


# A spreadsheet runs a cell starting with one of these as a formula (`=HYPERLINK(…)`, `=cmd|…`).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """A CSV cell a spreadsheet shows as text: a leading `'` where it would start a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def terminal_safe(text: str) -> str:
    """Text for a terminal: control characters (line breaks too) shown escaped, as `\\n`."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _cell(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    return "" if value is None else str(value)


def _table(items: Sequence[Mapping[str, Any]], columns: Sequence[str], stream: TextIO) -> None:
    cells = [[terminal_safe(_cell(item.get(c))) for c in columns] for item in items]
    widths = [
        min(60, max([len(c)] + [len(row[i]) for row in cells])) for i, c in enumerate(columns)
    ]
    stream.write(
        "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip() + "\n"
    )
    for row in cells:
        shown = [
            (v if len(v) <= w else v[: w - 1] + "…").ljust(w)
            for v, w in zip(row, widths, strict=True)
        ]
        stream.write("  ".join(shown).rstrip() + "\n")
    if not items:
        stream.write("(none)\n")
