"""`fullpicture bench`: speed and scale of the distributed stack, measured side by side.

Runs against the configured PostgreSQL and Kafka (`make services`) in a fresh database and fresh
topics, with the synthetic partnership. Targets are reported, never asserted.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import platform
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from statistics import median
from typing import Any

from kafka.errors import CommitFailedError, RebalanceInProgressError

from consumers import kafka_io, run_loop
from consumers.kafka_projector import ONCE_POLL_MS, KafkaProjector
from consumers.relay import Relay
from consumers.run_loop import BUSY, Outcome
from domain.application import Partnership
from domain.drafts import parse_draft
from domain.people import ADMINISTRATOR, CASE_REVIEWER, PRACTITIONER
from fullpicture import config
from fullpicture.bootstrap import DIRECTORY_STORE, Wiring, open_event_store, read_models_url
from fullpicture.config import Database, Settings, load_settings
from fullpicture.tools.dashboard_bench import (
    DASHBOARD_FIGURES,
    DASHBOARD_TARGETS,
    dashboard_timing_unavailable,
    measure_dashboard,
)
from fullpicture.tools.peak_memory import peak_from_stderr
from fullpicture.tools.synthetic import generate_partnership, record_entries, register_partnership
from projections.chronology import chronology_for
from projections.database import open_read_models
from projections.patterns.evaluation import evaluate_child
from projections.patterns.glossary import load_glossary
from projections.patterns.settings import load_pattern_config
from projections.read_models import ReadModels
from schemas.codec import decode

TARGETS = {
    "import_events_per_s": ">= 5000",
    "rebuild_events_per_s": ">= 20000",
    "rebuild_vs_ceiling": ">= 0.5",
    "rebuild_two_process_max_over_median": "<= 1.3",
    "rebuild_one_process_vs_ceiling": ">= 0.7",
    "rebuild_one_process_vs_copy_peer": ">= 1.0",
    "e2e_latency_p95_ms": "<= 1000",
    "chronology_query_p95_ms": "<= 20",
    "chronology_known_by_query_p95_ms": "<= 20",
    "patterns_10k_children_s": "<= 10",
    **DASHBOARD_TARGETS,
}
BENCH_TODAY = date(2025, 6, 30)
# Set when the browser timing failed: every other figure is still reported, and the exit is 1.
DASHBOARD_FAILURE = "dashboard_error"
E2E_TIMEOUT_SECONDS = 30
QUERY_SAMPLES = 100
# The rebuild with one projector per core is repeated, to show how much one run can stray.
REBUILD_REPETITIONS = 3
# Rounds of the one-process ceiling, rebuild and COPY pipeline, each round's run one after another.
ONE_PROCESS_ROUNDS = 3
COPY_PEER_TABLE = "copy_peer_events"
# The people the chronology queries are made as (in the bench's own database).
BENCH_ADMIN, BENCH_REVIEWER, BENCH_PRACTITIONER = "bench-admin", "bench-reviewer", "bench-school"


def run_benchmark(
    settings: Settings, events: int, say: Callable[[str], None], durable: bool = False
) -> dict[str, Any]:
    """`settings`: PostgreSQL and Kafka, as the administrative principal
    (`Wiring.require_servers`)."""
    if durable:
        require_durable(settings, "--durable")
    skipped_dashboard = dashboard_timing_unavailable()
    if skipped_dashboard:
        say(skipped_dashboard)
    bench = fresh_settings(settings)
    results: dict[str, Any] = {"events": events}
    wiring = Wiring(bench, recording_now=lambda: datetime(2025, 6, 30, 23, 0))
    try:
        app = wiring.partnership
        say(f"generating {events} synthetic entries")
        data = partnership_of_size(events)
        say("import: recording through the domain into PostgreSQL")
        register_partnership(app, data)  # agencies and children: set up once, not an import
        started = time.perf_counter()
        record_entries(app, data, by_day=False)
        results["import_events_per_s"] = round(len(data.entries) / (time.perf_counter() - started))
        del data  # a query process would not hold 200,000 entries: keep them out of its GC
        gc.collect()

        stored = app.recorder.max_notification_id() or 0
        say("relay: store -> Kafka")
        started = time.perf_counter()
        Relay(bench, app, wiring.read_model_database(), batch_size=5000).run(once=True)
        results["relay_events_per_s"] = round(stored / (time.perf_counter() - started))

        results |= _rebuild_against_peers(bench, wiring, say)

        say("end-to-end latency: record -> chronology row, relay and projector running")
        latencies = _end_to_end(bench, app)
        results["e2e_latency_p50_ms"] = percentile(latencies, 50)
        results["e2e_latency_p95_ms"] = percentile(latencies, 95)

        say("chronology queries for a child with 5,000 entries")
        times = chronology_queries(bench, app)
        for view, name in (("full", "chronology"), ("known_by", "chronology_known_by")):
            for kept in ("", "_uncached"):
                results[f"{name}{kept}_query_p50_ms"] = percentile(times[view + kept], 50)
                results[f"{name}{kept}_query_p95_ms"] = percentile(times[view + kept], 95)

        say("patterns: every detector for 10,000 children")
        results["patterns_10k_children_s"] = _patterns_for_10k_children()

        if skipped_dashboard:
            results |= dict.fromkeys(DASHBOARD_FIGURES)
            say(skipped_dashboard)  # again at the end, beside the figures
        else:
            try:
                results |= measure_dashboard(say)
            except Exception as error:  # noqa: BLE001 - the figures measured so far are kept
                results |= dict.fromkeys(DASHBOARD_FIGURES)
                results[DASHBOARD_FAILURE] = f"{type(error).__name__}: {error}".splitlines()[0]
                say(f"dashboard timing failed (null): {results[DASHBOARD_FAILURE]}")
    finally:
        wiring.close()
        drop_database(settings, bench)
        drop_topics(bench)
    results["machine"] = machine(settings)
    return results


def fresh_settings(settings: Settings, run: str = "bench") -> Settings:
    """A run's own database and topic prefix, on the same servers and with the same principal."""
    fresh = load_settings(
        {
            config.DATABASE_URL: fresh_database(settings, run).url,
            config.KAFKA_BOOTSTRAP: settings.kafka_bootstrap or "",
            config.TOPIC_PREFIX: f"{run}{uuid.uuid4().hex[:8]}",
            config.TOPIC_PARTITIONS: str(settings.topic_partitions),
        }
    )
    return replace(
        fresh,
        kafka_security=settings.kafka_security,
        admin_database_url=settings.admin_database_url,
    )


def fresh_database(settings: Settings, run: str = "bench") -> Database:
    """A new, empty database owned by the application role, beside `settings`' own."""
    import psycopg

    name = f"fp_{run}_{uuid.uuid4().hex[:10]}"
    owner = settings.database.postgres_parts()["user"]
    with psycopg.connect(_database_admin_url(settings), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE {name} OWNER "{owner}"')
    base, _, _ = settings.database.url.rpartition("/")
    return Database(f"{base}/{name}")


def _database_admin_url(settings: Settings) -> str:
    """A role that may create databases: the application role itself may not."""
    return settings.admin_database_url or settings.database.url


def drop_database(settings: Settings, bench: Settings) -> None:
    import psycopg

    name = bench.database.postgres_parts()["dbname"]
    with psycopg.connect(_database_admin_url(settings), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def drop_topics(bench: Settings) -> None:
    """The run's own topics (its prefix is unique): a topic of 364,562 messages is ~100 MB."""
    kafka_io.delete_topics_with_prefixes(bench, [bench.topics.prefix])


def partnership_of_size(events: int) -> Any:
    children = max(1, events // 50)
    data = generate_partnership(children=children, seed=11, today=BENCH_TODAY)
    while len(data.entries) < events:
        children = int(children * events / len(data.entries)) + 1
        data = generate_partnership(children=children, seed=11, today=BENCH_TODAY)
    data.entries = data.entries[:events]  # references only point backwards: a prefix is valid
    return data


def _rebuild_against_peers(bench: Settings, wiring: Wiring, say: Callable[[str], None]) -> dict:
    """The rebuild beside what the same topic costs without FullPicture's read models: the raw
    ceiling (consume and decode only) and a one-table COPY pipeline, one process and one per core;
    CPU per message of each one-process run; the spread of repeated runs with one per core."""
    results: dict[str, Any] = {}
    processes = os.cpu_count() or 1
    say(f"ceiling: kafka-python consume + fastavro decode only, {processes} processes")
    messages, seconds, _ = ceiling(bench, processes)
    results["messages_on_topic"] = messages
    results["ceiling_events_per_s"] = round(messages / seconds)
    say(
        f"rebuild: Kafka -> every read model in PostgreSQL, {processes} projector processes, "
        f"{REBUILD_REPETITIONS} times"
    )
    results["rebuild_processes"] = processes
    runs = [rebuild(bench, wiring, processes) for _ in range(REBUILD_REPETITIONS)]
    times = sorted(seconds for seconds, _, _ in runs)
    middle = times[len(times) // 2]
    results["rebuild_events_per_s"] = round(messages / middle)
    results["rebuild_vs_ceiling"] = round(
        results["rebuild_events_per_s"] / results["ceiling_events_per_s"], 2
    )
    results["rebuild_two_process_seconds"] = [round(t, 2) for t in times]
    results["rebuild_two_process_max_over_median"] = round(times[-1] / middle, 2)
    say(
        "ceiling, rebuild and a one-table COPY pipeline with one process each, "
        f"{ONE_PROCESS_ROUNDS} rounds in turn (medians)"
    )
    rounds = [_one_process_round(bench, wiring) for _ in range(ONE_PROCESS_ROUNDS)]
    for name in ("ceiling", "rebuild", "copy_peer"):
        results[_RATE_NAMES[name]] = round(messages / median(r[name][0] for r in rounds))
        results[f"{name}_cpu_us_per_message"] = round(
            median(r[name][1] for r in rounds) * 1e6 / messages, 1
        )
    # Each ratio from one round's runs, one after the other on the machine as it then was (its
    # speed moves by up to ±40 % from minute to minute here): the median of the rounds'.
    for peer, field in (
        ("ceiling", "rebuild_one_process_vs_ceiling"),
        ("copy_peer", "rebuild_one_process_vs_copy_peer"),
    ):
        ratios = [r[peer][0] / r["rebuild"][0] for r in rounds]
        results[field] = round(median(ratios), 2)
        results[f"{field}_rounds"] = [round(ratio, 2) for ratio in ratios]
    one_process_peak_mb = max(r["rebuild_peak_mb"] for r in rounds)
    results["peak_rss_mb"] = max(one_process_peak_mb, *(peak for _, peak, _ in runs))
    return results


_RATE_NAMES = {
    "ceiling": "ceiling_one_process_events_per_s",
    "rebuild": "rebuild_one_process_events_per_s",
    "copy_peer": "copy_peer_events_per_s",
}


def _one_process_round(bench: Settings, wiring: Wiring) -> dict[str, Any]:
    """Seconds and CPU seconds of the ceiling, the rebuild and the COPY pipeline with one process
    each, run one after the other; and the rebuild's peak memory (MB)."""
    _, ceiling_seconds, ceiling_cpu = ceiling(bench, 1)
    rebuild_seconds, peak_mb, rebuild_cpu = rebuild(bench, wiring, 1)
    _, peer_seconds, peer_cpu = ceiling(bench, 1, copy_into=bench.database.url)
    return {
        "ceiling": (ceiling_seconds, ceiling_cpu),
        "rebuild": (rebuild_seconds, rebuild_cpu),
        "copy_peer": (peer_seconds, peer_cpu),
        "rebuild_peak_mb": peak_mb,
    }


def ceiling(
    settings: Settings, processes: int, copy_into: str | None = None
) -> tuple[int, float, float]:
    """Messages, seconds and CPU seconds for `processes` consumers in one group, each in a process
    of its own as the rebuild's projectors are, to read and decode every message and commit their
    offsets as the projectors do, and nothing else (or, `copy_into` a database, also to COPY each
    batch into one table first: the one-table pipeline): from their start to the last one's exit."""
    group = f"ceiling-{uuid.uuid4().hex[:6]}"
    context = multiprocessing.get_context("spawn")
    counts = context.SimpleQueue()
    if copy_into is not None:
        _create_copy_peer_table(copy_into)
    started = time.perf_counter()
    consumers = [
        context.Process(target=_consume_and_decode, args=(settings, group, counts, copy_into))
        for _ in range(processes)
    ]
    for consumer in consumers:
        consumer.start()
    for consumer in consumers:
        consumer.join()
        if consumer.exitcode != 0:
            raise RuntimeError(f"a ceiling consumer failed (exit code {consumer.exitcode})")
    seconds = time.perf_counter() - started
    if copy_into is not None:
        # Dropped at once: left, its ~250 MB were vacuumed during the next round's runs (a
        # ceiling run took 10.1 s instead of ~8.5 s while it was).
        _drop_copy_peer_table(copy_into)
    reports = [counts.get() for _ in consumers]
    return sum(n for n, _ in reports), seconds, sum(cpu for _, cpu in reports)


def _create_copy_peer_table(url: str) -> None:
    """The one-table pipeline's table: a row per message, the event as JSON, no index (as a
    stream library's sink makes it)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"DROP TABLE IF EXISTS {COPY_PEER_TABLE}")
        connection.execute(
            f"CREATE TABLE {COPY_PEER_TABLE} (child_ref TEXT NOT NULL, event_id TEXT NOT NULL, "
            "event_type TEXT NOT NULL, occurred_at TEXT NOT NULL, event JSONB NOT NULL)"
        )


def _drop_copy_peer_table(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"DROP TABLE IF EXISTS {COPY_PEER_TABLE}")


def _consume_and_decode(
    settings: Settings, group: str, counts: Any, copy_into: str | None = None
) -> None:
    """One ceiling consumer; puts how many messages it decoded and the CPU seconds it used (each
    batch is committed before the next poll, where a rebalance happens, so no message is counted
    twice). With `copy_into`, each batch is copied into the one table before it is committed."""
    import resource

    import orjson
    import psycopg

    consumer = kafka_io.consumer(settings, group_id=group)
    kafka_io.subscribe(consumer, [settings.topics.events])
    sink = psycopg.connect(copy_into, autocommit=True) if copy_into else None

    def step() -> Outcome:
        batch = consumer.poll(timeout_ms=ONCE_POLL_MS)
        in_batch = 0
        records = []
        for messages in batch.values():
            for message in messages:
                record = decode(message.value)
                if sink is not None:
                    records.append((message.key, record))
            in_batch += len(messages)
        if sink is not None and records:
            with (
                sink.cursor() as cursor,
                cursor.copy(f"COPY {COPY_PEER_TABLE} FROM STDIN") as copy,
            ):
                for key, record in records:
                    copy.write_row(
                        (
                            key.decode() if key else "",
                            record["event_id"],
                            record["event_type"],
                            record.get("occurred_at") or "",
                            orjson.dumps(record).decode(),
                        )
                    )
        if not batch:
            return Outcome(idle=kafka_io.caught_up(consumer))
        try:
            consumer.commit()
        except (CommitFailedError, RebalanceInProgressError):
            # A rebalance took the partitions first: their next owner reads this batch again
            # from the last commit, so it is not counted here.
            return BUSY
        return Outcome(done=in_batch)

    def close() -> None:
        consumer.close()
        if sink is not None:
            sink.close()

    decoded = run_loop.run(step, "bench consumer", once=True, close=close)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    counts.put((decoded, usage.ru_utime + usage.ru_stime))


def rebuild(
    settings: Settings, wiring: Wiring, processes: int, peaks: list[float] | None = None
) -> tuple[float, float, float]:
    """Seconds for `processes` × `fullpicture project --once` (one consumer group) to rebuild
    every read model from offset 0, from their start to the last one's exit; the largest
    resident memory one of them reached (MB; each one's appended to `peaks`); and the CPU
    seconds they used together."""
    wiring.read_models.reset()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FULLPICTURE_")}
    env |= config.kafka_environ(settings)
    env |= {config.DATABASE_URL: settings.database.url, config.TOPIC_PREFIX: settings.topics.prefix}
    # Each projector tells its own peak memory (`peak_memory`: not `ru_maxrss`, which carries
    # this process's own into a child it starts).
    command = [sys.executable, "-m", "fullpicture.tools.peak_memory", "project", "--once"]
    started = time.perf_counter()
    projectors = [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(processes)
    ]
    peak_mb = cpu = 0.0
    for projector in projectors:
        assert projector.stderr is not None
        told = projector.stderr.read().decode(errors="replace")
        _, status, usage = os.wait4(projector.pid, 0)  # reaped here, for its own resource use
        projector.returncode = os.waitstatus_to_exitcode(status)
        projector.stderr.close()
        if projector.returncode != 0:
            raise RuntimeError(f"a projector failed during the rebuild: {told[-2000:]}")
        own_peak_mb = peak_from_stderr(told)
        peak_mb = max(peak_mb, own_peak_mb)
        if peaks is not None:
            peaks.append(own_peak_mb)
        cpu += usage.ru_utime + usage.ru_stime
    seconds = time.perf_counter() - started
    _vacuum(settings.database.url)
    return seconds, round(peak_mb, 1), cpu


def _vacuum(url: str) -> None:
    """Vacuum and analyze the rows a run wrote, before the next measured run: PostgreSQL's
    autovacuum would otherwise do it within a minute, during whichever run came next."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")


def _end_to_end(settings: Settings, app: Partnership, samples: int = 60) -> list[float]:
    models = ReadModels(open_read_models(read_models_url(settings)))
    stop = threading.Event()
    relay = Relay(settings, app, open_read_models(read_models_url(settings)), batch_size=500)
    projector = KafkaProjector(
        settings, models, group_id=f"{settings.topics.prefix}-e2e", poll_timeout_ms=20
    )
    threads = [
        threading.Thread(
            target=relay.run, kwargs={"should_stop": stop.is_set, "poll_seconds": 0.01}
        ),
        threading.Thread(target=projector.run, kwargs={"should_stop": stop.is_set}),
    ]
    for thread in threads:
        thread.start()
    reader = open_read_models(read_models_url(settings))
    latencies = []
    try:
        time.sleep(3)
        for n in range(samples):
            entry = {
                "kind": "concern",
                "agency": "school-elm",
                "entry_ref": f"E2E-{n}",
                "child_ref": "C-E2E",
                "occurred_at": "2025-06-01",
                "summary": "Latency probe.",
                "concerns": "other",
            }
            started = time.perf_counter()
            app.record(entry)
            deadline = started + E2E_TIMEOUT_SECONDS
            while not any(e.id == f"school-elm:E2E-{n}" for e in chronology_for(reader, "C-E2E")):
                if time.perf_counter() > deadline:
                    raise TimeoutError(f"entry {n} not projected within {E2E_TIMEOUT_SECONDS}s")
                time.sleep(0.002)
            latencies.append((time.perf_counter() - started) * 1000)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        reader.close()
        models.db.close()
    return latencies


def chronology_queries(settings: Settings, app: Partnership) -> dict[str, list[float]]:
    agencies = ["school-elm", "police-north", "health-visiting", "gp-willow"]
    rows = [
        (
            None,
            {
                "kind": "concern",
                "agency": agencies[n % 4],
                "entry_ref": f"BIG-{n}",
                "child_ref": "C-BIG",
                "occurred_at": f"20{10 + n % 15}-0{1 + n % 9}-1{n % 9}",
                "summary": "A long-known child's entry.",
                "concerns": "other",
            },
        )
        for n in range(5000)
    ]
    app.record_all(rows)
    directory = open_event_store(DIRECTORY_STORE, settings)
    directory.register_person(BENCH_ADMIN, "Bench Administrator", [ADMINISTRATOR])
    directory.register_person(BENCH_REVIEWER, "Bench Reviewer", [CASE_REVIEWER])
    directory.register_person(
        BENCH_PRACTITIONER, "Bench Practitioner", [PRACTITIONER], agency="school-elm"
    )
    directory.grant_review(
        "BENCH", BENCH_REVIEWER, ["C-BIG"], "2000-01-01", "2099-12-31", "2099-12-31", BENCH_ADMIN
    )
    directory.approve_review("BENCH", by="bench-approver")
    directory.close()
    models = ReadModels(open_read_models(read_models_url(settings)))
    relay = Relay(settings, app, open_read_models(read_models_url(settings)), batch_size=5000)
    relay.run(once=True)
    KafkaProjector(settings, models, group_id=f"{settings.topics.prefix}-queries").run(once=True)
    models.db.close()
    # Timed in a process of their own, as a dashboard holds only its read-model connection
    # (this one holds the bench's whole run, which slows every garbage collection).
    with multiprocessing.get_context("spawn").Pool(1) as reader:
        kept = reader.apply(_time_chronology_queries, (settings, "C-BIG", True))
        fetched = reader.apply(_time_chronology_queries, (settings, "C-BIG", False))
    return kept | {f"{view}_uncached": times for view, times in fetched.items()}


def _time_chronology_queries(
    settings: Settings, child: str, keep_chronologies: bool
) -> dict[str, list[float]]:
    """Each query as a person makes it: the scope check, the access event, the read (a case
    reviewer's full chronology; a practitioner's known-by-own-agency view). With the child's
    rows kept between reads, as a dashboard reads while nothing new is projected; or not, as
    every read right after a projection does."""
    wiring = Wiring(settings, keep_chronologies=keep_chronologies)
    queries = wiring.queries

    def full() -> int:
        return len(queries.read_child(BENCH_REVIEWER, child, "chronology").entries)

    def known_by_own_agency() -> int:
        return len(queries.read_child(BENCH_PRACTITIONER, child, "chronology").entries)

    full(), known_by_own_agency()  # one untimed warm-up of each, as a working process has
    plain, known = [], []
    for _ in range(QUERY_SAMPLES):
        started = time.perf_counter()
        assert full() >= 5000
        plain.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        known_by_own_agency()
        known.append((time.perf_counter() - started) * 1000)
    wiring.close()
    return {"full": plain, "known_by": known}


def _patterns_for_10k_children() -> float:
    data = generate_partnership(children=10_000, seed=12, today=BENCH_TODAY)
    by_child: dict[str, list[dict[str, Any]]] = {}
    for entry in data.entries:
        simulated = {name: value for name, value in entry.items() if name != "recorded_at"}
        draft = parse_draft(simulated, entry["recorded_at"])
        record = {**draft.as_fields(), "entry_id": draft.entry_id}
        for child in draft.child_refs:
            by_child.setdefault(child, []).append(record)
    config_, glossary = load_pattern_config(), load_glossary()
    started = time.perf_counter()
    for child, records in by_child.items():
        evaluate_child(records, child, BENCH_TODAY, config_, glossary)
    return round(time.perf_counter() - started, 2)


def percentile(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))
    return round(ordered[index], 1)


def _reference_loop_seconds() -> float:
    """A fixed pure-Python loop, timed: shared machines vary, and this shows how fast this one
    ran, so runs on different days can be compared."""
    started = time.perf_counter()
    total = 0
    for n in range(10_000_000):
        total += n
    return round(time.perf_counter() - started, 2)


DURABILITY_SETTINGS = ("fsync", "synchronous_commit", "full_page_writes")


def server_durability(settings: Settings) -> dict[str, str]:
    """The PostgreSQL server's durability settings, as it runs now (`make services` turns them
    off for speed; a deployment keeps them on)."""
    import psycopg

    with psycopg.connect(settings.database.url) as connection:
        return {
            name: str(connection.execute(f"SHOW {name}").fetchone()[0])  # type: ignore[index]
            for name in DURABILITY_SETTINGS
        }


def require_durable(settings: Settings, option: str) -> None:
    durability = server_durability(settings)
    if any(value != "on" for value in durability.values()):
        raise ValueError(
            f"{option}: the PostgreSQL at FULLPICTURE_DATABASE_URL runs with "
            + durability_line(durability)
            + "; point FULLPICTURE_DATABASE_URL at a durable cluster "
            "(`make durable-services` starts one) and run again"
        )


def durability_line(durability: dict[str, str]) -> str:
    return " ".join(f"{name}={value}" for name, value in durability.items())


def machine(settings: Settings) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(settings.database.url) as connection:
        postgres = connection.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    client = kafka_io.admin(settings)
    try:
        kafka = ".".join(map(str, client._manager.broker_version))  # noqa: SLF001
    finally:
        client.close()
    return {
        "cores": os.cpu_count(),
        "reference_loop_s": _reference_loop_seconds(),
        "python": platform.python_version(),
        "postgresql": postgres,
        "postgresql_durability": durability_line(server_durability(settings)),
        "kafka": kafka,
        "date": date.today().isoformat(),
    }
