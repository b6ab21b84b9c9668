"""The scale curve as an SVG image (`fullpicture bench --scale … --plot FILE`): rates, peak memory
and the chronology read against the size of the partnership, each panel on a logarithmic size
axis, so a cost that grows faster than the work shows as a line that bends. Plain SVG: the bench
needs no plotting package."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

PANELS = (
    (
        "events per second",
        ("rebuild_events_per_s", "rebuild_one_process_events_per_s", "import_events_per_s"),
    ),
    ("peak memory (MB)", ("projector_peak_rss_mb", "importer_peak_rss_mb")),
    ("chronology read p95 (ms)", ("chronology_query_p95_ms", "chronology_uncached_query_p95_ms")),
)
COLOURS = ("#1f77b4", "#d62728", "#2ca02c")
WIDTH, HEIGHT, MARGIN = 300, 220, 44


def curve_svg(rows: Sequence[Mapping[str, Any]], title: str) -> str:
    """Three panels side by side, one line per figure, a point per size."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH * len(PANELS)}" '
        f'height="{HEIGHT + 40}" font-family="sans-serif" font-size="11">',
        f'<text x="8" y="16" font-size="13">{escape(title)}</text>',
    ]
    for index, (label, figures) in enumerate(PANELS):
        parts.append(_panel(rows, label, figures, index * WIDTH, 30))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _panel(
    rows: Sequence[Mapping[str, Any]], label: str, figures: Sequence[str], left: int, top: int
) -> str:
    sizes = [float(row["events"]) for row in rows]
    values = [float(row[f]) for row in rows for f in figures if row.get(f) is not None]
    if not sizes or not values:
        return ""
    low, high = math.log10(min(sizes)), math.log10(max(sizes))
    most = max(values) * 1.1 or 1.0
    inner_w, inner_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN

    def x(size: float) -> float:
        share = (math.log10(size) - low) / (high - low) if high > low else 0.5
        return left + MARGIN + share * inner_w

    def y(value: float) -> float:
        return top + MARGIN + inner_h * (1 - value / most)

    bottom = top + MARGIN + inner_h
    out = [
        f'<text x="{left + MARGIN}" y="{top + 20}">{escape(label)}</text>',
        f'<line x1="{left + MARGIN}" y1="{bottom}" x2="{left + MARGIN + inner_w}" y2="{bottom}" '
        'stroke="#444"/>',
        f'<line x1="{left + MARGIN}" y1="{top + MARGIN}" x2="{left + MARGIN}" y2="{bottom}" '
        'stroke="#444"/>',
        f'<text x="{left + 4}" y="{top + MARGIN + 4}">{most:.0f}</text>',
        f'<text x="{left + 4}" y="{bottom}">0</text>',
    ]
    for size in sizes:
        out.append(f'<text x="{x(size) - 12:.1f}" y="{bottom + 14}">{int(size):,}</text>')
    for number, figure in enumerate(figures):
        points = [(x(float(r["events"])), y(float(r[figure]))) for r in rows if r.get(figure)]
        colour = COLOURS[number % len(COLOURS)]
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        out.extend(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>' for px, py in points
        )
        out.append(
            f'<text x="{left + MARGIN + 4}" y="{bottom + 28 + 12 * number}" fill="{colour}">'
            f"{escape(figure)}</text>"
        )
    return "\n".join(out)
