"""Exports for case reviews: the chronology as CSV, and as a printable HTML document.

User text is never executed: CSV cells that would start a formula are neutralised, and the HTML
escapes everything it shows.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from typing import Any

from fullpicture.output import spreadsheet_safe
from fullpicture.queries import Queries

EXPORT_COLUMNS = (
    "occurred_at",
    "recorded_at",
    "id",
    "agency",
    "kind",
    "summary",
    "concerns",
    "significance",
    "to_agencies",
    "practitioner",
    "child_age",
)


def _cell(value: Any) -> str:
    return "; ".join(map(str, value)) if isinstance(value, list) else str(value or "")


def chronology_csv(entries: Sequence[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows([spreadsheet_safe(_cell(e.get(c))) for c in EXPORT_COLUMNS] for e in entries)
    return out.getvalue()


def chronology_html(
    child: str, entries: Sequence[dict[str, Any]], scope: str, alerts: Sequence[dict[str, Any]]
) -> str:
    """A self-contained page that prints cleanly, for a case review pack."""
    body_rows = "\n".join(
        "<tr>"
        + "".join(f"<td>{html.escape(_cell(e.get(c)))}</td>" for c in EXPORT_COLUMNS)
        + "</tr>"
        for e in entries
    )
    alert_items = "\n".join(
        f"<li><strong>{html.escape(a['pattern'].replace('_', ' '))}</strong>: "
        f"{html.escape(a['explanation'])} (evidence: {html.escape(', '.join(a['evidence']))})</li>"
        for a in alerts
    )
    head = "".join(f"<th>{html.escape(c.replace('_', ' '))}</th>" for c in EXPORT_COLUMNS)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Multi-agency chronology {html.escape(child)}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; width: 100%; font-size: 10pt; }}
th, td {{ border: 1px solid #999; padding: 4px; vertical-align: top; text-align: left; }}
th {{ background: #eee; }}
@media print {{ body {{ margin: 0; }} tr {{ page-break-inside: avoid; }} }}
</style></head><body>
<h1>Multi-agency chronology: {html.escape(child)}</h1>
<p>{html.escape(scope)}. Synthetic, pseudonymous data. {len(entries)} entries.</p>
<h2>Patterns for review</h2><ul>{alert_items or "<li>None.</li>"}</ul>
<h2>Entries</h2>
<table><thead><tr>{head}</tr></thead><tbody>
{body_rows}
</tbody></table></body></html>
"""


Keep = Callable[[Mapping[str, Any]], bool]


def scoped_export(
    queries: Queries, user: str, child: str, asked: Mapping[str, Any], keep: Keep, kind: str
) -> Callable[[], str]:
    """The file a download button builds when it is clicked: read then, through the query layer
    (scope checked again, one access event with view `export`), never from what the page held."""

    def build() -> str:
        result = queries.read_child(user, child, "export", **asked)
        entries = [e for e in (_as_row(entry) for entry in result.entries) if keep(e)]
        if kind == "csv":
            return chronology_csv(entries)
        alerts = [a.as_dict() for a in result.alerts]
        return chronology_html(child, entries, result.scope.describe(), alerts)

    return build


def _as_row(entry: Any) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(entry).items()}
