"""What every command shares: the parser ("did you mean"), who must be named (`--as`), the common
options, and the errors a handler raises for the user to read."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from domain.errors import nearest_word
from domain.vocabulary import DEFAULT_VOCABULARY, Vocabulary
from fullpicture.bootstrap import Wiring
from fullpicture.config import ConfigurationError
from fullpicture.output import FORMATS


class UserError(Exception):
    """A problem with what the user asked for; printed as one line."""


NAME_YOURSELF = (
    "name yourself: --as USER (or FULLPICTURE_USER=USER); this command reads or records "
    "child data, so it acts as a registered person"
)


# Whether a command acts as a person: child data needs one; service commands need none; a few
# (registering agencies and people) need one once anyone is registered.
REQUIRED, ONCE_ANYONE_EXISTS, NONE = "required", "once anyone exists", "none"


AS_HELP = "the registered person this command acts as (default: $FULLPICTURE_USER)"


class CommandParser(argparse.ArgumentParser):
    """argparse, with "did you mean" for a mistyped command or value."""

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        choices = action.choices
        if choices is not None and value not in choices:
            nearest = nearest_word(str(value), [str(c) for c in choices])
            if nearest is not None:
                name = argparse._get_action_name(action) or "COMMAND"  # noqa: SLF001
                self.error(
                    f"argument {name}: invalid choice: {value!r} (did you mean {nearest!r}?)"
                )
        super()._check_value(action, value)


def list_allowed_values(parser: argparse.ArgumentParser) -> None:
    """Every option with fixed choices says them in its help (subcommands' too)."""
    for action in parser._actions:  # noqa: SLF001 - argparse has no public walk
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            for sub in dict.fromkeys(action.choices.values()):
                list_allowed_values(sub)
        elif action.choices is not None and action.help and "one of:" not in action.help:
            action.help += "; one of: " + ", ".join(str(c) for c in action.choices)


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("fullpicture")
    except PackageNotFoundError:
        return "unknown (not installed)"


def add_command(
    commands: Any,
    name: str,
    help_text: str,
    run: Callable[[Wiring, argparse.Namespace], int],
    person: str = REQUIRED,
) -> argparse.ArgumentParser:
    command = commands.add_parser(name, help=help_text, description=help_text)
    command.set_defaults(run=run, person=person)
    # Also accepted after the command's name; SUPPRESS keeps a value given before it.
    command.add_argument(
        "--as", dest="acting_as", metavar="USER", default=argparse.SUPPRESS, help=AS_HELP
    )
    return command


def purpose_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--purpose",
        default="",
        metavar="TEXT",
        help="why you are looking; required to open a child outside your scope (break-glass, "
        "recorded and shown to safeguarding leads)",
    )


def format_option(command: argparse.ArgumentParser, choices: Sequence[str] = FORMATS) -> None:
    command.add_argument("--format", choices=choices, default="table", help="output format")


def replay_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--as-at", metavar="DATE", help="only what had happened by the end of DATE"
    )
    command.add_argument("--known-by", metavar="AGENCY", help="only what AGENCY knew")


def credentials_out_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--credentials-out",
        type=Path,
        metavar="FILE",
        help="where to write the agency's Kafka credentials (JSON, created 0600); default "
        "<state dir>/credentials/agency-CODE.json",
    )


def dashboard_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--port", type=int, default=8501, help="the dashboard's port (default 8501)"
    )
    command.add_argument(
        "--address",
        default="127.0.0.1",
        help="the address the dashboard listens on (default 127.0.0.1, this machine only; "
        "0.0.0.0 in a container)",
    )


def help_vocabulary() -> Vocabulary:
    """The configured vocabulary for help text; the defaults if the configuration is broken
    (running the command then reports the problem)."""
    from fullpicture.bootstrap import configured_vocabulary
    from fullpicture.config import load_settings

    try:
        return configured_vocabulary(load_settings())
    except ConfigurationError:
        return DEFAULT_VOCABULARY


def write_out(path: Path, content: str | bytes) -> None:
    """A document written where `--out` says, or a `UserError` naming the option."""
    try:
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    except OSError as error:
        raise UserError(f"--out: cannot write {path}: {error.strerror}") from None
