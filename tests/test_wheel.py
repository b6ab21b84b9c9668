"""FullPicture installed from its wheel, outside the repository, runs the demo and the patterns.

Builds the wheel, installs it in a fresh virtual environment in a temporary directory (dependencies
come from the package index, through pip's cache), and runs the installed command there, far from
the source tree, so a data file left out of the package fails here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

from tests.conftest import REPO_ROOT


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def test_the_wheel_installs_and_runs_the_demo_and_patterns_outside_the_repository(
    tmp_path: Path,
) -> None:
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
