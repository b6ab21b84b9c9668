"""The chaos soak: entries keep arriving while processes die and the servers restart; then every
entry must be in the store once, on the topic, in the read models and in exactly the feeds that
may see it (`fullpicture soak`, `make soak`).

Every FullPicture process runs on its own: W writers (fullpicture/tools/soak_writer.py), the relay,
two projectors and the feed router, each as the CLI runs it. A seeded chaos loop sends SIGKILL to
one of them every few seconds and starts it again, drops one poison message onto the events topic
and (only when it was handed the services script and a private set of servers) restarts the broker
and PostgreSQL once each. Then the writers stop, everything drains and
fullpicture/tools/soak_checks.py counts what was lost, duplicated or misrouted. Like the bench, a
run has its own database and topic prefix, dropped at the end.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from consumers import kafka_io
from fullpicture import config
from fullpicture.bootstrap import CHRONOLOGY_STORE, open_event_store
from fullpicture.config import Settings
from fullpicture.tools.bench import (
    drop_database,
    drop_topics,
    fresh_settings,
    require_durable,
    server_durability,
)
from fullpicture.tools.soak_checks import EntryLatencies, check_everything, poison_message
from fullpicture.tools.soak_writer import acknowledged
from fullpicture.tools.synthetic import generate_partnership, register_partnership

SERVICES_SCRIPT = "FULLPICTURE_SOAK_SERVICES_SCRIPT"
# What the services script is told, so it stops and starts exactly the soak's private servers.
SERVER_OVERRIDES = ("FULLPICTURE_PG_PORT", "FULLPICTURE_PG_CLUSTER", "FULLPICTURE_KAFKA_PORT")
KILL_EVERY_SECONDS = (2.0, 6.0)
SERVER_DOWN_SECONDS = 6.0
DRAIN_TIMEOUT_SECONDS = 300.0
ZERO_CHECKS = ("lost", "duplicated", "read_model_diffs", "misrouted", "missing_from_feeds")


@dataclass(frozen=True)
class SoakOptions:
    minutes: float = 10.0
    writers: int = 4
    rate: float = 40.0
    seed: int = 1
    durable: bool = False
    services_script: str | None = None  # given: the broker and PostgreSQL are restarted once each


def passed(report: dict[str, Any]) -> bool:
    """Every zero check at zero and exactly the one poison message dead-lettered."""
    return (
        all(report[name] == 0 for name in ZERO_CHECKS)
        and report["dead_letters"] == 1
        and report["dead_letter_is_the_poison"]
        and report["entries_written"] == report["entries_in_store"]
    )


def services_script_from(
    environ: dict[str, str] | os._Environ[str], settings: Settings
) -> str | None:
    """The services script the soak may restart servers with, if it was given one; refused unless
    the overrides name the very servers the soak's settings point at (never the shared ones)."""
    script = environ.get(SERVICES_SCRIPT)
    if not script:
        return None
    missing = [name for name in SERVER_OVERRIDES if not environ.get(name)]
    if missing:
        raise ValueError(
            f"{SERVICES_SCRIPT} is set, so servers will be restarted: set {', '.join(missing)} "
            "to the private servers the soak may restart"
        )
    database_port = str(settings.database.postgres_parts().get("port") or "")
    kafka_port = (settings.kafka_bootstrap or "").rsplit(":", 1)[-1]
    if (
        database_port != environ["FULLPICTURE_PG_PORT"]
        or kafka_port != environ["FULLPICTURE_KAFKA_PORT"]
    ):
        raise ValueError(
            "FULLPICTURE_PG_PORT and FULLPICTURE_KAFKA_PORT must be the ports of "
            "FULLPICTURE_DATABASE_URL and FULLPICTURE_KAFKA_BOOTSTRAP: the soak restarts only the "
            "servers it runs against"
        )
    return script


@dataclass
class Component:
    """One FullPicture process the soak runs, kills and starts again."""

    name: str
    command: list[str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    kills: int = 0
    exits: int = 0  # ended on its own (not killed by the soak) and was started again

    def start(self, env: dict[str, str]) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.command, env=env, stdout=out, stderr=out, start_new_session=True
            )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.alive():
            assert self.process is not None
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self, how: int, timeout: float = 60.0) -> None:
        if not self.alive():
            return
        assert self.process is not None
        os.kill(self.process.pid, how)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()


@dataclass
class Chaos:
    """What the chaos loop did, for the report."""

    kills: Counter[str] = field(default_factory=Counter)
    exits: Counter[str] = field(default_factory=Counter)
    broker_restarts: int = 0
    postgresql_restarts: int = 0
    poison: dict[str, Any] | None = None


def run_soak(admin: Settings, options: SoakOptions, say: Callable[[str], None]) -> dict[str, Any]:
    if options.durable:
        require_durable(admin, "--durable")
    durability = server_durability(admin)
    soak = fresh_settings(admin, "soak")
    run_dir = Path(tempfile.mkdtemp(prefix="fullpicture-soak-"))
    say(f"run {soak.topics.prefix}: logs in {run_dir}")
    try:
        report = _run(soak, options, run_dir, say)
    finally:
        say("dropping the run's database and topics")
        _retry(lambda: drop_database(admin, soak), say)
        _retry(lambda: drop_topics(soak), say)
    report["durability"] = durability
    report["logs"] = str(run_dir)
    return report


def _run(
    soak: Settings, options: SoakOptions, run_dir: Path, say: Callable[[str], None]
) -> dict[str, Any]:
    entries_needed = int(options.rate * options.minutes * 60 * 1.2) + 50
    data = _partnership_of_size(entries_needed, options.seed)
    say(
        f"partnership: {len(data.children)} children, {len(data.entries)} entries, "
        f"seed {options.seed}"
    )
    app = open_event_store(CHRONOLOGY_STORE, soak)
    register_partnership(app, data)
    app.close()
    kafka_io.ensure_topics(soak, [soak.topics.events, soak.topics.deadletter, soak.topics.audit])
    env = _child_environment(soak)
    components = _components(options, data.entries, run_dir)
    for component in components:
        component.start(env)
    latencies = EntryLatencies(
        soak, [c.log.with_suffix(".acks") for c in components if c.name.startswith("writer")]
    )
    monitor_stop = threading.Event()
    monitor = threading.Thread(target=latencies.follow, args=(monitor_stop.is_set,), daemon=True)
    monitor.start()
    chaos = Chaos()
    started = time.monotonic()
    say(f"chaos: {options.minutes:g} min, {options.writers} writers at {options.rate:g} entries/s")
    _chaos_loop(soak, options, components, env, chaos, say)
    writing_seconds = time.monotonic() - started
    say("stopping the writers")
    writers = [c for c in components if c.name.startswith("writer")]
    for writer in writers:
        writer.stop(signal.SIGTERM)
    written = set().union(*(acknowledged(w.log.with_suffix(".acks")) for w in writers))
    say(f"{len(written)} entries acknowledged; draining")
    _drain(components, env, latencies, written, say)
    monitor_stop.set()
    monitor.join(timeout=10)
    for component in components:
        component.stop(signal.SIGINT)
    say("checking")
    report = check_everything(soak, written, chaos.poison, say)
    report |= {
        "kills": dict(sorted(chaos.kills.items())),
        "kills_total": sum(chaos.kills.values()),
        "unplanned_exits": dict(sorted(chaos.exits.items())),
        "broker_restarts": chaos.broker_restarts,
        "postgresql_restarts": chaos.postgresql_restarts,
        "max_entry_latency_s": latencies.longest(),
        "entries_not_timed": latencies.untimed(written),
        "throughput_entries_per_s": round(len(written) / writing_seconds, 1),
        "minutes": options.minutes,
        "writers": options.writers,
        "rate": options.rate,
        "seed": options.seed,
    }
    return report


def _partnership_of_size(entries: int, seed: int) -> Any:
    children = max(2, entries // 40)
    data = generate_partnership(children=children, seed=seed)
    while len(data.entries) < entries:
        children = int(children * entries / max(1, len(data.entries))) + 2
        data = generate_partnership(children=children, seed=seed)
    return data


def _child_environment(soak: Settings) -> dict[str, str]:
    """Every child process: the run's database and topics, one principal (the bench's too: the
    per-service principals' ACLs cover the deployment's topic prefix, not a run's own)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FULLPICTURE_")}
    env |= config.kafka_environ(soak)
    env |= {
        config.DATABASE_URL: soak.database.url,
        config.TOPIC_PREFIX: soak.topics.prefix,
        config.TOPIC_PARTITIONS: str(soak.topic_partitions),
        "PYTHONUNBUFFERED": "1",
    }
    return env


def _components(
    options: SoakOptions, entries: list[dict[str, str]], run_dir: Path
) -> list[Component]:
    cli = [sys.executable, "-m", "fullpicture.cli"]
    components = [
        Component("relay", [*cli, "relay"], run_dir / "relay.log"),
        Component("projector-1", [*cli, "project"], run_dir / "projector-1.log"),
        Component("projector-2", [*cli, "project"], run_dir / "projector-2.log"),
        Component("feeds", [*cli, "feeds"], run_dir / "feeds.log"),
    ]
    rng = random.Random(options.seed)
    for number, plan in enumerate(writer_plans(entries, options.writers, rng), start=1):
        plan_file = run_dir / f"writer-{number}.plan.json"
        plan_file.write_text(json.dumps(plan))
        log = run_dir / f"writer-{number}.log"
        command = [
            sys.executable,
            "-m",
            "fullpicture.tools.soak_writer",
            str(plan_file),
            str(log.with_suffix(".acks")),
            str(options.rate / options.writers),
        ]
        components.append(Component(f"writer-{number}", command, log))
    return components


def writer_plans(
    entries: list[dict[str, str]], writers: int, rng: random.Random
) -> list[list[list[dict[str, str]]]]:
    """Each writer's steps: whole families (so every entry an entry refers to is recorded by the
    same writer, earlier), in the order they were recorded; most steps one record, some a small
    import of several entries at once."""
    family_of = _families(entries)
    shares: list[list[dict[str, str]]] = [[] for _ in range(writers)]
    for entry in sorted(entries, key=lambda e: e["recorded_at"]):
        family = family_of[_children(entry)[0]]
        shares[hash_family(family) % writers].append(
            {name: value for name, value in entry.items() if name != "recorded_at"}
        )
    plans = []
    for share in shares:
        steps, at = [], 0
        while at < len(share):
            size = rng.choice((1, 1, 1, 1, 1, 1, 1, 3, 5, 8))
            steps.append(share[at : at + size])
            at += size
        plans.append(steps)
    return plans


def hash_family(family: str) -> int:
    """A stable number for a family (Python's own hash of a string changes per process)."""
    return int(family.rsplit("-", 1)[-1])


def _children(entry: dict[str, str]) -> list[str]:
    return [ref.strip() for ref in entry["child_ref"].replace(";", ",").split(",") if ref.strip()]


def _families(entries: list[dict[str, str]]) -> dict[str, str]:
    """Each child's family: children named together in any entry are one family, named after its
    first child (union-find)."""
    parent: dict[str, str] = {}

    def root(child: str) -> str:
        while parent.setdefault(child, child) != child:
            parent[child] = parent[parent[child]]
            child = parent[child]
        return child

    for entry in entries:
        children = _children(entry)
        root(children[0])
        for other in children[1:]:
            a, b = root(children[0]), root(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {child: root(child) for child in list(parent)}


def _chaos_loop(
    soak: Settings,
    options: SoakOptions,
    components: list[Component],
    env: dict[str, str],
    chaos: Chaos,
    say: Callable[[str], None],
) -> None:
    """Kill a random process every few seconds and start it again; at set points drop the poison
    message and restart the broker and PostgreSQL (each once, when allowed)."""
    rng = random.Random(options.seed)
    duration = options.minutes * 60
    started = time.monotonic()
    due = {"poison": 0.4 * duration}
    if options.services_script:
        due |= {"broker": 0.3 * duration, "postgresql": 0.6 * duration}
    next_kill = started + rng.uniform(*KILL_EVERY_SECONDS)
    outage: threading.Thread | None = None  # a server restart, while the kills go on
    while (now := time.monotonic()) - started < duration:
        _restart_exited(components, env, chaos)
        for event, at in sorted(due.items(), key=lambda item: item[1]):
            if now - started >= at and (outage is None or not outage.is_alive()):
                del due[event]
                outage = threading.Thread(target=_do, args=(event, soak, options, chaos, say))
                outage.start()
                break
        if now >= next_kill:
            victim = rng.choice(components)
            victim.kill()
            chaos.kills[_kind(victim.name)] += 1
            time.sleep(rng.uniform(0.2, 1.5))  # down for a moment, as a supervisor restarts it
            victim.start(env)
            next_kill = time.monotonic() + rng.uniform(*KILL_EVERY_SECONDS)
        time.sleep(0.2)
    if outage is not None:
        outage.join()
    for event in sorted(due, key=due.__getitem__):  # a very short run still does each once
        _do(event, soak, options, chaos, say)


def _kind(name: str) -> str:
    return name.split("-")[0]


def _restart_exited(components: list[Component], env: dict[str, str], chaos: Chaos) -> None:
    """A process that ended by itself (its server was away and it gave up) is started again, as a
    supervisor would; writers that finished their plan are left alone."""
    for component in components:
        if component.alive() or component.process is None:
            continue
        if component.name.startswith("writer") and component.process.returncode == 0:
            continue
        chaos.exits[_kind(component.name)] += 1
        component.start(env)


def _do(
    event: str, soak: Settings, options: SoakOptions, chaos: Chaos, say: Callable[[str], None]
) -> None:
    if event == "poison":
        chaos.poison = poison_message(soak)
        say(f"poison message dropped onto {soak.topics.events}")
    elif event == "broker":
        say(f"restarting the Kafka broker (down {SERVER_DOWN_SECONDS:g} s)")
        _services(options, "kafka-down")
        time.sleep(SERVER_DOWN_SECONDS)
        _services(options, "kafka-up")
        chaos.broker_restarts += 1
    elif event == "postgresql":
        say(f"restarting PostgreSQL (down {SERVER_DOWN_SECONDS:g} s)")
        _services(options, "pg-down")
        time.sleep(SERVER_DOWN_SECONDS)
        _services(options, "pg-up")
        chaos.postgresql_restarts += 1


def _services(options: SoakOptions, command: str) -> None:
    assert options.services_script is not None
    subprocess.run(
        ["bash", options.services_script, command],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _drain(
    components: list[Component],
    env: dict[str, str],
    latencies: EntryLatencies,
    written: set[str],
    say: Callable[[str], None],
) -> None:
    """Keep the relay, projectors and router running until every acknowledged entry is in the
    chronology read model; then let each finish what is there (`--once`) so the topics and feeds
    are complete too."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
    while latencies.untimed(written) and time.monotonic() < deadline:
        for component in components:
            if not component.name.startswith("writer") and not component.alive():
                component.start(env)
        time.sleep(1.0)
    for component in components:
        component.stop(signal.SIGINT)
    cli = [sys.executable, "-m", "fullpicture.cli"]
    for command in (["relay", "--once"], ["project", "--once"], ["feeds", "--once"]):
        say(f"draining: fullpicture {' '.join(command)}")
        subprocess.run([*cli, *command], env=env, check=True, capture_output=True)


def _retry(action: Callable[[], None], say: Callable[[str], None], seconds: float = 120) -> None:
    """Clean-up after a run: a server just restarted may refuse for a moment, and autovacuum
    (which only a superuser may end) may hold the database for a while. A failure is reported,
    never allowed to hide the run's figures."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            action()
            return
        except Exception as error:  # noqa: BLE001 - reported below
            if time.monotonic() > deadline:
                say(f"clean-up failed, left behind: {type(error).__name__}: {error}")
                return
            time.sleep(3.0)


EXPECTED = {name: "0" for name in ZERO_CHECKS} | {
    "dead_letters": "1",
    "dead_letter_is_the_poison": "True",
    "unacknowledged_in_store": "0",
}


def soak_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report as table rows; a dictionary (kills by component) becomes one line."""
    rows = []
    for name, value in report.items():
        if isinstance(value, dict):
            value = " ".join(f"{k}={v}" for k, v in value.items()) or "-"
        rows.append({"check": name, "value": value, "expected": EXPECTED.get(name, "")})
    return rows
