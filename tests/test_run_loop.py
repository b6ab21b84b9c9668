"""The run loop every long-running consumer shares: stop, once, back-off, close."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest
from kafka.errors import KafkaConnectionError

from consumers import run_loop
from consumers.run_loop import BUSY, IDLE, Backoff, Outcome


def scripted(*outcomes: Outcome) -> tuple[Callable[[], Outcome], list[int]]:
    """A step that answers with these outcomes in turn (then idle), counting its calls."""
    remaining: Iterator[Outcome] = iter(outcomes)
    calls: list[int] = []

    def step() -> Outcome:
        calls.append(len(calls) + 1)
        return next(remaining, IDLE)

    return step, calls


class Closed:
    def __init__(self) -> None:
        self.times = 0

    def __call__(self) -> None:
        self.times += 1


def test_a_run_once_ends_at_the_first_step_with_nothing_to_do_and_counts_the_work() -> None:
    step, calls = scripted(Outcome(done=3), BUSY, Outcome(done=2), IDLE, Outcome(done=9))
    sleeps: list[float] = []

    done = run_loop.run(step, "test", once=True, idle_seconds=5.0, sleep=sleeps.append)

    assert done == 5
    assert len(calls) == 4
    assert sleeps == []  # a run once never waits for more work


def test_a_following_run_waits_when_idle_and_steps_until_asked_to_stop() -> None:
    step, calls = scripted(Outcome(done=1), IDLE, IDLE, Outcome(done=4))
    sleeps: list[float] = []

    done = run_loop.run(
        step, "test", should_stop=lambda: len(calls) == 4, idle_seconds=0.5, sleep=sleeps.append
    )

    assert done == 5
    assert sleeps == [0.5, 0.5]


def test_should_stop_is_asked_before_every_step() -> None:
    step, calls = scripted()
    closed = Closed()

    assert run_loop.run(step, "test", should_stop=lambda: True, close=closed) == 0
    assert calls == []
    assert closed.times == 1


def test_a_kafka_poll_that_waits_by_itself_is_not_followed_by_a_sleep() -> None:
    step, calls = scripted(IDLE, IDLE, IDLE)
    sleeps: list[float] = []

    run_loop.run(step, "test", should_stop=lambda: len(calls) == 3, sleep=sleeps.append)

    assert sleeps == []


def test_a_server_away_is_waited_out_doubling_up_to_the_ceiling_then_from_the_start() -> None:
    away = KafkaConnectionError("broker down")
    failures = [Outcome(failure=away)] * 7
    step, calls = scripted(*failures, Outcome(done=1), Outcome(failure=away), Outcome(done=1))
    sleeps: list[float] = []

    done = run_loop.run(step, "test", once=True, sleep=sleeps.append)

    assert done == 2
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 0.5]


def test_a_failed_step_never_ends_a_run_once() -> None:
    away = psycopg.OperationalError("the database went away")
    step, calls = scripted(Outcome(failure=away), Outcome(failure=away), Outcome(done=7))

    done = run_loop.run(step, "test", once=True, sleep=lambda _: None)

    assert done == 7
    assert len(calls) == 4  # three, then the idle step that ends it


def test_a_stop_asked_during_a_back_off_skips_the_wait() -> None:
    away = KafkaConnectionError("broker down")
    step, calls = scripted(Outcome(failure=away), Outcome(done=1))
    sleeps: list[float] = []

    run_loop.run(step, "test", should_stop=lambda: len(calls) == 1, sleep=sleeps.append)

    assert sleeps == []


def test_the_consumer_is_closed_when_a_step_raises_and_the_error_reaches_the_caller() -> None:
    closed = Closed()

    def step() -> Outcome:
        raise ValueError("a bug, not an outage")

    with pytest.raises(ValueError, match="a bug"):
        run_loop.run(step, "test", close=closed)
    assert closed.times == 1


def test_the_consumer_is_closed_once_when_the_run_ends() -> None:
    step, _ = scripted(Outcome(done=1))
    closed = Closed()

    run_loop.run(step, "test", once=True, close=closed)

    assert closed.times == 1


def test_a_back_off_starts_again_after_a_reset() -> None:
    backoff = Backoff(first=1.0, ceiling=3.0)

    assert [backoff.next_wait() for _ in range(4)] == [1.0, 2.0, 3.0, 3.0]
    backoff.reset()
    assert backoff.next_wait() == 1.0
