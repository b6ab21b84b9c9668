"""Review packs, for the CLI's export and the dashboard's: a child's chronology as CSV, as a
printable HTML document, and as a PDF.

The HTML pack (and the PDF printed from it by Chromium) carries the protective marking on every
page, who generated it and when, the scope, page numbers, the child header, the child's voice,
the alerts with their evidence, who knew what when, and the chronology grouped by date with
agency names and each entry's id (as alerts cite them). Dates are UK dates.

User text is never executed: CSV cells that would start a formula are neutralised, and the HTML
escapes everything it shows (and the PDF is printed in a browser profile that blocks JavaScript).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from html import escape
from itertools import groupby
from pathlib import Path
from typing import Any

from domain.errors import DomainError
from fullpicture.output import spreadsheet_safe
from fullpicture.presentation import KIND_STYLE, agency_name, uk_date, uk_dates_in, uk_when
from fullpicture.queries import Queries, ScopedChronology
from projections.chronology import LAWFUL_BASIS_NOT_RECORDED

PROTECTIVE_MARKING = "OFFICIAL-SENSITIVE"
EXPORT_KINDS = ("csv", "html", "pdf")
MIME_TYPES = {"csv": "text/csv", "html": "text/html", "pdf": "application/pdf"}
CHROMIUM = "chromium"  # Debian's, installed by scripts/browser.sh
PRINT_TIMEOUT_S = 120
BLOCK = 2  # Chromium's content setting value for "blocked"
NO_PROXY_THERE = "http://127.0.0.1:9"  # the discard port: nothing answers there

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
    "channel",
    "lawful_basis",
    "consent",
    "family_informed",
    "reason",
    "recorded_by",
    "imported_for_review",
)
DATED_COLUMNS = ("occurred_at", "recorded_at")
# Columns whose cell is a value said in words: a gap in a disclosure, or where it comes from.
SHOWN_AS = {"lawful_basis": "lawful_basis_shown"}

Keep = Callable[[Mapping[str, Any]], bool]


def _cell(value: Any) -> str:
    return "; ".join(map(str, value)) if isinstance(value, list) else str(value or "")


def chronology_csv(entries: Sequence[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(
        [
            spreadsheet_safe(
                uk_when(_cell(e.get(c))) if c in DATED_COLUMNS else _cell(e.get(SHOWN_AS.get(c, c)))
            )
            for c in EXPORT_COLUMNS
        ]
        for e in entries
    )
    return out.getvalue()


def as_row(entry: Any) -> dict[str, Any]:
    """An entry as a plain dict (tuples as lists), for tables and files, with its lawful basis
    as a reader should see it."""
    row = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(entry).items()}
    row["lawful_basis_shown"] = entry.lawful_basis_shown()
    row["how_and_why"] = how_and_why(entry)
    return row


def how_and_why(entry: Any) -> str:
    """What an entry states about how and why it was shared, in words: the channel, the
    decision (a gap in it said as such, a follow-up's inherited parts marked) and the reason."""
    parts = []
    if entry.channel:
        parts.append(f"by {_words(entry.channel)}")
    if entry.lawful_basis_status == "not recorded":
        parts.append(LAWFUL_BASIS_NOT_RECORDED)
    elif entry.lawful_basis:
        parts.append(
            f"lawful basis: {_words(entry.lawful_basis)}{_inherited(entry, 'lawful_basis')}"
        )
    for name, label in (("consent", "consent"), ("family_informed", "family told")):
        value = getattr(entry, name)
        if value:
            parts.append(f"{label}: {_words(value)}{_inherited(entry, name)}")
    if entry.transfer:
        parts.append(_words(entry.transfer))
    if entry.reason:
        parts.append(f"why: {entry.reason}")
    return "; ".join(parts)


def _words(code: str) -> str:
    return code.replace("_", " ")


def _inherited(entry: Any, name: str) -> str:
    return " (inherited from the share)" if name in entry.inherited else ""


def page_style(footer: str, marking: str = PROTECTIVE_MARKING) -> str:
    """The print style: the marking at the top of every page, who and when and the page number
    at the bottom (CSS page-margin boxes, which Chromium prints)."""
    return f"""
@page {{
  size: A4; margin: 22mm 12mm 20mm 12mm;
  @top-center {{ content: "{_css_string(marking)}"; font: bold 11pt sans-serif; color: #000; }}
  @bottom-left {{ content: "{_css_string(footer)}"; font: 8pt sans-serif; }}
  @bottom-right {{ content: "Page " counter(page) " of " counter(pages); font: 8pt sans-serif; }}
}}
body {{ font-family: sans-serif; margin: 2em; font-size: 10pt; color: #111; }}
.marking {{ text-align: center; font-weight: bold; letter-spacing: .05em; }}
table {{ border-collapse: collapse; width: 100%; margin-bottom: 1em; }}
th, td {{ border: 1px solid #999; padding: 3px 4px; vertical-align: top; text-align: left; }}
th {{ background: #eee; }}
.id {{ font-family: monospace; font-size: 8pt; white-space: nowrap; }}
.kind {{ font-weight: bold; }}
h3 {{ margin: 1em 0 .2em; break-after: avoid; }}
@media print {{ body {{ margin: 0; }} .marking {{ display: none; }} tr {{ break-inside: avoid; }} }}
"""


def _css_string(text: str) -> str:
    """Text safe inside a CSS string in a style element: anything but plain characters escaped."""
    return "".join(c if c.isalnum() or c in " .:/-_" else f"\\{ord(c):x} " for c in text)


def review_pack_html(
    read: ScopedChronology,
    names: Mapping[str, str],
    generated_by: str,
    generated_at: str,
    keep: Keep = lambda entry: True,
) -> str:
    """A self-contained page that prints cleanly, for a case review pack."""
    child = read.scope.child_ref
    entries = [e for e in read.entries if keep(as_row(e))]
    generated = f"Generated by {generated_by} at {uk_when(generated_at)}"
    parts = [
        f"<p class='marking'>{PROTECTIVE_MARKING}</p>",
        f"<h1>Multi-agency chronology: {escape(child)}</h1>",
        f"<p>Scope: {escape(uk_dates_in(read.scope.describe()))}. {len(entries)} entries.</p>",
        f"<p>{escape(generated)}. Synthetic, pseudonymous data.</p>",
        _header_html(read, names),
        _voice_html(read, names),
        _alerts_html(read, names),
        _knowledge_html(read, names),
        "<h2>Chronology</h2>",
        _chronology_html(entries, names),
    ]
    return (
        "<!doctype html>\n<html lang='en-GB'><head><meta charset='utf-8'>"
        f"<title>{PROTECTIVE_MARKING} — chronology {escape(child)}</title>"
        f"<style>{page_style(generated)}</style>"
        "</head><body>\n" + "\n".join(parts) + "\n</body></html>\n"
    )


def _names(names: Mapping[str, str], codes: Sequence[str]) -> str:
    return ", ".join(escape(agency_name(names, c)) for c in codes) or "none"


def _header_html(read: ScopedChronology, names: Mapping[str, str]) -> str:
    header = read.header
    born = (
        f"{uk_date(header.date_of_birth)} (age {escape(header.age)})"
        if header.date_of_birth
        else "not recorded"
    )
    gaps = "; ".join(
        escape(f"{a.pattern.replace('_', ' ')}: {a.explanation}") for a in header.practice_gaps
    )
    rows = (
        ("Child", escape(header.child_ref)),
        ("Date of birth", born),
        ("Siblings (children who share entries)", escape(", ".join(header.siblings) or "none")),
        ("Agencies involved", _names(names, header.agencies)),
        ("Open practice gaps", gaps or "none"),
    )
    cells = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f"<h2>The child</h2><table>{cells}</table>"


def _voice_html(read: ScopedChronology, names: Mapping[str, str]) -> str:
    if not read.voice:
        return "<h2>The child's voice</h2><p>The child's voice is not recorded in this scope.</p>"
    items = "".join(
        f"<li>“{escape(v.entry.child_words)}” — {escape(v.entry.captured_how)}; heard by "
        f"{escape(v.heard_by)} ({escape(agency_name(names, v.entry.agency))}) on "
        f"{uk_when(v.entry.occurred_at)} <span class='id'>{escape(v.entry.entry_id)}</span></li>"
        for v in read.voice
    )
    return f"<h2>The child's voice</h2><ul>{items}</ul>"


def _alerts_html(read: ScopedChronology, names: Mapping[str, str]) -> str:
    by_id = {e.id: e for e in read.entries}
    items = []
    for alert in read.alerts:
        evidence = "".join(
            f"<li><span class='id'>{escape(i)}</span> {uk_when(by_id[i].occurred_at)} "
            f"{escape(agency_name(names, by_id[i].agency))}: {escape(by_id[i].summary)}</li>"
            for i in alert.evidence
            if i in by_id
        )
        items.append(
            f"<li><strong>{escape(alert.pattern.replace('_', ' '))}</strong> "
            f"({escape(alert.severity)}, first raised {uk_date(alert.first_raised)}): "
            f"{escape(alert.explanation)}<ul>{evidence}</ul></li>"
        )
    return f"<h2>Patterns for review</h2><ul>{''.join(items) or '<li>None.</li>'}</ul>"


def _knowledge_html(read: ScopedChronology, names: Mapping[str, str]) -> str:
    view = read.knowledge
    if not view.entries:
        return "<h2>Who knew what, when</h2><p>No significant entries in this scope.</p>"
    head = "".join(f"<th>{escape(agency_name(names, a))}</th>" for a in view.agencies)
    rows = []
    for entry in view.entries:
        cells = []
        for agency in view.agencies:
            learned = view.cell(agency, entry.id)
            cells.append(
                f"<td>{learned.how} {uk_when(learned.at)}</td>" if learned.how else "<td>never</td>"
            )
        rows.append(
            f"<tr><td>{uk_when(entry.occurred_at)} {escape(entry.kind)}<br>"
            f"<span class='id'>{escape(entry.id)}</span></td>{''.join(cells)}</tr>"
        )
    return (
        "<h2>Who knew what, when</h2><table><thead><tr><th>entry</th>"
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _chronology_html(entries: Sequence[Any], names: Mapping[str, str]) -> str:
    parts = []
    for day, on_day in groupby(entries, key=lambda e: e.occurred_at[:10]):
        rows = "".join(
            "<tr>"
            f"<td>{escape(e.occurred_at[11:16])}</td>"
            f"<td>{escape(agency_name(names, e.agency))}</td>"
            f"<td class='kind' style='color: {KIND_STYLE.get(e.kind, ('#111',))[0]}'>"
            f"{escape(e.kind)}</td>"
            f"<td>{escape(e.summary)}</td>"
            f"<td>{escape(e.significance)}</td>"
            f"<td>{_names(names, e.to_agencies) if e.to_agencies else ''}</td>"
            f"<td>{escape(e.practitioner)}</td>"
            f"<td>{escape(e.recorded_by_shown())}</td>"
            f"<td>{escape(how_and_why(e))}</td>"
            f"<td>{escape(e.child_age)}</td>"
            f"<td class='id'>{escape(e.id)}</td>"
            "</tr>"
            for e in on_day
        )
        parts.append(
            f"<h3>{uk_date(day)}</h3><table><thead><tr><th>time</th><th>agency</th><th>kind</th>"
            "<th>summary</th><th>significance</th><th>to</th><th>practitioner</th>"
            "<th>recorded by</th><th>how and why</th><th>child's age</th>"
            f"<th>id</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    return "\n".join(parts) or "<p>No entries.</p>"


class PdfUnavailable(DomainError):
    def __init__(self, reason: str) -> None:
        super().__init__("format", f"pdf: {reason}")


def pdf_of(html: str) -> bytes:
    """The page printed to PDF by headless Chromium (no network, no JavaScript)."""
    chromium = shutil.which(CHROMIUM) or shutil.which("chromium-browser")
    if chromium is None:
        raise PdfUnavailable("Chromium is not installed (scripts/browser.sh installs it)")
    with tempfile.TemporaryDirectory(prefix="fullpicture-pdf-") as work:
        page, pdf = Path(work) / "pack.html", Path(work) / "pack.pdf"
        page.write_text(html, encoding="utf-8")
        _profile_without_javascript(Path(work) / "profile")
        printed = subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                # Every http(s) request goes to a proxy that is not there, loopback included:
                # the page cannot fetch (or send) anything. Files the page names still load.
                f"--proxy-server={NO_PROXY_THERE}",
                "--proxy-bypass-list=<-loopback>",
                f"--user-data-dir={work}/profile",
                "--no-pdf-header-footer",
                f"--print-to-pdf={pdf}",
                page.as_uri(),
            ],
            capture_output=True,
            timeout=PRINT_TIMEOUT_S,
            check=False,
        )
        if not pdf.exists():
            raise PdfUnavailable(f"Chromium did not print ({printed.stderr[-300:]!r})")
        return pdf.read_bytes()


def _profile_without_javascript(profile: Path) -> None:
    """A fresh browser profile whose content settings block JavaScript on every page.

    Chromium has no `--disable-javascript` switch (a page printed with it still runs its
    scripts), and `--blink-settings=scriptEnabled=false` stops headless printing altogether;
    the profile's own setting ("Don't allow sites to use JavaScript") is what holds.
    """
    (profile / "Default").mkdir(parents=True)
    blocked = {"profile": {"default_content_setting_values": {"javascript": BLOCK}}}
    (profile / "Default" / "Preferences").write_text(json.dumps(blocked), encoding="utf-8")


def review_pack(
    read: ScopedChronology,
    kind: str,
    names: Mapping[str, str],
    generated_by: str,
    generated_at: str,
    keep: Keep = lambda entry: True,
) -> str | bytes:
    """The pack in one of `EXPORT_KINDS`, from one scoped read."""
    if kind == "csv":
        return chronology_csv([r for r in map(as_row, read.entries) if keep(r)])
    page = review_pack_html(read, names, generated_by, generated_at, keep)
    return pdf_of(page) if kind == "pdf" else page


def scoped_export(
    queries: Queries,
    user: str,
    child: str,
    asked: Mapping[str, Any],
    keep: Keep,
    kind: str,
    names: Mapping[str, str] | None = None,
    now: Callable[[], str] | None = None,
) -> Callable[[], str | bytes]:
    """The file a download button builds when it is clicked: read then, through the query layer
    (scope checked again, one access event with view `export`), never from what the page held."""

    def build() -> str | bytes:
        from domain.clock import now as clock_now

        result = queries.read_child(user, child, "export", **asked)
        generated_at = now() if now else clock_now().isoformat()
        return review_pack(result, kind, names or {}, user, generated_at, keep)

    return build
