"""One soak writer: records its share of a synthetic partnership at a steady rate, as an agency's
system does, through the application service (`Partnership.record_all`).

Run as its own process (`python -m fullpicture.tools.soak_writer PLAN ACKS RATE`) so the soak can
kill it. Each step of the plan is one record (one entry) or one import (a few entries at once). An
entry counts as written only once `record_all` has returned, that is once the store committed it;
its id then goes to the acknowledgement file, flushed to disk. After a lost connection, a kill or
a restart the step is simply recorded again: an entry identical to the stored one is a no-op
(`unchanged`), so a retry never writes twice.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from domain.application import EntriesRejected, Partnership
from fullpicture.bootstrap import CHRONOLOGY_STORE, open_event_store
from fullpicture.config import load_settings

log = logging.getLogger("soak.writer")
RETRY_SECONDS = 0.5


def acknowledged(acks: Path) -> set[str]:
    """Entry ids already acknowledged (a restarted writer resumes after them)."""
    if not acks.exists():
        return set()
    return {line.split("\t", 1)[0] for line in acks.read_text().splitlines() if "\t" in line}


def write(plan: list[list[dict[str, Any]]], acks: Path, rate: float) -> int:
    """Record every step not yet acknowledged, `rate` entries a second; stop on SIGTERM."""
    stopping = False

    def stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    done = acknowledged(acks)
    app: Partnership | None = None
    written = 0
    next_at = time.monotonic()
    with acks.open("a") as out:
        for step in plan:
            if stopping:
                break
            ids = [f"{entry['agency']}:{entry['entry_ref']}" for entry in step]
            if all(entry_id in done for entry_id in ids):
                continue
            time.sleep(max(0.0, next_at - time.monotonic()))
            while True:
                try:
                    app = app or open_event_store(CHRONOLOGY_STORE, load_settings())
                    outcome = app.record_all([(None, entry) for entry in step])
                    break
                except EntriesRejected:
                    raise  # the plan itself is wrong: a bug, never retried
                except Exception as error:  # noqa: BLE001 - the store or its connection is down
                    log.info("writer: %s: %s; retrying", type(error).__name__, error)
                    app = _closed(app)
                    time.sleep(RETRY_SECONDS)
            stamp = time.time()
            for entry_id in outcome.recorded + outcome.unchanged:
                out.write(f"{entry_id}\t{stamp:.3f}\n")
            out.flush()
            os.fsync(out.fileno())
            written += len(ids)
            next_at = max(next_at + len(step) / rate, time.monotonic() - 1.0)
    if app is not None:
        app.close()
    return written


def _closed(app: Partnership | None) -> None:
    if app is not None:
        with contextlib.suppress(Exception):  # closing a broken connection may fail too
            app.close()


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    plan_file, acks_file, rate = argv
    plan = json.loads(Path(plan_file).read_text())
    written = write(plan, Path(acks_file), float(rate))
    print(f"writer: recorded {written} entries", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
