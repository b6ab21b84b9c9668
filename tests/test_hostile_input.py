"""Hostile and careless input is refused with the exact error, exit code 2, no traceback, and
nothing changed: not the event store, not the read models, not Kafka.

The cases (`tests/hostile_cases.py`) cover `record` with flags, `record --json` and `import`.
They run against the embedded store, and against PostgreSQL with the relay publishing to real
Kafka after every case.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from consumers.relay import Relay
from fullpicture import config
from fullpicture.bootstrap import Wiring
from fullpicture.cli import USER_ERROR, main
from fullpicture.config import load_settings
from projections.read_models import table_dump
from tests.builders import AGENCIES, request, share
from tests.conftest import SERVICES, kafka_admin_environ, postgres_admin_url, postgres_app_url
from tests.hostile_cases import CASES, Case
from tests.people import REVIEWER, practitioner_of, register_people

MODES = ("embedded", "distributed")
REGISTERED = {**AGENCIES, "housing-north": ("Northshire Housing", "housing")}


@contextmanager
def only_these_settings(env: dict[str, str]) -> Iterator[None]:
    """Exactly `env` as FullPicture's settings (module fixtures run outside the per-test
    hermetic environment, so the developer's own settings are cleared here too)."""
    with pytest.MonkeyPatch.context() as patch:
        for key in config.ALL_KEYS:
            patch.delenv(key, raising=False)
        for key, value in env.items():
            patch.setenv(key, value)
        yield


@dataclass
class Partnership:
    """The partnership the cases run against, and how to see whether anything changed."""

    env: dict[str, str]
    workdir: Path

    def snapshot(self) -> tuple[int, dict[str, Any], int]:
        with only_these_settings(self.env):
            wiring = Wiring(load_settings())
            try:
                stored = wiring.partnership.recorder.max_notification_id() or 0
                dump = table_dump(wiring.read_models.db)
                published = 0
                if wiring.kafka is not None:
                    relay = Relay(wiring.settings, wiring.partnership, wiring.read_model_database())
                    published = relay.run(once=True)
                return stored, dump, published
            finally:
                wiring.close()


def set_up(env: dict[str, str]) -> None:
    with only_these_settings(env):
        for code, (name, agency_type) in REGISTERED.items():
            assert main(["agency", "register", code, "--name", name, "--type", agency_type]) == 0
        register_people(main, REGISTERED, ["C-0052"])
        wiring = Wiring(load_settings())
        try:
            wiring.partnership.record(share(child_ref="C-0052"))
            wiring.partnership.record(request(child_ref="C-0052"))
            if wiring.kafka is not None:
                Relay(wiring.settings, wiring.partnership, wiring.read_model_database()).run(
                    once=True
                )
            else:
                assert main(["--as", REVIEWER, "chronology", "C-0052", "--format", "json"]) == 0
        finally:
            wiring.close()


@pytest.fixture(scope="module", params=MODES)
def partnership(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    topic_prefixes_used: list[str],
) -> Iterator[Partnership]:
    workdir = tmp_path_factory.mktemp(request.param)
    env = {config.STATE_DIR: str(workdir / "state")}
    database = ""
    if request.param == "distributed":
        import psycopg

        app = config.Database(postgres_app_url())
        database = f"fp_hostile_{os.getpid()}"
        with psycopg.connect(postgres_admin_url(), autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            owner = app.postgres_parts()["user"]
            connection.execute(f'CREATE DATABASE {database} OWNER "{owner}"')
        prefix = f"fphostile{os.getpid()}"
        topic_prefixes_used.append(prefix)
        env |= {
            config.DATABASE_URL: f"{app.url.rpartition('/')[0]}/{database}",
            config.KAFKA_BOOTSTRAP: SERVICES[config.KAFKA_BOOTSTRAP],
            config.TOPIC_PREFIX: prefix,
            config.TOPIC_PARTITIONS: "1",
            config.ADMIN_DATABASE_URL: postgres_admin_url(),
            **kafka_admin_environ(),
        }
    set_up(env)
    yield Partnership(env, workdir)
    if database:
        import psycopg

        with psycopg.connect(postgres_admin_url(), autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def argv_for(case: Case, workdir: Path) -> tuple[list[str], str]:
    if case.door == "flags":
        assert isinstance(case.given, list)
        return case.given, ""
    path = workdir / ("entry.json" if case.door == "json" else "sheet.csv")
    for stale in (path,):
        if stale.is_dir():
            stale.rmdir()
        elif stale.exists():
            stale.unlink()
    if case.path_is == "directory":
        path.mkdir()
    elif case.path_is == "file":
        assert isinstance(case.given, bytes)
        path.write_bytes(case.given)
    command = ["record", "--json"] if case.door == "json" else ["import"]
    return [*command, str(path)], str(path)


def acting_agency(case: Case) -> str:
    """The agency whose practitioner gives the case: the one it names, where that is registered
    (otherwise school-elm's, whom the access check then refuses to record as another)."""
    named = ""
    if isinstance(case.given, list):
        named = case.given[case.given.index("--agency") + 1] if "--agency" in case.given else ""
    elif case.door == "json":
        try:
            data = json.loads(case.given)
            named = data.get("agency", "") if isinstance(data, dict) else ""
        except (ValueError, RecursionError):
            pass
    else:
        try:
            rows = list(csv.DictReader(io.StringIO(case.given.decode("utf-8"))))
            named = rows[0].get("agency") or "" if rows else ""
        except (ValueError, csv.Error):
            pass
    return named if named in REGISTERED else "school-elm"


def error_lines(stderr: str) -> list[str]:
    return [line.split("error: ", 1)[1] for line in stderr.splitlines() if "error: " in line]


def run(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exit_:  # argparse refuses unknown flags this way
        return int(exit_.code or 0)


def test_there_are_at_least_a_hundred_cases_across_the_three_doors() -> None:
    assert len(CASES) >= 100
    assert {case.door for case in CASES} == {"flags", "json", "import"}


@pytest.mark.parametrize("case", CASES, ids=[f"{c.door}: {c.name}" for c in CASES])
def test_hostile_input_is_refused_exactly_and_changes_nothing(
    partnership: Partnership,
    case: Case,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in partnership.env.items():
        monkeypatch.setenv(key, value)
    before = partnership.snapshot()
    argv, path = argv_for(case, partnership.workdir)
    acting = REVIEWER if case.acting == "reviewer" else practitioner_of(acting_agency(case))
    argv = ["--as", acting, *argv]
    capsys.readouterr()

    exit_code = run(argv)

    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert exit_code == USER_ERROR, err
    assert error_lines(err) == [line.replace("{path}", path) for line in case.errors]
    assert partnership.snapshot() == before
