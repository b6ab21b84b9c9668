"""The short chaos soak: about a minute of writers recording while processes are killed (no
server restarts: the servers are shared), then nothing lost, duplicated or misrouted."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest

from fullpicture.config import Settings
from fullpicture.tools.soak import ZERO_CHECKS, writer_plans
from fullpicture.tools.synthetic import generate_partnership
from tests.test_kafka_relay import cli_environment

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]


def test_a_short_soak_with_kills_loses_duplicates_and_misroutes_nothing(
    distributed_settings: Settings,
) -> None:
    run = subprocess.run(
        [
            *(sys.executable, "-m", "fullpicture.cli", "soak"),
            *("--minutes", "0.75", "--writers", "2", "--rate", "12", "--seed", "3"),
            *("--format", "json"),
        ],
        env=cli_environment(distributed_settings),
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert "Traceback" not in run.stderr
    report = json.loads(run.stdout)
    assert run.returncode == 0, (report, run.stderr[-3000:])
    for check in ZERO_CHECKS:
        assert report[check] == 0, check
    assert report["dead_letters"] == 1 and report["dead_letter_is_the_poison"]
    assert report["entries_written"] == report["entries_in_store"] > 100
    assert report["entries_in_chronology"] == report["entries_written"]
    assert report["kills_total"] >= 5
    assert report["broker_restarts"] == report["postgresql_restarts"] == 0


def test_a_soak_without_a_durable_server_refuses_durable(distributed_settings: Settings) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "fullpicture.cli", "soak", "--minutes", "1", "--durable"],
        env=cli_environment(distributed_settings),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert "--durable" in run.stderr and "fsync=off" in run.stderr
    assert "Traceback" not in run.stderr


def test_each_family_is_written_by_one_writer_in_recorded_order() -> None:
    """An entry refers only to its own family's earlier entries, so a writer never waits on
    another's."""
    data = generate_partnership(children=40, seed=5)
    plans = writer_plans(data.entries, 3, random.Random(5))
    writer_of: dict[str, int] = {}
    seen = 0
    for number, plan in enumerate(plans):
        for step in plan:
            for entry in step:
                seen += 1
                for child in entry["child_ref"].split(";"):
                    assert writer_of.setdefault(child, number) == number
    assert seen == len(data.entries)
    assert all(plan for plan in plans)
