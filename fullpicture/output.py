"""How the CLI prints data: an aligned table for people, JSON or CSV for programs.

Nothing a user typed is executed on the way out: a CSV cell that a spreadsheet would run as a
formula is neutralised (`spreadsheet_safe`), and a table shows control characters escaped, so a
summary can neither rewrite the terminal nor forge a row.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sys
import textwrap
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
    """Aligned columns; a cell too wide for the terminal wraps inside its column, never cut.

    The first column keeps its full width, so a continuation line always starts blank and
    cannot pass for a row of its own.
    """
    cells = [[terminal_safe(_cell(item.get(c))) for c in columns] for item in items]
    natural = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    widths = fitted_widths(natural, table_width(stream), [len(c) for c in columns])
    for row in [list(columns), *cells]:
        wrapped = [_wrap(v, w) for v, w in zip(row, widths, strict=True)]
        for line in range(max(len(lines) for lines in wrapped)):
            shown = [
                (lines[line] if line < len(lines) else "").ljust(w)
                for lines, w in zip(wrapped, widths, strict=True)
            ]
            stream.write("  ".join(shown).rstrip() + "\n")
    if not items:
        stream.write("(none)\n")


GAP = 2
NARROWEST = 10


def table_width(stream: TextIO) -> int | None:
    """The width to fit: $COLUMNS, else the terminal's; None (no limit) for a pipe or a file."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        if stream.isatty():
            return shutil.get_terminal_size().columns
    except (AttributeError, ValueError):
        pass
    return None


def fitted_widths(
    natural: Sequence[int], limit: int | None, headers: Sequence[int] = ()
) -> list[int]:
    """Column widths within `limit`: every column keeps up to NARROWEST (or its header's width),
    and the room left is shared in proportion to how much more each needs. The first column keeps
    its width."""
    widths = list(natural)
    if limit is None or len(widths) < 2 or sum(widths) + GAP * (len(widths) - 1) <= limit:
        return widths
    floors = list(headers) or [0] * len(widths)
    least = [widths[0]] + [
        min(n, max(NARROWEST, h)) for n, h in zip(natural[1:], floors[1:], strict=True)
    ]
    spare = max(0, limit - GAP * (len(widths) - 1) - sum(least))
    wanted = [n - m for n, m in zip(natural, least, strict=True)]
    total_wanted = max(1, sum(wanted[1:]))
    return [widths[0]] + [
        m + spare * w // total_wanted for m, w in zip(least[1:], wanted[1:], strict=True)
    ]


def _wrap(text: str, width: int) -> list[str]:
    if len(text) <= width:
        return [text]
    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]
