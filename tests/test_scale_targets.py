"""The scale curve's targets: each figure at the largest size against its value at 200,000."""

from __future__ import annotations

from typing import Any

from fullpicture.tools.scale_bench import scale_targets


def row(events: int, rebuild: float, memory: float, query: float, imports: float) -> dict[str, Any]:
    return {
        "events": events,
        "rebuild_events_per_s": rebuild,
        "projector_peak_rss_mb": memory,
        "chronology_query_p95_ms": query,
        "import_events_per_s": imports,
    }


def test_each_target_compares_the_largest_size_with_200000_events() -> None:
    curve = [
        row(50_000, 999, 1, 1, 999),
        row(200_000, 100, 200, 10, 1000),
        row(1_000_000, 90, 260, 15, 700),
    ]
    met = {t["figure"]: (t["ratio"], t["met"]) for t in scale_targets(curve)}
    assert met == {
        "rebuild_events_per_s": (0.9, True),  # >= 0.85
        "projector_peak_rss_mb": (1.3, False),  # <= 1.25
        "chronology_query_p95_ms": (1.5, True),  # <= 1.5
        "import_events_per_s": (0.7, False),  # >= 0.8
    }


def test_a_curve_without_200000_and_a_larger_size_has_no_targets() -> None:
    assert scale_targets([row(1000, 1, 1, 1, 1), row(3000, 1, 1, 1, 1)]) == []
    assert scale_targets([row(200_000, 1, 1, 1, 1)]) == []
