"""FullPicture installed from its wheel, outside the repository, runs the demo, the patterns and
the bench.

Builds the wheel (what `pip install .` builds and installs), installs it without the test extras in
a fresh virtual environment in a temporary directory (dependencies come from the package index,
through pip's cache), and runs the installed command there, far from the source tree, so a data
file left out of the package, or a module only the test extras install, fails here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from fullpicture.config import Settings
from tests.conftest import REPO_ROOT
from tests.test_bench import MEASURES
from tests.test_kafka_relay import cli_environment

# The browser timing needs playwright, a test extra: null without it, every other figure given.
BROWSER_FIGURES = ("dashboard_entries", "dashboard_first_render_s", "dashboard_replay_s")


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed, without the test extras."""
    tmp_path = tmp_path_factory.mktemp("wheel")
    dist = tmp_path / "dist"
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(REPO_ROOT)],
        cwd=tmp_path,
    )
    [wheel] = dist.glob("fullpicture-*.whl")
    target = tmp_path / "env"
    venv.create(target, with_pip=True)
    python = target / "bin" / "python"
    run([str(python), "-m", "pip", "install", "-q", str(wheel)], cwd=tmp_path)
    return target


def test_the_wheel_installs_and_runs_the_demo_and_patterns_outside_the_repository(
    installed: Path, tmp_path: Path
) -> None:
    target = installed
    python = target / "bin" / "python"
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FULLPICTURE_", "PYTHON"))}
    env["FULLPICTURE_STATE_DIR"] = str(work / "state")
    command = str(target / "bin" / "fullpicture")
    assert run([command, "--version"], work, env).startswith("fullpicture ")
    run(
        [command, "user", "add", "admin", "--name", "Ada Administrator", "--role", "administrator"],
        work,
        env,
    )
    assert "20 children" in run([command, "demo", "--no-dashboard", "--children", "20"], work, env)
    run(
        [
            command,
            "--as",
            "admin",
            "user",
            "add",
            "ana",
            "--name",
            "Ana Analyst",
            "--role",
            "analyst",
        ],
        work,
        env,
    )
    alerts = run([command, "--as", "ana", "patterns", "--format", "json"], work, env)
    assert alerts.lstrip().startswith("[")
    assert "patterns" in run([str(python), "-m", "fullpicture", "--help"], work, env)


# 20,000 events, as a new user would first try it: ~3 minutes here beside the install.
INSTALLED_BENCH_EVENTS = 20_000


@pytest.mark.postgres
@pytest.mark.kafka
def test_the_installed_bench_without_test_extras_gives_every_figure_but_the_browser_timing(
    installed: Path, tmp_path: Path, distributed_settings: Settings
) -> None:
    env = cli_environment(distributed_settings)
    env.pop("PYTHONPATH")  # the installed package, not the source tree
    has_playwright = "import importlib.util as u; print(u.find_spec('playwright') is not None)"
    assert (
        run([str(installed / "bin" / "python"), "-c", has_playwright], tmp_path, env) == "False\n"
    )
    bench = subprocess.run(
        [
            str(installed / "bin" / "fullpicture"),
            "bench",
            "--events",
            str(INSTALLED_BENCH_EVENTS),
            "--format",
            "json",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert bench.returncode == 0, bench.stderr[-3000:]
    results = json.loads(bench.stdout)
    assert results["events"] == INSTALLED_BENCH_EVENTS
    for figure in BROWSER_FIGURES:
        assert results[figure] is None, figure
    for measure in set(MEASURES) - set(BROWSER_FIGURES):
        assert isinstance(results[measure], int | float) and results[measure] > 0, measure
    said = [line for line in bench.stderr.splitlines() if "dashboard timing skipped" in line]
    assert said and "playwright" in said[0]
    # Said before the long work (first, before the import), and again beside the figures.
    assert bench.stderr.splitlines()[0] == said[0] and len(said) == 2
