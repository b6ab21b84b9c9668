"""Processes that start at once (a projector per core, the dashboard, the CLI) all create the read
models on the same PostgreSQL database: they must end with one schema version and every table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from projections import positions
from projections.database import open_read_models
from projections.read_models import ALL_TABLES, VERSION_TABLE
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.postgres

STARTING_AT_ONCE = 6
# One process's start: connect, say so, wait for the signal to go, then create the read models.
START_READ_MODELS = """
import sys, time
from pathlib import Path
from projections.database import open_read_models
from projections.read_models import ReadModels
db = open_read_models(sys.argv[1])
print("connected", flush=True)
while not Path(sys.argv[2]).exists():
    time.sleep(0.001)
ReadModels(db)
db.close()
"""


def start_at_once(url: str, processes: int, go: Path) -> list[tuple[int, str]]:
    """Separate processes, each connected first, then all let go at the same moment."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    starting = [
        subprocess.Popen(
            [sys.executable, "-c", START_READ_MODELS, url, str(go)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    for process in starting:
        assert process.stdout is not None
        process.stdout.readline()  # "connected" (or nothing, when it failed: seen below)
    go.touch()
    finished = [process.communicate(timeout=120) for process in starting]
    go.unlink()
    return [(p.returncode, err[-2000:]) for p, (_, err) in zip(starting, finished, strict=True)]


def expected_tables() -> set[str]:
    created = [s for model in ALL_TABLES for s in model.CREATE if "CREATE TABLE" in s]
    return {s.split("EXISTS", 1)[1].split()[0] for s in created} | {positions.TABLE, VERSION_TABLE}


def tables_in(db: Any) -> set[str]:
    rows = db.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    )
    return {name for (name,) in rows}


def test_concurrent_start_up_leaves_one_schema_row_and_every_table(
    new_postgres_database,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    url = new_postgres_database()
    # A brand-new database, then the same database again (every table already there).
    for start in ("fresh", "existing"):
        outcomes = start_at_once(url, STARTING_AT_ONCE, tmp_path / "go")
        assert [code for code, _ in outcomes] == [0] * STARTING_AT_ONCE, (start, outcomes)
        db = open_read_models(url)
        try:
            assert db.query(f"SELECT COUNT(*) FROM {VERSION_TABLE}") == [(1,)], start
            assert expected_tables() <= tables_in(db), start
        finally:
            db.close()
