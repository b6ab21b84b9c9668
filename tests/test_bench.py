"""`fullpicture bench` end to end on a small N: every measure reported, nothing left behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from consumers import kafka_io
from fullpicture.config import Settings
from fullpicture.tools.bench import TARGETS
from tests.test_kafka_relay import cli_environment

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]

MEASURES = (
    "import_events_per_s",
    "relay_events_per_s",
    "ceiling_events_per_s",
    "ceiling_one_process_events_per_s",
    "rebuild_events_per_s",
    "rebuild_vs_ceiling",
    "rebuild_one_process_events_per_s",
    "rebuild_one_process_vs_ceiling",
    "rebuild_cpu_us_per_message",
    "ceiling_cpu_us_per_message",
    "rebuild_two_process_max_over_median",
    "copy_peer_events_per_s",
    "copy_peer_cpu_us_per_message",
    "rebuild_one_process_vs_copy_peer",
    "e2e_latency_p50_ms",
    "e2e_latency_p95_ms",
    "chronology_query_p50_ms",
    "chronology_query_p95_ms",
    "chronology_known_by_query_p50_ms",
    "chronology_known_by_query_p95_ms",
    "chronology_uncached_query_p50_ms",
    "chronology_uncached_query_p95_ms",
    "chronology_known_by_uncached_query_p50_ms",
    "chronology_known_by_uncached_query_p95_ms",
    "patterns_10k_children_s",
    "dashboard_first_render_s",
    "dashboard_replay_s",
    "peak_rss_mb",
)


def bench_leftovers(settings: Settings, run: str = "bench") -> tuple[set[str], set[str]]:
    """Databases and topics of the bench's runs (`bench`, or `scale` for `--scale`) that exist
    now."""
    with psycopg.connect(settings.database.url) as connection:
        rows = connection.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"fp_{run}_%",)
        ).fetchall()
    admin = kafka_io.admin(settings)
    try:
        topics = {t for t in admin.list_topics() if t.startswith(run)}
    finally:
        admin.close()
    return {r[0] for r in rows}, topics


def test_the_bench_reports_every_measure_as_json_and_removes_its_database_and_topics(
    distributed_settings: Settings,
) -> None:
    before = bench_leftovers(distributed_settings)
    run = subprocess.run(
        [sys.executable, "-m", "fullpicture.cli", "bench", "--events", "2000", "--format", "json"],
        env=cli_environment(distributed_settings),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    results = json.loads(run.stdout)
    assert results["events"] == 2000
    assert results["messages_on_topic"] >= 2000  # one message per child of each entry
    assert set(TARGETS) <= set(MEASURES)
    for measure in MEASURES:
        assert isinstance(results[measure], int | float) and results[measure] > 0, measure
    assert len(results["rebuild_two_process_seconds"]) == 3  # the spread is over three runs
    for ratio in ("rebuild_one_process_vs_ceiling", "rebuild_one_process_vs_copy_peer"):
        rounds = results[f"{ratio}_rounds"]  # the median of three rounds, each shown
        assert len(rounds) == 3 and sorted(rounds)[1] == results[ratio]
    assert {"cores", "python", "postgresql", "kafka"} <= set(results["machine"])
    durability = results["machine"]["postgresql_durability"]  # what the figures were measured on
    assert all(
        f"{name}=" in durability for name in ("fsync", "synchronous_commit", "full_page_writes")
    )
    deadline = time.monotonic() + 15  # the broker forgets a deleted topic asynchronously
    while bench_leftovers(distributed_settings) != before and time.monotonic() < deadline:
        time.sleep(0.5)
    assert bench_leftovers(distributed_settings) == before


def test_the_bench_refuses_durable_on_a_fast_server(distributed_settings: Settings) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "fullpicture.cli", "bench", "--events", "2000", "--durable"],
        env=cli_environment(distributed_settings),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert "--durable" in run.stderr and "fsync=off" in run.stderr
    assert "Traceback" not in run.stderr


SCALE_FIGURES = (
    "rebuild_events_per_s",
    "rebuild_vs_ceiling",
    "projector_peak_rss_mb",
    "importer_peak_rss_mb",
    "read_models_mb",
    "chronology_query_p95_ms",
    "patterns_s",
    "fresh_importer_first_batch_s",
)


def test_the_scale_curve_reports_each_size_and_removes_its_databases_and_topics(
    distributed_settings: Settings, tmp_path: Path
) -> None:
    before = bench_leftovers(distributed_settings, "scale")
    run = subprocess.run(
        [
            *(sys.executable, "-m", "fullpicture.cli", "bench"),
            *("--scale", "1000,3000", "--format", "json", "--plot", str(tmp_path / "curve.svg")),
        ],
        env=cli_environment(distributed_settings),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    curve = json.loads(run.stdout)
    assert [row["events"] for row in curve["scale"]] == [1000, 3000]
    for row in curve["scale"]:
        for figure in SCALE_FIGURES:
            assert isinstance(row[figure], int | float) and row[figure] > 0, figure
        # one projector alone, then one per core: each process's own peak
        assert len(row["projector_peak_rss_mb_each"]) == 1 + (os.cpu_count() or 1)
        assert row["projector_peak_rss_mb"] == max(row["projector_peak_rss_mb_each"])
    small, large = curve["scale"]
    assert large["read_models_mb"] > small["read_models_mb"]  # measured at each size
    assert large["children"] > small["children"]
    assert curve["targets"] == []  # they compare 1,000,000 with 200,000 events
    assert {"cores", "postgresql_durability"} <= set(curve["machine"])
    drawn = (tmp_path / "curve.svg").read_text()
    assert drawn.startswith("<svg") and "peak resident memory" in drawn and "3,000 events" in drawn
    deadline = time.monotonic() + 15  # the broker forgets a deleted topic asynchronously
    while bench_leftovers(distributed_settings, "scale") != before:
        assert time.monotonic() < deadline, "a --scale run left its database or topics behind"
        time.sleep(0.5)


def test_the_scale_curve_refuses_sizes_it_cannot_read(distributed_settings: Settings) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "fullpicture.cli", "bench", "--scale", "50000,lots"],
        env=cli_environment(distributed_settings),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert "--scale" in run.stderr and "Traceback" not in run.stderr
