"""The `fullpicture` command: parse arguments, call the application or a runner, print the result.

User errors become one clear line on stderr and exit code 2; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from consumers.garbage import collect_less_often
from domain.application import EntriesRejected
from domain.drafts import DRAFT_FIELDS, ENTRY_KINDS, SYSTEM_STAMPED
from domain.errors import DomainError, InvalidEntry
from domain.spreadsheet import read_chronology_csv
from fullpicture.bootstrap import Wiring, bootstrap
from fullpicture.config import ConfigurationError
from fullpicture.entry_json import EntryJsonError, read_json_entry
from fullpicture.output import FORMATS, emit
from projections.database import ReadModelsBusy

USER_ERROR = 2
CHRONOLOGY_COLUMNS = (
    "occurred_at",
    "id",
    "kind",
    "agency",
    "to_agencies",
    "summary",
    "concerns",
    "significance",
    "agency_recorded_at",
)


class UserError(Exception):
    """A problem with what the user asked for; printed as one line."""


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
    parser = argparse.ArgumentParser(
        prog="fullpicture",
        description="Multi-agency safeguarding chronology: record, import, replay, relay.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    _agency_commands(commands)
    _record_command(commands)
    _import_command(commands)
    _chronology_command(commands)
    _patterns_command(commands)
    _runner_commands(commands)
    return parser


def _command(
    commands: Any, name: str, help_text: str, run: Callable[[Wiring, argparse.Namespace], int]
) -> argparse.ArgumentParser:
    command = commands.add_parser(name, help=help_text, description=help_text)
    command.set_defaults(run=run)
    return command


def _format_option(command: argparse.ArgumentParser, choices: Sequence[str] = FORMATS) -> None:
    command.add_argument("--format", choices=choices, default="table", help="output format")


# agency ----------------------------------------------------------------------------------------


def _agency_commands(commands: Any) -> None:
    agency = commands.add_parser("agency", help="register and list the partnership's agencies")
    sub = agency.add_subparsers(title="agency commands", metavar="ACTION", required=True)
    register = _command(sub, "register", "register an agency", _register_agency)
    register.add_argument("code", help="short code, e.g. police-north")
    register.add_argument("--name", required=True)
    register.add_argument("--type", required=True, dest="agency_type")
    register.add_argument("--contact", default="")
    _format_option(register)
    listing = _command(sub, "list", "list registered agencies", _list_agencies)
    _format_option(listing)
    child = commands.add_parser("child", help="record what is known about a child")
    child_sub = child.add_subparsers(title="child commands", metavar="ACTION", required=True)
    born = _command(child_sub, "register", "record a child's date of birth", _register_child)
    born.add_argument("child", metavar="CHILD_REF")
    born.add_argument("--date-of-birth", required=True, metavar="DATE")
    born.add_argument("--agency", required=True, metavar="CODE", help="the agency recording it")


def _register_agency(wiring: Wiring, args: argparse.Namespace) -> int:
    created = wiring.partnership.register_agency(
        args.code, args.name, args.agency_type, args.contact
    )
    result = {"code": args.code, "registered": created}
    if args.format == "json":
        emit([result], "json", list(result))
    else:
        print(f"{'registered' if created else 'already registered'}: {args.code}")
    return 0


def _register_child(wiring: Wiring, args: argparse.Namespace) -> int:
    created = wiring.partnership.register_child(args.child, args.date_of_birth, args.agency)
    _after_recording(wiring)
    print(f"{'registered' if created else 'already registered'}: {args.child}")
    return 0


def _list_agencies(wiring: Wiring, args: argparse.Namespace) -> int:
    agencies = [asdict(a) for a in wiring.partnership.agencies()]
    emit(agencies, args.format, ("code", "name", "agency_type", "contact"))
    return 0


# record / import -------------------------------------------------------------------------------


def _record_command(commands: Any) -> None:
    record = _command(commands, "record", "record one entry", _record)
    record.add_argument("kind", nargs="?", choices=ENTRY_KINDS, help="the kind of entry")
    record.add_argument("--json", metavar="FILE", help="the entry as a JSON object ('-' for stdin)")
    record.add_argument(
        "--child",
        action="append",
        dest="child_refs",
        metavar="CHILD_REF",
        help="a child the entry concerns (repeat for siblings)",
    )
    for name in DRAFT_FIELDS:
        if name in ("kind", "child_refs", SYSTEM_STAMPED):
            continue
        flag = "--" + name.replace("_", "-")
        if name in ("concerns", "to_agencies"):
            record.add_argument(
                flag,
                dest=name,
                action="append",
                metavar="VALUE",
                help=f"{name} (repeat, or ';'-separated)",
            )
        else:
            record.add_argument(flag, dest=name, metavar="VALUE")
    _format_option(record)


def _record(wiring: Wiring, args: argparse.Namespace) -> int:
    if args.json:
        data = read_json_entry(args.json)
    else:
        if not args.kind:
            raise UserError("give a KIND (one of: " + ", ".join(ENTRY_KINDS) + ") or --json FILE")
        data = {"kind": args.kind}
        for name in DRAFT_FIELDS:
            value = getattr(args, name, None)
            if name != "kind" and value:
                data[name] = value
        for name in ("concerns", "to_agencies"):  # documented as repeatable or ';'-separated
            if data.get(name):
                data[name] = [item for value in data[name] for item in value.split(";")]
    # A list is a list here: a child reference holding ';' is refused, never split in three.
    outcome = wiring.partnership.record(data, lists_as_text=False)
    _after_recording(wiring)
    ids = outcome.recorded or outcome.unchanged
    if args.format == "json":
        emit(
            [{"id": i, "recorded": i in outcome.recorded} for i in ids], "json", ("id", "recorded")
        )
    else:
        for entry in ids:
            print(f"{'recorded' if entry in outcome.recorded else 'already recorded'}: {entry}")
    return 0


def _import_command(commands: Any) -> None:
    command = _command(commands, "import", "import an agency chronology spreadsheet (CSV)", _import)
    command.add_argument("file", type=Path, metavar="FILE.csv")
    _format_option(command)


def _import(wiring: Wiring, args: argparse.Namespace) -> int:
    if not args.file.is_file():
        what = "is a directory, not a CSV file" if args.file.is_dir() else "no such file"
        raise UserError(f"{args.file}: {what}")
    rows = read_chronology_csv(args.file)
    progress = _progress_printer("checked", len(rows)) if len(rows) >= 1000 else None
    outcome = wiring.partnership.record_all(rows, progress=progress)
    _after_recording(wiring)
    summary = {
        "rows": len(rows),
        "recorded": len(outcome.recorded),
        "unchanged": len(outcome.unchanged),
    }
    if args.format == "json":
        emit([summary], "json", list(summary))
    else:
        print(
            f"imported {args.file}: {summary['recorded']} recorded, "
            f"{summary['unchanged']} already recorded, {summary['rows']} rows"
        )
    return 0


def _progress_printer(verb: str, total: int) -> Callable[[int, int], None]:
    step = max(1, total // 20)

    def report(done: int, of: int) -> None:
        if done % step == 0 or done == of:
            print(f"\r{verb} {done}/{of} rows ({100 * done // of}%)", end="", file=sys.stderr)
            if done == of:
                print(file=sys.stderr)

    return report


def _after_recording(wiring: Wiring) -> None:
    """Embedded mode has no separate projector process: bring the read models up to date now."""
    if not wiring.settings.distributed:
        from consumers.store_feed import catch_up

        catch_up(wiring.partnership, wiring.read_models)


# chronology ------------------------------------------------------------------------------------


def _chronology_command(commands: Any) -> None:
    command = _command(
        commands, "chronology", "a child's merged multi-agency chronology", _chronology
    )
    command.add_argument("child", metavar="CHILD")
    command.add_argument(
        "--as-at", metavar="DATE", help="only what had happened by the end of DATE"
    )
    command.add_argument("--known-by", metavar="AGENCY", help="only what AGENCY knew")
    command.add_argument(
        "--system-time",
        metavar="TIMESTAMP",
        help="as the system held it at TIMESTAMP (recorded_at <= TIMESTAMP)",
    )
    _format_option(command, ("table", "json", "csv"))


def _chronology(wiring: Wiring, args: argparse.Namespace) -> int:
    from domain.clock import parse_when
    from projections.chronology import child_is_known, chronology_for

    as_at = end_of_day_of(parse_when("--as-at", args.as_at)) if args.as_at else None
    system_time = parse_when("--system-time", args.system_time) if args.system_time else None
    if system_time is not None and len(system_time) == 10:
        system_time = end_of_day_of(system_time)
    _after_recording(wiring)
    if args.known_by is not None and not wiring.partnership.agency_is_registered(args.known_by):
        raise UserError(f"--known-by: agency {args.known_by!r} is not registered")
    if not child_is_known(wiring.read_models.db, args.child):
        raise UserError(f"{args.child!r}: no chronology holds this child reference")
    entries = chronology_for(
        wiring.read_models.db,
        args.child,
        as_at=as_at,
        known_by=args.known_by,
        system_time=system_time,
    )
    emit([asdict(e) for e in entries], args.format, CHRONOLOGY_COLUMNS)
    return 0


def end_of_day_of(when: str) -> str:
    from domain.clock import day_of, end_of_day

    return when if len(when) > 10 else end_of_day(day_of(when))


# patterns --------------------------------------------------------------------------------------

ALERT_COLUMNS = ("child_ref", "pattern", "severity", "as_at", "evidence", "explanation")


def _patterns_command(commands: Any) -> None:
    command = _command(
        commands, "patterns", "patterns of concern, for a person to review", _patterns
    )
    command.add_argument("--child", metavar="CHILD")
    command.add_argument("--as-at", metavar="DATE", help="evaluate with what had happened by DATE")
    command.add_argument(
        "--pattern", metavar="NAME", action="append", help="only this pattern (repeatable)"
    )
    _format_option(command)


def _patterns(wiring: Wiring, args: argparse.Namespace) -> int:
    from datetime import date

    from domain.clock import day_of, parse_when
    from projections.chronology import pattern_items_by_child
    from projections.patterns.evaluation import UnknownPattern, evaluate_items

    as_at = day_of(parse_when("--as-at", args.as_at)) if args.as_at else date.today()
    _after_recording(wiring)
    context = wiring.read_models.patterns
    grouped = pattern_items_by_child(wiring.read_models.db, [args.child] if args.child else None)
    try:
        alerts = [
            alert
            for child in sorted(grouped)
            for alert in evaluate_items(
                grouped[child], child, as_at, context.config, context.glossary, args.pattern
            )
        ]
    except UnknownPattern as error:
        raise UserError(f"--pattern: {error}") from None
    emit([a.as_dict() for a in alerts], args.format, ALERT_COLUMNS)
    return 0


# runners ---------------------------------------------------------------------------------------


def _runner_commands(commands: Any) -> None:
    project = _command(
        commands, "project", "keep the read models current (Kafka or the store)", _project
    )
    project.add_argument("--once", action="store_true", help="process what is there, then exit")
    relay = _command(commands, "relay", "publish stored events to Kafka", _relay)
    relay.add_argument("--once", action="store_true", help="publish what is there, then exit")
    feeds = _command(commands, "feeds", "route events to each agency's need-to-know feed", _feeds)
    feeds.add_argument("--once", action="store_true", help="route what is there, then exit")
    subscribe = _command(commands, "subscribe", "print an agency's feed", _subscribe)
    subscribe.add_argument("--agency", required=True, metavar="CODE")
    subscribe.add_argument(
        "--from-beginning",
        action="store_true",
        help="start from the first event, not the group's last position",
    )
    subscribe.add_argument("--follow", action="store_true", help="keep waiting for new events")
    subscribe.add_argument(
        "--once",
        action="store_true",
        help="print what is there, then exit (the default without --follow)",
    )
    _format_option(subscribe, ("jsonl", "table"))
    _command(commands, "rebuild", "drop and rebuild every read model from the beginning", _rebuild)
    bench = _command(commands, "bench", "measure speed and scale against the services", _bench)
    bench.add_argument("--events", type=int, default=200_000, metavar="N")
    _format_option(bench)
    dashboard = _command(commands, "dashboard", "serve the Streamlit dashboard", _dashboard)
    dashboard.add_argument("--port", type=int, default=8501)
    demo = _command(commands, "demo", "record a synthetic partnership and show it", _demo)
    demo.add_argument("--children", type=int, default=300, help="how many children (default 300)")
    demo.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
    demo.add_argument(
        "--regenerate",
        action="store_true",
        help="discard the embedded demo data and generate it again",
    )
    demo.add_argument("--no-dashboard", action="store_true", help="do not start the dashboard")
    demo.add_argument("--port", type=int, default=8501)


def _project(wiring: Wiring, args: argparse.Namespace) -> int:
    collect_less_often()
    if wiring.settings.distributed:
        from consumers.kafka_projector import KafkaProjector

        projector = KafkaProjector(wiring.settings, wiring.read_models)
        applied = projector.run(once=args.once)
    else:
        from consumers.store_feed import catch_up, follow

        applied = catch_up(wiring.partnership, wiring.read_models)
        if not args.once:
            follow(wiring.partnership, wiring.read_models)
    print(f"applied {applied} events", file=sys.stderr)
    return 0


def _feeds(wiring: Wiring, args: argparse.Namespace) -> int:
    _require_kafka(wiring, "feeds")
    from consumers.feed_router import FeedRouter

    routed = FeedRouter(wiring.settings).run(once=args.once)
    print(f"routed {routed} messages", file=sys.stderr)
    return 0


def _subscribe(wiring: Wiring, args: argparse.Namespace) -> int:
    _require_kafka(wiring, "subscribe")
    from consumers.subscriber import subscribe

    columns = (
        "occurred_at",
        "event_type",
        "entry_id",
        "agency",
        "to_agencies",
        "child_refs",
        "summary",
    )
    if args.format == "table":
        print("  ".join(columns))

    def show(record: dict[str, Any]) -> None:
        emit([record], "jsonl" if args.format == "jsonl" else "row", columns)
        sys.stdout.flush()

    subscribe(
        wiring.settings,
        args.agency,
        show,
        from_beginning=args.from_beginning,
        follow=args.follow and not args.once,
    )
    return 0


def _rebuild(wiring: Wiring, args: argparse.Namespace) -> int:
    from fullpicture.progress import ProgressBar

    collect_less_often()
    if wiring.settings.distributed:
        from consumers.kafka_projector import KafkaProjector, total_events

        read_models = wiring.read_models
        with read_models.db.exclusive_work():  # never two resets of the same tables at once
            read_models.reset()
        bar = ProgressBar("rebuilding from Kafka", total_events(wiring.settings))
        KafkaProjector(wiring.settings, read_models).run(once=True, on_batch=bar.update)
    else:
        from consumers.store_feed import rebuild

        partnership = wiring.partnership  # its cipher key is checked before anything is emptied
        bar = ProgressBar("rebuilding from the store", partnership.recorder.max_notification_id())
        rebuild(partnership, wiring.read_models, progress=bar.update)
    rate = bar.finish()
    print(f"rebuilt {bar.done} events at {rate:,.0f} events/s")
    return 0


def _dashboard(wiring: Wiring, args: argparse.Namespace) -> int:
    import dashboard

    app = Path(dashboard.__file__).resolve().parent / "app.py"
    _after_recording(wiring)  # embedded mode: bring the read models up to date first
    wiring.close()
    print(f"FullPicture dashboard: http://127.0.0.1:{args.port}", flush=True)
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.port",
        str(args.port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    # Become the Streamlit server, so signals (Ctrl-C, SIGTERM) reach it directly.
    os.execv(sys.executable, command)
    return 0  # not reached


def _demo(wiring: Wiring, args: argparse.Namespace) -> int:
    from fullpicture.demo import record_demo_partnership

    if args.children < 1:
        raise UserError("--children: must be at least 1")
    if args.regenerate:
        if not wiring.settings.database.is_sqlite:
            raise UserError("--regenerate only discards embedded (SQLite) data")
        wiring.close()
        database = wiring.settings.database.sqlite_path
        for path in database.parent.glob(database.name + "*"):
            path.unlink()
    print(record_demo_partnership(wiring, args.children, args.seed), flush=True)
    wiring.close()  # the dashboard opens its own connections
    if args.no_dashboard:
        return 0
    return _dashboard(wiring, args)


def _bench(wiring: Wiring, args: argparse.Namespace) -> int:
    from fullpicture.bench import TARGETS, run_benchmark

    if args.events < 1000:
        raise UserError("--events: at least 1000")
    try:
        results = run_benchmark(
            wiring.settings, args.events, lambda line: print(f"bench: {line}", file=sys.stderr)
        )
    except ValueError as error:
        raise UserError(str(error)) from None
    if args.format == "json":
        print(json.dumps(results, indent=2))
        return 0
    machine = results.pop("machine")
    rows = [{"measure": k, "value": v, "target": TARGETS.get(k, "")} for k, v in results.items()]
    emit(rows, "table", ("measure", "value", "target"))
    print("machine: " + ", ".join(f"{k} {v}" for k, v in machine.items()))
    return 0


def _require_kafka(wiring: Wiring, command: str) -> None:
    if not wiring.settings.distributed:
        raise UserError(f"{command} needs FULLPICTURE_KAFKA_BOOTSTRAP (distributed mode)")


def _relay(wiring: Wiring, args: argparse.Namespace) -> int:
    _require_kafka(wiring, "relay")
    from consumers.relay import Relay

    relay = Relay(wiring.settings, wiring.partnership, wiring.read_model_database())
    published = relay.run(once=args.once)
    print(f"published {published} events", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
