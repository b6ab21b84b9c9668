"""Processes that start at once (a projector per core, the dashboard, the CLI) all create the read
models on the same PostgreSQL database: they must end with one schema version and every table."""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest

from projections import positions
from projections.database import open_read_models
from projections.read_models import ALL_TABLES, VERSION_TABLE, ReadModels

pytestmark = pytest.mark.postgres

STARTING_AT_ONCE = 6


def start_read_models(url: str, ready: Any, outcomes: Any) -> None:
    """One process's start: connect, wait for the others, then create the read models."""
    try:
        db = open_read_models(url)
        ready.wait(timeout=60)
        ReadModels(db)
        db.close()
        outcomes.put("ok")
    except Exception as error:  # noqa: BLE001 - reported to the test, which fails on it
        outcomes.put(f"{type(error).__name__}: {error}")


def start_at_once(url: str, processes: int) -> list[str]:
    spawn = multiprocessing.get_context("spawn")  # separate interpreters, as real processes are
    ready, outcomes = spawn.Barrier(processes), spawn.Queue()
    starting = [
        spawn.Process(target=start_read_models, args=(url, ready, outcomes))
        for _ in range(processes)
    ]
    for process in starting:
        process.start()
    for process in starting:
        process.join(timeout=120)
    return sorted(outcomes.get(timeout=5) for _ in starting)


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
) -> None:
    url = new_postgres_database()
    # A brand-new database, then the same database again (every table already there).
    for start in ("fresh", "existing"):
        outcomes = start_at_once(url, STARTING_AT_ONCE)
        assert outcomes == ["ok"] * STARTING_AT_ONCE, (start, outcomes)
        db = open_read_models(url)
        try:
            assert db.query(f"SELECT COUNT(*) FROM {VERSION_TABLE}") == [(1,)], start
            assert expected_tables() <= tables_in(db), start
        finally:
            db.close()
