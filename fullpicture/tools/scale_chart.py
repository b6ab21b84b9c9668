"""The scale curve as an SVG image (`fullpicture bench --scale … --plot FILE`): for each figure,
a bar per size, so a cost that grows faster than the work shows as bars that climb faster than
the sizes. Drawn with the board report's charts (`fullpicture.svg_charts`): no plotting package."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fullpicture.svg_charts import HEIGHT, WIDTH, bar_chart

# Each panel: its title and its series (a short name for each figure of a `--scale` row).
PANELS = (
    (
        "events per second",
        {
            "rebuild, 1 per core": "rebuild_events_per_s",
            "rebuild, 1 process": "rebuild_one_process_events_per_s",
            "import": "import_events_per_s",
        },
    ),
    (
        "peak resident memory (MB)",
        {"projector": "projector_peak_rss_mb", "importer": "importer_peak_rss_mb"},
    ),
    (
        "chronology read p95 (ms), 5,000 entries",
        {"rows kept": "chronology_query_p95_ms", "uncached": "chronology_uncached_query_p95_ms"},
    ),
)


def curve_svg(rows: Sequence[Mapping[str, Any]], title: str) -> str:
    """One chart per panel, stacked, the sizes along each."""
    sizes = [f"{row['events']:,} events" for row in rows]
    charts = [
        bar_chart(
            f"{title}: {panel}",
            sizes,
            {name: [row.get(f) for row in rows] for name, f in series.items()},
        )
        for panel, series in PANELS
    ]
    stacked = "".join(
        f"<g transform='translate(0 {HEIGHT * n})'>{chart}</g>" for n, chart in enumerate(charts)
    )
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{HEIGHT * len(charts)}'>"
        f"{stacked}</svg>\n"
    )
