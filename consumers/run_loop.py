"""The one run loop of every long-running consumer: step until stopped, wait out a server that is
away, close on the way out, however the loop ends.

A consumer supplies a `step` (one unit of work: a batch published, a poll routed, applied or
delivered) that says what it did in an `Outcome`. The loop does the rest the same way for all:
`should_stop` is asked before every step; a step with nothing to do ends a run `once`, and
otherwise waits `idle_seconds` (none for a Kafka poll, which waits by itself); a step that met a
server away (having made itself ready to resume) is followed, after a back-off that doubles up to
`MAX_BACKOFF_SECONDS`, by the next.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from kafka.errors import KafkaError

log = logging.getLogger(__name__)

FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 10.0


@dataclass(frozen=True)
class Outcome:
    """What one step did: how much work, whether there was nothing (more) to do, or which
    server failure stopped it."""

    done: int = 0
    idle: bool = False
    failure: Exception | None = None


BUSY = Outcome()
IDLE = Outcome(idle=True)


def never() -> bool:
    return False


class Backoff:
    """How long to wait before stepping again while a server is away: doubling from the first
    wait to the ceiling, and back to the first after a step that succeeds."""

    def __init__(
        self, first: float = FIRST_BACKOFF_SECONDS, ceiling: float = MAX_BACKOFF_SECONDS
    ) -> None:
        self.first = first
        self.ceiling = ceiling
        self.seconds = first

    def next_wait(self) -> float:
        wait = self.seconds
        self.seconds = min(self.seconds * 2, self.ceiling)
        return wait

    def reset(self) -> None:
        self.seconds = self.first


def run(
    step: Callable[[], Outcome],
    name: str,
    once: bool = False,
    should_stop: Callable[[], bool] = never,
    idle_seconds: float = 0.0,
    close: Callable[[], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    backoff: Backoff | None = None,
) -> int:
    """Step until `should_stop` (or, with `once`, until a step has nothing to do), then `close`;
    returns the work the steps did. An error a step raises ends the loop (after `close`)."""
    backoff = backoff or Backoff()
    done = 0
    wait: float | None = None  # before the next step, after a server failure
    try:
        while not should_stop():
            if wait is not None:
                sleep(wait)
            outcome = step()
            done += outcome.done
            if outcome.failure is not None:
                wait = backoff.next_wait()
                log.warning(
                    "%s: %s unavailable (%s); retrying in %.1fs",
                    name,
                    "broker" if isinstance(outcome.failure, KafkaError) else "database",
                    outcome.failure,
                    wait,
                )
                continue
            wait = None
            backoff.reset()
            if outcome.idle:
                if once:
                    break
                if idle_seconds:
                    sleep(idle_seconds)
    finally:
        if close is not None:
            close()
    return done
