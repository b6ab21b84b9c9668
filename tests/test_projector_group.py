"""Projectors in one consumer group: a member that loses its partitions gets them back at once,
an idle member costs no CPU and leaves the group alone, and a group join is never thrown away."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kafka import ConsumerRebalanceListener
from kafka.coordinator.assignors.abstract import ConsumerProtocolAssignment
from kafka.coordinator.assignors.range import RangePartitionAssignor

from consumers import kafka_io
from consumers.kafka_security import projector_group
from consumers.relay import Relay
from fullpicture.bootstrap import Wiring
from fullpicture.config import Settings
from projections.read_models import table_dump
from tests.builders import register_agencies
from tests.kafka_helpers import read_topic
from tests.test_kafka_projector import clean_rebuild, wait_for_positions
from tests.test_kafka_relay import cli_environment, record_rows

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]

# Before, a member left without partitions waited 10 s before it asked to rejoin the group.
REJOINED_WITHIN_SECONDS = 5.0
# An idle member's CPU, as a share of one core: polling in a loop would use all of it.
IDLE_CPU_SHARE_AT_MOST = 0.15
ASSIGNED = re.compile(r"projector: assigned partitions \[([\d, ]*)\]")


class Member:
    """One `fullpicture project` process, its log in a file so it can be read while it runs."""

    def __init__(self, settings: Settings, log: Path, *extra: str) -> None:
        self.log = log
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "fullpicture.cli", "project", *extra],
                env=cli_environment(settings),
                stdout=subprocess.DEVNULL,
                stderr=output,
            )

    def assignments(self) -> list[list[int]]:
        text = self.log.read_text(errors="replace")
        return [
            [int(p) for p in m.group(1).split(",") if p.strip()] for m in ASSIGNED.finditer(text)
        ]

    def holds(self) -> list[int]:
        found = self.assignments()
        return found[-1] if found else []

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def wait_until(condition: Callable[[], Any], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


def relay_everything(settings: Settings, wiring: Wiring) -> None:
    Relay(settings, wiring.partnership, wiring.read_model_database()).run(once=True)


@pytest.fixture
def published(distributed_settings: Settings, wiring_for) -> Wiring:  # type: ignore[no-untyped-def]
    wiring = wiring_for(distributed_settings)
    register_agencies(wiring.partnership)
    record_rows(wiring, 2000, seed=0)
    relay_everything(distributed_settings, wiring)
    return wiring


def test_a_member_losing_its_partitions_rejoins_without_waiting(
    published: Wiring,
    distributed_settings: Settings,
    new_postgres_database,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    partitions = list(range(distributed_settings.topic_partitions))
    first = Member(distributed_settings, tmp_path / "first.log")
    second = Member(distributed_settings, tmp_path / "second.log")
    try:
        assert wait_until(lambda: first.holds() and second.holds(), 60), "both hold partitions"
        # The second stops answering the group: once its session ends the group moves on
        # without it, in a real rebalance, and the first is given every partition.
        second.process.send_signal(signal.SIGSTOP)
        assert wait_until(lambda: first.holds() == partitions, 60), first.assignments()
        record_rows(published, 500, seed=1)  # work for both, while the second is away
        relay_everything(distributed_settings, published)

        assigned_before = len(second.assignments())
        second.process.send_signal(signal.SIGCONT)
        resumed = time.monotonic()
        assert wait_until(
            lambda: any(second.assignments()[assigned_before:]), 3 * REJOINED_WITHIN_SECONDS
        ), second.log.read_text()[-3000:]
        assert time.monotonic() - resumed < REJOINED_WITHIN_SECONDS
        assert second.process.poll() is None, second.log.read_text()[-3000:]  # still running

        # Together they apply every event exactly once: the read models equal a clean rebuild.
        topic = distributed_settings.topics.events
        on_topic = len(read_topic(distributed_settings, topic))
        assert wait_for_positions(published.read_models, topic, at_least=on_topic) >= on_topic
    finally:
        for member in (first, second):
            member.stop()
    expected = table_dump(clean_rebuild(distributed_settings, new_postgres_database).db)
    assert table_dump(published.read_models.db) == expected


def test_an_idle_member_uses_no_cpu_and_leaves_the_group_alone(
    published: Wiring, distributed_settings: Settings, tmp_path: Path
) -> None:
    # One member more than there are partitions: one is given none, and all are caught up.
    members = [
        Member(distributed_settings, tmp_path / f"member{n}.log")
        for n in range(distributed_settings.topic_partitions + 1)
    ]
    topic = distributed_settings.topics.events
    on_topic = len(read_topic(distributed_settings, topic))
    try:
        assert wait_for_positions(published.read_models, topic, at_least=on_topic) >= on_topic
        assert wait_until(lambda: sum(len(m.holds()) for m in members) == len(members) - 1, 60)
        time.sleep(2)  # the last refreshes after catching up
        rebalances = [len(m.assignments()) for m in members]
        started = time.monotonic()
        used = [m.cpu_seconds() for m in members]
        time.sleep(12)  # longer than a member once waited before rejoining the group
        seconds = time.monotonic() - started
        share = [(m.cpu_seconds() - u) / seconds for m, u in zip(members, used, strict=True)]
        assert max(share) < IDLE_CPU_SHARE_AT_MOST, share
        assert [len(m.assignments()) for m in members] == rebalances, "no rebalance while idle"
        assert [m.holds() for m in members].count([]) == 1
    finally:
        for member in members:
            member.stop()


def test_a_run_once_member_beside_members_holding_every_partition_leaves(
    published: Wiring, distributed_settings: Settings, tmp_path: Path
) -> None:
    topic = distributed_settings.topics.events
    on_topic = len(read_topic(distributed_settings, topic))
    running = [
        Member(distributed_settings, tmp_path / f"member{n}.log")
        for n in range(distributed_settings.topic_partitions)
    ]
    try:
        assert wait_for_positions(published.read_models, topic, at_least=on_topic) >= on_topic
        # Each time, the group gives the newcomer a partition (caught up) or none: either way
        # it has nothing to do and leaves, while the others go on running.
        for attempt in range(3):
            once = Member(distributed_settings, tmp_path / f"once{attempt}.log", "--once")
            try:
                exit_code = once.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                once.stop()
                pytest.fail(f"a --once member stayed: {once.log.read_text()[-3000:]}")
            assert exit_code == 0, once.log.read_text()[-3000:]
        assert all(member.process.poll() is None for member in running)
    finally:
        for member in running:
            member.stop()


class CountingAssignments(ConsumerRebalanceListener):
    def __init__(self) -> None:
        self.assigned: list[set[Any]] = []
        self.holding = False

    def on_partitions_revoked(self, revoked: Any) -> None:
        self.holding = False

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.assigned.append(set(assigned))
        self.holding = True


def test_a_group_join_that_finishes_between_two_polls_is_used_not_repeated(
    published: Wiring, distributed_settings: Settings
) -> None:
    topic, group = distributed_settings.topics.events, "join-between-polls"
    leader, leader_joins = kafka_io.consumer(distributed_settings, group), CountingAssignments()
    other, other_joins = kafka_io.consumer(distributed_settings, group), CountingAssignments()

    def poll(consumer: Any, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            consumer.poll(timeout_ms=100, max_records=1)

    try:
        kafka_io.subscribe(leader, [topic], leader_joins)
        assert wait_until(lambda: poll(leader, 0.1) or leader_joins.assigned, 30)
        kafka_io.subscribe(other, [topic], other_joins)
        poll(other, 2.0)  # its join waits for the leader, whose heartbeat hears of the rebalance
        leader.poll(timeout_ms=1, max_records=1)  # the leader rejoins, and its poll ends at once
        poll(other, 3.0)  # meanwhile the join finishes: the other member gets its partitions
        assert len(other_joins.assigned) == 1
        poll(leader, 2.0)  # the leader's next polls find its join finished
        poll(other, 3.0)
        assert len(other_joins.assigned) == 1, "the leader's join was repeated: a new rebalance"
        held = [p.partition for p in leader.assignment() | other.assignment()]
        assert sorted(held) == list(range(distributed_settings.topic_partitions))
    finally:
        other.close()
        leader.close()


class FirstSharedAssignmentGivesNothing(RangePartitionAssignor):
    """A group leader whose first assignment to more than itself leaves every partition without
    an owner, as one made from metadata that lacked the topic would; then it assigns as usual."""

    name = "range"
    gave_nothing = False

    @classmethod
    def assign(cls, cluster: Any, members: Any) -> dict[str, Any]:
        usual = super().assign(cluster, members)
        if len(members) < 2 or cls.gave_nothing:
            return usual
        cls.gave_nothing = True
        return {member: ConsumerProtocolAssignment(cls.version, [], b"") for member in usual}


def test_a_member_given_nothing_while_partitions_have_no_owner_rejoins_at_once(
    published: Wiring, distributed_settings: Settings, tmp_path: Path
) -> None:
    group, topic = projector_group(distributed_settings.topics), distributed_settings.topics.events
    leader = kafka_io.consumer(
        distributed_settings,
        group,
        partition_assignment_strategy=[FirstSharedAssignmentGivesNothing],
    )
    kafka_io.subscribe(leader, [topic])
    stop = threading.Event()

    def take_part() -> None:
        while not stop.is_set():
            leader.poll(timeout_ms=100, max_records=1)

    taking_part = threading.Thread(target=take_part)
    taking_part.start()
    member = None
    try:
        assert wait_until(lambda: leader.assignment(), 30)  # alone, it leads the group
        member = Member(distributed_settings, tmp_path / "member.log")
        assert wait_until(lambda: member.assignments() == [[]], 60), member.log.read_text()
        given_nothing = time.monotonic()
        assert wait_until(lambda: member.holds(), 3 * REJOINED_WITHIN_SECONDS), member.assignments()
        assert time.monotonic() - given_nothing < REJOINED_WITHIN_SECONDS
    finally:
        if member is not None:
            member.stop()
        stop.set()
        taking_part.join()
        leader.close()
