"""`fullpicture`'s entry: parse the arguments, bootstrap once, run the command's handler, and turn
errors into one line on stderr and an exit code (2 for the user's errors); never a traceback."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from domain.application import EntriesRejected
from domain.errors import DomainError, InvalidEntry
from fullpicture.bootstrap import NotConfiguredFor, Wiring, bootstrap
from fullpicture.cli.board import report_command
from fullpicture.cli.notify import notify_command
from fullpicture.cli.parser import (
    AS_HELP,
    NAME_YOURSELF,
    REQUIRED,
    CommandParser,
    UserError,
    list_allowed_values,
    package_version,
)
from fullpicture.cli.people import people_commands
from fullpicture.cli.reading import (
    audit_command,
    chronology_command,
    export_command,
    patterns_command,
)
from fullpicture.cli.recording import alert_commands, child_commands, import_command, record_command
from fullpicture.cli.retention import erase_command, hold_commands, retention_commands
from fullpicture.cli.services import dashboard_command, runner_commands
from fullpicture.cli.setup import agency_commands, init_command, kafka_commands, schemas_command
from fullpicture.cli.tasks import task_commands
from fullpicture.cli.tools import bench_and_soak_commands, demo_command, evaluate_command
from fullpicture.config import ConfigurationError
from fullpicture.entry_json import EntryJsonError
from fullpicture.queries import PeopleStoreLost
from projections.database import ReadModelsBusy

USER_ERROR = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return USER_ERROR
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    for noisy in ("kafka", "streamlit"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    wiring: Wiring | None = None
    try:
        wiring = bootstrap()
        args.acting_as = getattr(args, "acting_as", None) or wiring.settings.acting_user
        if args.person == REQUIRED and not args.acting_as:
            raise UserError(NAME_YOURSELF)
        code = int(args.run(wiring, args) or 0)
        sys.stdout.flush()  # a closed pipe is met here, inside the handlers below
        return code
    except EntriesRejected as rejected:
        for problem in rejected.problems:
            print(f"error: {problem}", file=sys.stderr)
        print(f"nothing was recorded ({len(rejected.problems)} problem(s))", file=sys.stderr)
        return USER_ERROR
    except (
        DomainError,
        InvalidEntry,
        ConfigurationError,
        UserError,
        EntryJsonError,
        ReadModelsBusy,
        NotConfiguredFor,
        PeopleStoreLost,
    ) as error:
        print(f"error: {error}", file=sys.stderr)
        return USER_ERROR
    except BrokenPipeError:
        # The reader went away (`fullpicture chronology … | head`): stop quietly, as cat does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # noqa: BLE001 - the last word: a sentence, never a traceback
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    finally:
        if wiring is not None:
            wiring.close()


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="fullpicture",
        description="Multi-agency safeguarding chronology: record, import, replay, relay.",
    )
    parser.add_argument("--as", dest="acting_as", metavar="USER", help=AS_HELP)
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    agency_commands(commands)
    child_commands(commands)
    record_command(commands)
    import_command(commands)
    chronology_command(commands)
    patterns_command(commands)
    export_command(commands)
    report_command(commands)
    people_commands(commands)
    audit_command(commands)
    schemas_command(commands)
    evaluate_command(commands)
    alert_commands(commands)
    task_commands(commands)
    notify_command(commands)
    runner_commands(commands)
    bench_and_soak_commands(commands)
    dashboard_command(commands)
    demo_command(commands)
    kafka_commands(commands)
    init_command(commands)
    retention_commands(commands)
    hold_commands(commands)
    erase_command(commands)
    list_allowed_values(parser)
    return parser
