"""`fullpicture bench --scale`: how each cost grows with the size of the partnership.

For each size, a fresh database and fresh topics: the import in a process of its own (its peak
memory is the importer's), the relay, the ceiling and the rebuild with one process and with one
per core (each projector's peak memory measured in its own process), the read models' size on
disk, the chronology read of one child with 5,000 entries, and every child's patterns evaluated
again from the read models. A cost that grows faster than the work shows as a falling rate, and
memory that depends on the partnership rather than on batch and cache sizes as a rising peak.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from consumers.relay import Relay
from domain.clock import SettableClock, now
from fullpicture.bootstrap import Wiring
from fullpicture.config import Settings
from fullpicture.tools.bench import (
    ceiling,
    chronology_queries,
    drop_database,
    drop_topics,
    fresh_settings,
    machine,
    partnership_of_size,
    percentile,
    rebuild,
    require_durable,
)
from fullpicture.tools.peak_memory import peak_rss_mb
from fullpicture.tools.synthetic import batches_in_recording_order, register_partnership
from projections import alerts
from projections.read_models import table_names

# Each row of `--scale` (JSON: `scale: [{...}]`), in this order; the first eight are the issue's.
SCALE_COLUMNS = (
    "events",
    "rebuild_events_per_s",
    "rebuild_vs_ceiling",
    "projector_peak_rss_mb",
    "importer_peak_rss_mb",
    "read_models_mb",
    "chronology_query_p95_ms",
    "patterns_s",
    "import_events_per_s",
    "rebuild_one_process_events_per_s",
    "rebuild_one_process_vs_ceiling",
    "projector_peak_rss_mb_each",
    "chronology_uncached_query_p95_ms",
    "fresh_importer_first_batch_s",
    "children",
)
# A fresh importer's first batch: entries about children the partnership already holds.
FIRST_BATCH = 500
IMPORT_BATCH = 5000
# The targets: each figure at the largest size against its value at 200,000 events.
TARGET_BASE = 200_000
SCALE_TARGETS = (
    ("rebuild_events_per_s", ">=", 0.85),
    ("projector_peak_rss_mb", "<=", 1.25),
    ("chronology_query_p95_ms", "<=", 1.5),
    ("import_events_per_s", ">=", 0.8),
)
RECORDING_NOW = datetime(2025, 6, 30, 23, 0)


def parse_sizes(text: str) -> list[int]:
    """`50000,200000,1000000` -> sizes in the order given; each at least 1,000."""
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ValueError(f"--scale: {text!r} is not a comma-separated list of numbers") from None
    if not sizes or min(sizes) < 1000:
        raise ValueError("--scale: each size must be at least 1000 events")
    return sizes


def run_scale(
    settings: Settings, sizes: Sequence[int], say: Callable[[str], None], durable: bool = False
) -> dict[str, Any]:
    """The curve: one row per size (see `SCALE_COLUMNS`), and the machine it was measured on."""
    if durable:
        require_durable(settings, "--durable")
    rows = []
    for events in sizes:
        rows.append(_one_size(settings, events, lambda line, n=events: say(f"{n}: {line}")))
        say(f"{events}: {json.dumps(rows[-1])}")  # each size's figures as soon as they are in
    return {"scale": rows, "targets": scale_targets(rows), "machine": machine(settings)}


def scale_targets(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each target's ratio (the largest size's figure over the figure at 200,000 events) and
    whether it is met; none when the curve has no size of 200,000 and a larger one."""
    base = next((row for row in rows if row["events"] == TARGET_BASE), None)
    largest = max(rows, key=lambda row: row["events"], default=None)
    if base is None or largest is None or largest["events"] <= TARGET_BASE:
        return []
    targets = []
    for figure, sense, bound in SCALE_TARGETS:
        ratio = round(largest[figure] / base[figure], 2) if base[figure] else None
        met = ratio is not None and (ratio >= bound if sense == ">=" else ratio <= bound)
        targets.append(
            {
                "figure": figure,
                "ratio": ratio,
                "target": f"{sense} {bound}",
                "compared": f"{largest['events']} / {TARGET_BASE}",
                "met": met,
            }
        )
    return targets


def _one_size(settings: Settings, events: int, say: Callable[[str], None]) -> dict[str, Any]:
    bench = fresh_settings(settings, "scale")
    wiring = Wiring(bench, recording_now=lambda: RECORDING_NOW)
    try:
        say(f"generating {events} synthetic entries")
        data = partnership_of_size(events)
        register_partnership(wiring.partnership, data)  # set up once, not an import
        say("import: recording through the domain, in a process of its own")
        seconds, importer_mb = _import_in_own_process(bench, data)
        row: dict[str, Any] = {
            "events": events,
            "children": len(data.children),
            "import_events_per_s": round(len(data.entries) / seconds),
            "importer_peak_rss_mb": importer_mb,
        }
        known_children = [ref for ref, _ in data.children[:FIRST_BATCH]]
        del data
        say("a fresh importer's first batch, into the partnership of this size")
        row["fresh_importer_first_batch_s"] = _first_batch_in_fresh_importer(bench, known_children)
        say("relay: store -> Kafka")
        Relay(bench, wiring.partnership, wiring.read_model_database(), batch_size=5000).run(
            once=True
        )
        processes = os.cpu_count() or 1
        say(f"ceiling and rebuild, {processes} processes, then one")
        each_mb: list[float] = []  # every projector process's own peak
        messages, ceiling_seconds, _ = ceiling(bench, processes)
        rebuild_seconds, _, _ = rebuild(bench, wiring, processes, each_mb)
        _, one_ceiling_seconds, _ = ceiling(bench, 1)
        one_rebuild_seconds, _, _ = rebuild(bench, wiring, 1, each_mb)
        row |= {
            "rebuild_events_per_s": round(messages / rebuild_seconds),
            "rebuild_vs_ceiling": round(ceiling_seconds / rebuild_seconds, 2),
            "rebuild_one_process_events_per_s": round(messages / one_rebuild_seconds),
            "rebuild_one_process_vs_ceiling": round(one_ceiling_seconds / one_rebuild_seconds, 2),
            "projector_peak_rss_mb_each": each_mb,
            "projector_peak_rss_mb": max(each_mb),
            "read_models_mb": read_models_mb(bench),
        }
        say("chronology queries for a child with 5,000 entries, recorded and projected now")
        times = chronology_queries(bench, wiring.partnership)
        row["chronology_query_p95_ms"] = percentile(times["full"], 95)
        row["chronology_uncached_query_p95_ms"] = percentile(times["full_uncached"], 95)
        say("patterns: every child evaluated again from the read models")
        row["patterns_s"] = _patterns_for_every_child(wiring)
    finally:
        wiring.close()
        drop_database(settings, bench)
        drop_topics(bench)
    return {name: row[name] for name in SCALE_COLUMNS}


def _import_in_own_process(bench: Settings, data: Any) -> tuple[float, float]:
    """Seconds to record every entry, in batches of `IMPORT_BATCH` as an import does, in a
    spawned process that is handed one batch at a time (so its peak memory is the importer's
    own, not the synthetic partnership's); and that peak (MB)."""
    context = multiprocessing.get_context("spawn")
    batches = context.Queue(maxsize=2)
    answer = context.SimpleQueue()
    importer = context.Process(target=_importer, args=(bench, batches, answer))
    importer.start()
    for batch in batches_in_recording_order(data.entries, IMPORT_BATCH, by_day=False):
        batches.put(batch)
    batches.put(None)
    seconds, peak_mb = answer.get()
    importer.join()
    if importer.exitcode != 0 or seconds is None:
        raise RuntimeError(f"the importer failed: {peak_mb}")
    return seconds, peak_mb


def _first_batch_in_fresh_importer(bench: Settings, children: list[str]) -> float:
    """Seconds a new importer process takes from opening the store to having recorded one
    batch (`FIRST_BATCH` entries about known children): what grows if it reads the history."""
    rows = [
        {
            "kind": "concern",
            "agency": "school-elm",
            "entry_ref": f"LATE-{n}",
            "child_ref": children[n % len(children)],
            "occurred_at": "2025-06-29",
            "summary": "A later concern.",
            "concerns": "other",
        }
        for n in range(FIRST_BATCH)
    ]
    with multiprocessing.get_context("spawn").Pool(1) as importer:
        return round(importer.apply(_record_first_batch, (bench, rows)), 2)


def _record_first_batch(bench: Settings, rows: list[dict[str, str]]) -> float:
    started = time.perf_counter()
    wiring = Wiring(bench, recording_now=lambda: RECORDING_NOW)
    try:
        wiring.partnership.record_all([(None, row) for row in rows])
    finally:
        wiring.close()
    return time.perf_counter() - started


def _importer(bench: Settings, batches: Any, answer: Any) -> None:
    """The importer's process: record each batch with the clock at its simulated moment."""
    wiring = Wiring(bench, recording_now=lambda: RECORDING_NOW)
    try:
        app = wiring.partnership
        clock = SettableClock(now())
        started = None
        with app.using_clock(clock):
            while (batch := batches.get()) is not None:
                started = started or time.perf_counter()
                stamp, rows = batch
                clock.set(stamp)
                app.record_all(rows)
        seconds = time.perf_counter() - (started or time.perf_counter())
        answer.put((seconds, peak_rss_mb()))
    except Exception as error:  # noqa: BLE001 - reported to the bench, which raises it
        answer.put((None, repr(error)))
    finally:
        wiring.close()


def read_models_mb(settings: Settings) -> float:
    """Every read-model table with its indexes and TOAST, on disk (MB)."""
    import psycopg

    with psycopg.connect(settings.database.url) as connection:
        row = connection.execute(
            "SELECT COALESCE(SUM(pg_total_relation_size(to_regclass(name))), 0) "
            "FROM unnest(%s::text[]) AS name",
            (table_names(),),
        ).fetchone()
    return round(int(row[0]) / 2**20, 1) if row else 0.0


def _patterns_for_every_child(wiring: Wiring) -> float:
    """Seconds to evaluate every child's patterns again from the read models, as the final
    refresh of a rebuild does."""
    models = wiring.read_models
    alerts.mark_every_child_pending(models.db)
    started = time.perf_counter()
    models.refresh_alerts()
    return round(time.perf_counter() - started, 2)
