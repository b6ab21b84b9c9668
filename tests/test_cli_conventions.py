"""The command line's manners: help for every option with the words a field allows, a suggestion
for a typo, progress that suits where it is written, tables that wrap instead of cutting, and a
quiet stop when the reader of a pipe goes away."""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.vocabulary import DEFAULT_VOCABULARY
from fullpicture import config
from fullpicture.cli import USER_ERROR, build_parser, main
from fullpicture.output import emit
from fullpicture.progress import ProgressBar
from tests.conftest import REPO_ROOT


def options(parser: argparse.ArgumentParser, path: str = "fullpicture") -> Iterator[tuple]:
    for action in parser._actions:  # noqa: SLF001
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            for name, sub in action.choices.items():
                yield from options(sub, f"{path} {name}")
        else:
            yield path, action


def test_every_option_and_argument_has_help() -> None:
    found = list(options(build_parser()))
    assert len(found) > 150
    assert [(path, action.dest) for path, action in found if not action.help] == []


def help_of(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--help"])
    assert exited.value.code == 0
    return " ".join(capsys.readouterr().out.split())  # argparse wraps lines anywhere


def test_record_help_lists_the_configured_vocabulary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    vocabulary = tmp_path / "vocabulary.toml"
    vocabulary.write_text('[vocabulary]\nconcerns = ["county_lines"]\n')
    monkeypatch.setenv(config.VOCABULARY_FILE, str(vocabulary))
    text = help_of(["record"], capsys)
    concerns = ", ".join([*DEFAULT_VOCABULARY.concerns, "county_lines"])
    assert (
        f"--concerns WORD the concern categories (repeat, or ';'-separated); one of: {concerns}"
        in text
    )
    for flag, allowed in (
        ("--channel", DEFAULT_VOCABULARY.channels),
        ("--consent", DEFAULT_VOCABULARY.consent),
        ("--lawful-basis", DEFAULT_VOCABULARY.lawful_basis),
        ("--family-informed", DEFAULT_VOCABULARY.family_informed),
        ("--significance", DEFAULT_VOCABULARY.significance),
        ("--captured-how", DEFAULT_VOCABULARY.captured_how),
        ("--transfer", DEFAULT_VOCABULARY.transfer),
        ("--format", ("table", "json")),
    ):
        assert re.search(rf"{flag} \S+ [^;]*; one of: {re.escape(', '.join(allowed))}", text), flag
    assert "the kind of entry; one of: concern, share, followup" in text
    roles = help_of(["user", "add"], capsys)
    assert "one of: practitioner, safeguarding_lead, case_reviewer, analyst, administrator" in roles


def test_a_mistyped_command_or_choice_suggests_the_nearest(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["chronolgy", "C-1"])
    assert exited.value.code == USER_ERROR
    assert "invalid choice: 'chronolgy' (did you mean 'chronology'?)" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["record", "concern", "--format", "jsno"])
    assert "(did you mean 'json'?)" in capsys.readouterr().err


def test_a_mistyped_vocabulary_word_suggests_the_nearest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(config.STATE_DIR, str(tmp_path / "state"))
    register = ["agency", "register", "school-elm", "--name", "Elm School", "--type", "educaton"]
    assert main(register) == USER_ERROR
    assert "type: 'educaton' is not one of: police, health, education" in (
        err := capsys.readouterr().err
    )
    assert err.rstrip().endswith("(did you mean 'education'?)")


def test_progress_on_a_terminal_shows_the_rate_and_the_time_left() -> None:
    stream = io.StringIO()
    bar = ProgressBar("recording", 16_000, stream=stream, interactive=True)
    bar._last_draw = -1.0  # noqa: SLF001 - draw now, whatever the clock says
    bar.update(6_400)
    drawn = stream.getvalue()
    assert drawn.startswith("\rrecording [############------------------] 40% (6,400/16,000) ")
    assert re.search(r"[\d,]+/s, \d+:\d\d left", drawn)


def without_fullpicture_settings() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FULLPICTURE_")}
    return env | {"PYTHONPATH": str(REPO_ROOT), "COLUMNS": "100"}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], str]:
    """The demo recorded once in a fresh state directory, its stderr a pipe (not a terminal)."""
    env = without_fullpicture_settings()
    env[config.STATE_DIR] = str(tmp_path_factory.mktemp("demo") / "state")
    done = subprocess.run(
        [sys.executable, "-m", "fullpicture", "demo", "--no-dashboard", "--children", "20"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return env, done.stderr


def test_progress_off_a_terminal_is_plain_periodic_lines(
    demo_run: tuple[dict[str, str], str],
) -> None:
    _, stderr = demo_run
    assert "\r" not in stderr
    plain = re.compile(r"recording the synthetic partnership (\d+)% \([\d,]+/[\d,]+\) [\d,]+/s")
    percents = [int(m.group(1)) for m in map(plain.fullmatch, stderr.splitlines()) if m]
    assert percents == sorted(percents) and len(percents) >= 5
    assert re.search(r"^building the read models 100% .* in [\d.]+s, [\d,]+/s$", stderr, re.M)


def reviewed_child(env: dict[str, str]) -> str:
    """A child of the demo reviewer's grant (the demo grants the children its priority alerts
    name first, so which ones depends on the patterns)."""
    listed = subprocess.run(
        [sys.executable, "-m", "fullpicture", "--as", "admin", "review", "list", "--format=json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return str(json.loads(listed.stdout)[0]["children"][0])


@pytest.mark.parametrize("reader", ["head -1", "true"])
def test_a_reader_that_closes_the_pipe_ends_the_command_quietly(
    demo_run: tuple[dict[str, str], str], reader: str
) -> None:
    """`true` reads nothing, so the write meets a closed pipe; `head -1` is what people type."""
    env, _ = demo_run
    child = reviewed_child(env)
    chronology = f"{sys.executable} -m fullpicture --as reviewer chronology {child}"
    pipeline = subprocess.run(
        ["bash", "-o", "pipefail", "-c", f"{chronology} | {reader}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (pipeline.returncode, pipeline.stderr) == (0, "")
    if reader == "head -1":
        assert pipeline.stdout.split() == [
            "occurred_at",
            "id",
            "kind",
            "agency",
            "to_agencies",
            "summary",
            "concerns",
            "significance",
            "channel",
            "lawful_basis",
            "lawful_basis_status",
            "consent",
            "family_informed",
            "reason",
            "agency_recorded_at",
            "recorded_by",
            "imported_for_review",
        ]


FORGERY = "Seen at home.\n2025-01-02  school-elm:S-9  concern  forged row " + "word " * 40


def test_a_table_wraps_long_text_to_the_terminal_width_and_keeps_all_of_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    out = io.StringIO()
    items = [{"when": "2025-01-01", "id": "police-north:P-1", "summary": FORGERY}]
    emit(items, "table", ("when", "id", "summary"), out)
    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 60
    assert len(lines) > 3
    # Only the header and the one row start at the left edge; continuations start blank.
    assert [line.split()[0] for line in lines if not line.startswith(" ")] == [
        "when",
        "2025-01-01",
    ]
    summary_start = lines[0].index("summary")
    text = " ".join(line[summary_start:].strip() for line in lines[1:])
    assert text.split() == FORGERY.replace("\n", "\\n").split()  # every word, in order


def test_a_table_in_a_pipe_is_never_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    out = io.StringIO()
    emit([{"summary": "x" * 300}], "table", ("summary",), out)
    assert out.getvalue().splitlines()[1] == "x" * 300
