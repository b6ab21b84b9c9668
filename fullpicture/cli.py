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
from datetime import date
from pathlib import Path
from typing import Any

from domain.application import EntriesRejected
from domain.drafts import DATE_FIELDS, DRAFT_FIELDS, ENTRY_KINDS, SYSTEM_STAMPED
from domain.errors import DomainError, InvalidEntry, nearest_word
from domain.spreadsheet import read_chronology_csv
from domain.vocabulary import DEFAULT_VOCABULARY, Vocabulary
from fullpicture.bootstrap import NotConfiguredFor, Wiring, bootstrap
from fullpicture.config import ConfigurationError, Settings
from fullpicture.entry_json import EntryJsonError, read_json_entry
from fullpicture.field_help import allowed_values, field_help
from fullpicture.output import FORMATS, emit
from fullpicture.progress import ProgressBar
from fullpicture.review_pack import EXPORT_KINDS
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
    "channel",
    "lawful_basis",
    "lawful_basis_status",
    "consent",
    "family_informed",
    "reason",
    "agency_recorded_at",
)


class UserError(Exception):
    """A problem with what the user asked for; printed as one line."""


NAME_YOURSELF = (
    "name yourself: --as USER (or FULLPICTURE_USER=USER); this command reads or records "
    "child data, so it acts as a registered person"
)


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


def _list_allowed_values(parser: argparse.ArgumentParser) -> None:
    """Every option with fixed choices says them in its help (subcommands' too)."""
    for action in parser._actions:  # noqa: SLF001 - argparse has no public walk
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            for sub in dict.fromkeys(action.choices.values()):
                _list_allowed_values(sub)
        elif action.choices is not None and action.help and "one of:" not in action.help:
            action.help += "; one of: " + ", ".join(str(c) for c in action.choices)


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="fullpicture",
        description="Multi-agency safeguarding chronology: record, import, replay, relay.",
    )
    parser.add_argument("--as", dest="acting_as", metavar="USER", help=AS_HELP)
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    _agency_commands(commands)
    _record_command(commands)
    _import_command(commands)
    _chronology_command(commands)
    _patterns_command(commands)
    _export_command(commands)
    _people_commands(commands)
    _audit_command(commands)
    _schemas_command(commands)
    _evaluate_command(commands)
    _alert_commands(commands)
    _runner_commands(commands)
    _kafka_commands(commands)
    _init_command(commands)
    _list_allowed_values(parser)
    return parser


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("fullpicture")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _command(
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


def _purpose_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--purpose",
        default="",
        metavar="TEXT",
        help="why you are looking; required to open a child outside your scope (break-glass, "
        "recorded and shown to safeguarding leads)",
    )


def _format_option(command: argparse.ArgumentParser, choices: Sequence[str] = FORMATS) -> None:
    command.add_argument("--format", choices=choices, default="table", help="output format")


# agency ----------------------------------------------------------------------------------------


def _agency_commands(commands: Any) -> None:
    agency = commands.add_parser("agency", help="register and list the partnership's agencies")
    sub = agency.add_subparsers(title="agency commands", metavar="ACTION", required=True)
    register = _command(
        sub, "register", "register an agency", _register_agency, person=ONCE_ANYONE_EXISTS
    )
    register.add_argument("code", help="short code, e.g. police-north")
    register.add_argument("--name", required=True, help="the agency's full name")
    register.add_argument(
        "--type",
        required=True,
        dest="agency_type",
        metavar="WORD",
        help=field_help("agency_type", help_vocabulary()),
    )
    register.add_argument("--contact", default="", help="how partners reach the agency")
    _credentials_out_option(register)
    _format_option(register)
    listing = _command(sub, "list", "list registered agencies", _list_agencies, person=NONE)
    _format_option(listing)
    credentials = _command(
        sub,
        "credentials",
        "issue or replace an agency's Kafka credentials (distributed mode, as administrator)",
        _agency_credentials,
        person=ONCE_ANYONE_EXISTS,
    )
    credentials.add_argument("code", help="a registered agency's code")
    credentials.add_argument(
        "--rotate", action="store_true", help="replace the password (the old one stops working)"
    )
    _credentials_out_option(credentials)
    child = commands.add_parser("child", help="record what is known about a child")
    child_sub = child.add_subparsers(title="child commands", metavar="ACTION", required=True)
    born = _command(child_sub, "register", "record a child's date of birth", _register_child)
    born.add_argument("child", metavar="CHILD_REF", help="the child's reference")
    born.add_argument(
        "--date-of-birth", required=True, metavar="DATE", help="the date of birth (ISO 8601)"
    )
    born.add_argument(
        "--agency", metavar="CODE", help="the agency recording it (default: your own)"
    )


def _credentials_out_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--credentials-out",
        type=Path,
        metavar="FILE",
        help="where to write the agency's Kafka credentials (JSON, created 0600); default "
        "<state dir>/credentials/agency-CODE.json",
    )


def _register_agency(wiring: Wiring, args: argparse.Namespace) -> int:
    _require_administrator_once_anyone_exists(wiring, args, "register agencies")
    issues_credentials = wiring.issues_kafka_credentials
    if issues_credentials:
        _require_kafka_administrator(wiring, "agency register")
    created = wiring.partnership.register_agency(
        args.code, args.name, args.agency_type, args.contact
    )
    result = {"code": args.code, "registered": created}
    if args.format == "json":
        emit([result], "json", list(result))
    else:
        print(f"{'registered' if created else 'already registered'}: {args.code}")
    if issues_credentials:
        _issue_agency_credentials(wiring, args.code, args.credentials_out, rotate=False)
    return 0


def _require_kafka_administrator(wiring: Wiring, command: str) -> None:
    """Checked before anything is recorded, so a registration never lacks its principal."""
    if wiring.settings.as_service("admin").kafka_security.credentials is None:
        raise UserError(
            f"{command}: issuing Kafka credentials needs an administrative principal "
            "(FULLPICTURE_KAFKA_ADMIN_USERNAME/_PASSWORD or FULLPICTURE_KAFKA_USERNAME/_PASSWORD)"
        )


def _agency_credentials(wiring: Wiring, args: argparse.Namespace) -> int:
    _require_administrator_once_anyone_exists(wiring, args, "issue agencies' credentials")
    wiring.require_kafka("agency credentials")
    if not wiring.settings.kafka_security.uses_sasl:
        raise UserError(
            "agency credentials: FULLPICTURE_KAFKA_SECURITY_PROTOCOL is not SASL_PLAINTEXT or "
            "SASL_SSL (the broker has no principals to issue)"
        )
    _require_kafka_administrator(wiring, "agency credentials")
    if not wiring.partnership.agency_is_registered(args.code):
        raise UserError(f"code: agency {args.code!r} is not registered")
    _issue_agency_credentials(wiring, args.code, args.credentials_out, rotate=args.rotate)
    return 0


def _issue_agency_credentials(
    wiring: Wiring, code: str, credentials_out: Path | None, rotate: bool
) -> None:
    """The agency's Kafka principal; its password goes only into the 0600 file, never to a log."""
    from consumers.kafka_security import (
        KafkaSecurityError,
        agency_username,
        issue_agency_credentials,
        write_private_file,
    )

    settings = wiring.settings.as_service("admin")
    target = credentials_out or settings.state_dir / "credentials" / f"agency-{code}.json"
    try:  # before a password exists that could then not be handed over
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(
            f"--credentials-out: cannot create {target.parent}: {error.strerror}"
        ) from None
    if not os.access(target.parent, os.W_OK) or target.is_dir():
        raise UserError(f"--credentials-out: cannot write {target}")
    try:
        issued = issue_agency_credentials(settings, code, rotate=rotate)
    except KafkaSecurityError as error:
        raise UserError(
            f"Kafka principal {agency_username(code)}: {error} (retry with "
            f"`fullpicture agency credentials {code} --rotate --credentials-out FILE`)"
        ) from None
    if issued is None:
        print(
            f"Kafka principal {agency_username(code)} already has credentials; replace them with "
            f"`fullpicture agency credentials {code} --rotate --credentials-out FILE`",
            file=sys.stderr,
        )
        return
    write_private_file(target, issued.to_json())
    verb = "replaced" if rotate else "issued"
    print(
        f"Kafka credentials for {issued.username} {verb}: {target} (reads {issued.topic} only)",
        file=sys.stderr,
    )


def _register_child(wiring: Wiring, args: argparse.Namespace) -> int:
    [(_, allowed)] = wiring.queries.rows_to_record(
        args.acting_as, [(None, {"agency": args.agency or ""})], importing=False
    )
    created = wiring.recorder.register_child(args.child, args.date_of_birth, allowed["agency"])
    print(f"{'registered' if created else 'already registered'}: {args.child}")
    return 0


def _list_agencies(wiring: Wiring, args: argparse.Namespace) -> int:
    agencies = [asdict(a) for a in wiring.partnership.agencies()]
    emit(agencies, args.format, ("code", "name", "agency_type", "contact"))
    return 0


# record / import -------------------------------------------------------------------------------


def _record_command(commands: Any) -> None:
    vocabulary = help_vocabulary()
    record = _command(commands, "record", "record one entry", _record)
    record.add_argument(
        "kind", nargs="?", choices=ENTRY_KINDS, metavar="KIND", help="the kind of entry"
    )
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
        repeatable = name in ("concerns", "to_agencies")
        record.add_argument(
            flag,
            dest=name,
            action="append" if repeatable else "store",
            metavar=_metavar(name),
            help=field_help(name, vocabulary),
        )
    _format_option(record)


def _metavar(field: str) -> str:
    if field in DATE_FIELDS:
        return "DATE"
    if field in ("agency", "to_agencies"):
        return "AGENCY"
    if field in ("summary", "reason", "child_words", "practitioner"):
        return "TEXT"
    return "WORD" if allowed_values(field) else "VALUE"


def help_vocabulary() -> Vocabulary:
    """The configured vocabulary for help text; the defaults if the configuration is broken
    (running the command then reports the problem)."""
    from fullpicture.bootstrap import configured_vocabulary
    from fullpicture.config import load_settings

    try:
        return configured_vocabulary(load_settings())
    except ConfigurationError:
        return DEFAULT_VOCABULARY


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
    [(_, allowed)] = wiring.queries.rows_to_record(args.acting_as, [(None, data)], False)
    # A list is a list here: a child reference holding ';' is refused, never split in three.
    outcome = wiring.recorder.record(allowed, lists_as_text=False)
    _warn(outcome.warnings)
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
    command.add_argument(
        "file", type=Path, metavar="FILE.csv", help='the spreadsheet (README, "Importing")'
    )
    _format_option(command)


def _import(wiring: Wiring, args: argparse.Namespace) -> int:
    if not args.file.is_file():
        what = "is a directory, not a CSV file" if args.file.is_dir() else "no such file"
        raise UserError(f"{args.file}: {what}")
    rows = wiring.queries.rows_to_record(
        args.acting_as, read_chronology_csv(args.file), importing=True
    )
    bar = ProgressBar("importing", len(rows)) if len(rows) >= 1000 else None
    outcome = wiring.recorder.record_all(rows, progress=bar.callback if bar else None)
    if bar is not None:
        bar.finish()
    wiring.queries.record_import(
        args.acting_as,
        (c for _, row in rows for c in str(row.get("child_ref") or "").split(";") if c.strip()),
        len(outcome.recorded),
    )
    _warn(outcome.warnings)
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


def _warn(warnings: Sequence[object]) -> None:
    """What was kept but should be put right (an answer without a lawful basis), on stderr so
    that `--format json` output stays parseable."""
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


# chronology ------------------------------------------------------------------------------------


def _chronology_command(commands: Any) -> None:
    command = _command(
        commands, "chronology", "a child's merged multi-agency chronology", _chronology
    )
    command.add_argument("child", metavar="CHILD", help="the child's reference")
    _replay_options(command)
    command.add_argument(
        "--system-time",
        metavar="TIMESTAMP",
        help="as the system held it at TIMESTAMP (recorded_at <= TIMESTAMP)",
    )
    _purpose_option(command)
    _format_option(command, ("table", "json", "csv"))


def _replay_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--as-at", metavar="DATE", help="only what had happened by the end of DATE"
    )
    command.add_argument("--known-by", metavar="AGENCY", help="only what AGENCY knew")


def _read_child(wiring: Wiring, args: argparse.Namespace, view: str) -> Any:
    """One scoped, logged read of one child for a command (`Queries.read_child`)."""
    from domain.clock import parse_when

    as_at = end_of_day_of(parse_when("--as-at", args.as_at)) if args.as_at else None
    raw_system_time = getattr(args, "system_time", None)
    system_time = parse_when("--system-time", raw_system_time) if raw_system_time else None
    if system_time is not None and len(system_time) == 10:
        system_time = end_of_day_of(system_time)
    wiring.projection.catch_up()
    return wiring.queries.read_child(
        args.acting_as,
        args.child,
        view,
        as_at=as_at,
        known_by=args.known_by,
        system_time=system_time,
        purpose=args.purpose,
    )


def _chronology(wiring: Wiring, args: argparse.Namespace) -> int:
    read = _read_child(wiring, args, "chronology")
    emit([asdict(e) for e in read.entries], args.format, CHRONOLOGY_COLUMNS)
    return 0


def end_of_day_of(when: str) -> str:
    from domain.clock import day_of, end_of_day

    return when if len(when) > 10 else end_of_day(day_of(when))


# patterns --------------------------------------------------------------------------------------

ALERT_COLUMNS = (
    "id",
    "child_ref",
    "pattern",
    "severity",
    "first_raised",
    "resolved_at",
    "as_at",
    "triage",
    "evidence",
    "explanation",
)


def _patterns_command(commands: Any) -> None:
    command = _command(
        commands, "patterns", "patterns of concern, for a person to review", _patterns
    )
    command.add_argument("--child", metavar="CHILD", help="only this child's patterns")
    command.add_argument("--as-at", metavar="DATE", help="evaluate with what had happened by DATE")
    command.add_argument(
        "--from",
        dest="from_day",
        metavar="DATE",
        help="a review period from DATE: every alert that held at any time in it",
    )
    command.add_argument(
        "--to", dest="to_day", metavar="DATE", help="the review period's last day (default today)"
    )
    command.add_argument(
        "--pattern", metavar="NAME", action="append", help="only this pattern (repeatable)"
    )
    command.add_argument("--known-by", metavar="AGENCY", help="with --child: only what AGENCY knew")
    _purpose_option(command)
    _format_option(command)


def _patterns(wiring: Wiring, args: argparse.Namespace) -> int:
    from datetime import date

    from domain.clock import day_of, parse_when
    from projections.patterns.detectors import PATTERNS
    from projections.patterns.triage import triage_state

    unknown = [p for p in args.pattern or () if p not in PATTERNS]
    if unknown:
        raise UserError(
            f"--pattern: unknown pattern(s): {', '.join(unknown)}; one of {', '.join(PATTERNS)}"
        )
    period = _review_period(args)
    if args.child:
        wiring.projection.catch_up()
        alerts = wiring.queries.child_alerts(
            args.acting_as,
            args.child,
            period=period,
            patterns=args.pattern,
            as_at=end_of_day_of(parse_when("--as-at", args.as_at)) if args.as_at else None,
            known_by=args.known_by,
            purpose=args.purpose,
        )
    else:
        as_at = day_of(parse_when("--as-at", args.as_at)) if args.as_at else date.today()
        wiring.projection.catch_up()
        alerts = wiring.queries.alert_list(args.acting_as, as_at, args.pattern, period)
    rows = wiring.queries.with_triage(alerts)
    if args.format == "table":
        rows = [{**row, "triage": triage_state(row) if "triage" in row else ""} for row in rows]
    emit(rows, args.format, ALERT_COLUMNS)
    return 0


def _review_period(args: argparse.Namespace) -> tuple[date, date] | None:
    """`--from` and `--to` as days, or None when no period was asked for."""
    from domain.clock import day_of, parse_when

    if args.from_day is None and args.to_day is None:
        return None
    if args.as_at:
        raise UserError("--as-at: give either --as-at or a period (--from/--to), not both")
    if args.from_day is None:
        raise UserError("--from: required with --to (the review period's first day)")
    first = day_of(parse_when("--from", args.from_day))
    last = day_of(parse_when("--to", args.to_day)) if args.to_day else date.today()
    if last < first:
        raise UserError(f"--to: {last} is before --from {first}")
    return first, last


# alert triage ----------------------------------------------------------------------------------


def _alert_commands(commands: Any) -> None:
    from domain.alert_reviews import TRIAGE_OUTCOMES

    alert = commands.add_parser("alert", help="record what was done about an alert")
    sub = alert.add_subparsers(title="alert commands", metavar="ACTION", required=True)
    review = _command(
        sub,
        "review",
        "record that an alert was looked at, acted on or dismissed, and why",
        _review_alert,
    )
    review.add_argument("alert_id", metavar="ALERT_ID", help="the alert's id (patterns shows it)")
    review.add_argument(
        "--outcome", required=True, choices=TRIAGE_OUTCOMES, help="what was done about it"
    )
    review.add_argument("--reason", required=True, metavar="TEXT", help="why, in plain words")
    _format_option(review)


def _review_alert(wiring: Wiring, args: argparse.Namespace) -> int:
    wiring.projection.catch_up()
    alert = wiring.queries.alert_to_review(args.acting_as, args.alert_id)
    at = wiring.recorder.review_alert(
        alert.id,
        alert.child_ref,
        alert.pattern,
        alert.evidence,
        args.outcome,
        args.reason,
        reviewed_by=args.acting_as,
    )
    result = {"id": alert.id, "outcome": args.outcome, "reviewed_by": args.acting_as, "at": at}
    emit([result], args.format, list(result))
    return 0


# evaluate --------------------------------------------------------------------------------------

ACCURACY_COLUMNS = ("pattern", "planted", "recall", "false_alarms")


def _evaluate_command(commands: Any) -> None:
    command = _command(
        commands,
        "evaluate",
        "measure each detector's recall and false alarms on a synthetic partnership",
        _evaluate,
        person=NONE,
    )
    command.add_argument(
        "--children", type=int, default=1000, help="how many children (default 1000)"
    )
    command.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
    _format_option(command)


def _evaluate(wiring: Wiring, args: argparse.Namespace) -> int:
    from fullpicture.tools.accuracy import MIN_CHILDREN, measure_accuracy

    if args.children < MIN_CHILDREN:
        raise UserError(f"--children: at least {MIN_CHILDREN}, so that every pattern is planted")
    context = wiring.read_models.patterns
    report = measure_accuracy(args.children, args.seed, context.config, context.glossary)
    emit([p.as_dict() for p in report.patterns], args.format, ACCURACY_COLUMNS)
    well_handled = (
        f"well-handled families raising any alert: {report.well_handled_raising_anything} "
        f"(of {report.well_handled_families})"
    )
    print(well_handled, file=sys.stderr if args.format == "json" else sys.stdout)
    return 0


# export ----------------------------------------------------------------------------------------


def _export_command(commands: Any) -> None:
    command = _command(
        commands, "export", "export a child's chronology for a case review pack", _export
    )
    command.add_argument("child", metavar="CHILD", help="the child's reference")
    command.add_argument("--format", choices=EXPORT_KINDS, default="csv", help="the file's format")
    command.add_argument(
        "--out", type=Path, required=True, metavar="FILE", help="where to write it"
    )
    _replay_options(command)
    _purpose_option(command)


def _export(wiring: Wiring, args: argparse.Namespace) -> int:
    from fullpicture.review_pack import review_pack

    read = _read_child(wiring, args, "export")
    names = {a.code: a.name for a in wiring.partnership.agencies()}
    pack = review_pack(read, args.format, names, args.acting_as, wiring.now().isoformat())
    try:
        if isinstance(pack, bytes):
            args.out.write_bytes(pack)
        else:
            args.out.write_text(pack, encoding="utf-8")
    except OSError as error:
        raise UserError(f"--out: cannot write {args.out}: {error.strerror}") from None
    print(
        f"exported {len(read.entries)} entries of {args.child} ({read.scope.describe()}) "
        f"to {args.out}"
    )
    return 0


# people, reviews and the access log -------------------------------------------------------------

PERSON_COLUMNS = ("user", "name", "agency", "email", "roles")
REVIEW_COLUMNS = ("review", "reviewer", "children", "from", "to", "expires", "withdrawn")
AUDIT_COLUMNS = (
    "at",
    "user",
    "role",
    "agency",
    "child_refs",
    "view",
    "scope",
    "purpose",
    "break_glass",
)


def _people_commands(commands: Any) -> None:
    from domain.people import ROLES

    user = commands.add_parser("user", help="register people and manage their roles")
    sub = user.add_subparsers(title="user commands", metavar="ACTION", required=True)
    add = _command(sub, "add", "register a person", _add_user, person=ONCE_ANYONE_EXISTS)
    add.add_argument("user", metavar="USER", help="their user name (also their sign-in name)")
    add.add_argument("--name", required=True, help="their full name")
    add.add_argument("--agency", default="", metavar="CODE", help="the agency they work for")
    add.add_argument("--email", default="", help="e-mail, to match an identity provider's sign-in")
    add.add_argument(
        "--role",
        action="append",
        required=True,
        choices=ROLES,
        dest="roles",
        help="a role they hold (repeatable)",
    )
    _format_option(add)
    for action, run in (("grant", _grant_role), ("revoke", _revoke_role)):
        change = _command(sub, action, f"{action} a role", run)
        change.add_argument("user", metavar="USER", help="a registered person's user name")
        change.add_argument("--role", required=True, choices=ROLES, help=f"the role to {action}")
    listing = _command(sub, "list", "list registered people and their roles", _list_users)
    _format_option(listing)
    password = _command(sub, "password", "set a local account's password", _set_password)
    password.add_argument("user", metavar="USER", help="a registered person's user name")
    password.add_argument(
        "--password-stdin",
        action="store_true",
        required=True,
        help="read the password from standard input (never from the command line)",
    )
    review = commands.add_parser("review", help="grant case reviewers access to a review")
    review_sub = review.add_subparsers(title="review commands", metavar="ACTION", required=True)
    grant = _command(review_sub, "grant", "grant a case reviewer a review's children", _grant)
    grant.add_argument("review", metavar="REVIEW", help="the review's name, e.g. CSPR-2026-01")
    grant.add_argument(
        "--reviewer", required=True, metavar="USER", help="the case reviewer's user name"
    )
    grant.add_argument(
        "--child",
        action="append",
        required=True,
        dest="children",
        metavar="CHILD",
        help="a child under review (repeatable)",
    )
    grant.add_argument(
        "--from", required=True, dest="period_from", metavar="DATE", help="the period's first day"
    )
    grant.add_argument(
        "--to", required=True, dest="period_to", metavar="DATE", help="the period's last day"
    )
    grant.add_argument(
        "--expires", required=True, metavar="DATE", help="the last day the access lasts"
    )
    _format_option(grant)
    withdraw = _command(review_sub, "withdraw", "withdraw a review grant", _withdraw)
    withdraw.add_argument("review", metavar="REVIEW", help="the review's name")
    withdraw.add_argument(
        "--reviewer", required=True, metavar="USER", help="the case reviewer's user name"
    )
    review_list = _command(review_sub, "list", "list review grants", _list_reviews)
    _format_option(review_list)


def _acting_person(wiring: Wiring, args: argparse.Namespace) -> Any:
    return wiring.queries.viewer(args.acting_as)


def _require_administrator_once_anyone_exists(
    wiring: Wiring, args: argparse.Namespace, doing: str
) -> str:
    """Who is acting; nobody needs to be named while no person is registered (the first
    administrator registers themselves)."""
    from domain.scopes import check_administrator

    if not wiring.directory.anyone_registered():
        return args.acting_as or ""
    if not args.acting_as:
        raise UserError(NAME_YOURSELF)
    check_administrator(_acting_person(wiring, args), doing)
    return str(args.acting_as)


def _add_user(wiring: Wiring, args: argparse.Namespace) -> int:
    from domain.people import ADMINISTRATOR
    from domain.scopes import check_may_manage_person

    if not wiring.directory.anyone_registered():
        if set(args.roles) != {ADMINISTRATOR}:
            raise UserError(
                "--role: the first person registered must be an administrator "
                "(fullpicture user add USER --name NAME --role administrator)"
            )
        by = args.acting_as or args.user
    else:
        if not args.acting_as:
            raise UserError(NAME_YOURSELF)
        check_may_manage_person(
            _acting_person(wiring, args), args.roles, args.agency, "register people"
        )
        by = args.acting_as
    if args.agency and not wiring.partnership.agency_is_registered(args.agency):
        raise UserError(f"--agency: agency {args.agency!r} is not registered")
    person = wiring.directory.register_person(
        args.user, args.name, args.roles, agency=args.agency, email=args.email, by=by
    )
    _show_people([person], args.format if args.format == "json" else "table")
    return 0


def _grant_role(wiring: Wiring, args: argparse.Namespace) -> int:
    return _change_role(wiring, args, wiring.directory.grant_role, "grant roles")


def _revoke_role(wiring: Wiring, args: argparse.Namespace) -> int:
    return _change_role(wiring, args, wiring.directory.revoke_role, "revoke roles")


def _change_role(
    wiring: Wiring, args: argparse.Namespace, change: Callable[..., Any], doing: str
) -> int:
    from domain.scopes import check_may_manage_person

    target = wiring.directory.person(args.user)
    if target is None:
        raise UserError(f"user: {args.user!r} is not a registered person")
    check_may_manage_person(_acting_person(wiring, args), [args.role], target.agency, doing)
    person = change(args.user, args.role, by=args.acting_as)
    print(f"{person.user}: {', '.join(person.roles) or 'no roles'}")
    return 0


def _list_users(wiring: Wiring, args: argparse.Namespace) -> int:
    from domain.people import ADMINISTRATOR, SAFEGUARDING_LEAD
    from domain.scopes import AccessRefused

    viewer = _acting_person(wiring, args)
    people = wiring.directory.people()
    if not viewer.has(ADMINISTRATOR):
        if not (viewer.has(SAFEGUARDING_LEAD) and viewer.agency):
            raise AccessRefused("as", "only administrators and safeguarding leads list people")
        people = [p for p in people if p.agency == viewer.agency]
    _show_people(people, args.format)
    return 0


def _show_people(people: Sequence[Any], fmt: str) -> None:
    emit([asdict(p) | {"roles": list(p.roles)} for p in people], fmt, PERSON_COLUMNS)


def _set_password(wiring: Wiring, args: argparse.Namespace) -> int:
    from domain.scopes import check_administrator

    if args.acting_as.lower() != args.user.lower():
        check_administrator(_acting_person(wiring, args), "set another person's password")
    else:
        _acting_person(wiring, args)
    password = sys.stdin.readline().rstrip("\r\n")
    wiring.directory.set_password(args.user, password, by=args.acting_as)
    print(f"password set for {args.user}")
    return 0


def _grant(wiring: Wiring, args: argparse.Namespace) -> int:
    from domain.scopes import check_administrator

    check_administrator(_acting_person(wiring, args), "grant reviews")
    grant = wiring.directory.grant_review(
        args.review,
        args.reviewer,
        args.children,
        args.period_from,
        args.period_to,
        args.expires,
        by=args.acting_as,
    )
    emit([grant.as_dict()], args.format, REVIEW_COLUMNS)
    return 0


def _withdraw(wiring: Wiring, args: argparse.Namespace) -> int:
    from domain.scopes import check_administrator

    check_administrator(_acting_person(wiring, args), "withdraw reviews")
    grant = wiring.directory.withdraw_review(args.review, args.reviewer, by=args.acting_as)
    print(f"withdrawn: {grant.review} for {grant.reviewer}")
    return 0


def _list_reviews(wiring: Wiring, args: argparse.Namespace) -> int:
    from domain.people import ADMINISTRATOR, CASE_REVIEWER
    from domain.scopes import AccessRefused

    viewer = _acting_person(wiring, args)
    grants = wiring.directory.reviews()
    if not viewer.has(ADMINISTRATOR):
        if not viewer.has(CASE_REVIEWER):
            raise AccessRefused("as", "only administrators and case reviewers list reviews")
        grants = [g for g in grants if g.reviewer.lower() == viewer.user.lower()]
    emit([g.as_dict() for g in grants], args.format, REVIEW_COLUMNS)
    return 0


def _audit_command(commands: Any) -> None:
    command = _command(commands, "audit", "who looked at which child, and why", _audit)
    command.add_argument("--child", metavar="REF", help="only reads of this child")
    command.add_argument("--user", metavar="USER", dest="of_user", help="only this person's reads")
    command.add_argument("--from", metavar="DATE", dest="from_day", help="from this day")
    command.add_argument("--to", metavar="DATE", dest="to_day", help="up to this day")
    _format_option(command)


def _audit(wiring: Wiring, args: argparse.Namespace) -> int:
    from domain.clock import parse_when

    days = {
        name: parse_when(flag, value)[:10] if value else None
        for name, flag, value in (
            ("from_day", "--from", args.from_day),
            ("to_day", "--to", args.to_day),
        )
    }
    accesses = wiring.queries.audit(args.acting_as, child=args.child, of_user=args.of_user, **days)
    emit([a.as_dict() for a in accesses], args.format, AUDIT_COLUMNS)
    return 0


# schemas ---------------------------------------------------------------------------------------


def _schemas_command(commands: Any) -> None:
    schemas = commands.add_parser("schemas", help="the Avro contracts, for agencies' own systems")
    sub = schemas.add_subparsers(title="schemas commands", metavar="ACTION", required=True)
    export = _command(
        sub,
        "export",
        "write one standalone .avsc per event type and version, and fingerprints.json",
        _export_schemas,
        person=NONE,
    )
    export.add_argument(
        "directory", type=Path, metavar="DIR", help="where to write them (created if missing)"
    )


def _export_schemas(wiring: Wiring, args: argparse.Namespace) -> int:
    from schemas.registry import export_schemas

    try:
        written = export_schemas(args.directory)
    except OSError as error:
        raise UserError(f"DIR: cannot write {args.directory}: {error.strerror}") from None
    print(f"wrote {len(written)} schemas and fingerprints.json to {args.directory}")
    return 0


# runners ---------------------------------------------------------------------------------------


def _runner_commands(commands: Any) -> None:
    project = _command(
        commands,
        "project",
        "keep the read models current (Kafka or the store)",
        _project,
        person=NONE,
    )
    project.add_argument("--once", action="store_true", help="process what is there, then exit")
    relay = _command(commands, "relay", "publish stored events to Kafka", _relay, person=NONE)
    relay.add_argument("--once", action="store_true", help="publish what is there, then exit")
    feeds = _command(
        commands, "feeds", "route events to each agency's need-to-know feed", _feeds, person=NONE
    )
    feeds.add_argument("--once", action="store_true", help="route what is there, then exit")
    subscribe = _command(commands, "subscribe", "print an agency's feed", _subscribe, person=NONE)
    subscribe.add_argument(
        "--agency", required=True, metavar="CODE", help="the agency whose feed to read"
    )
    subscribe.add_argument(
        "--credentials",
        type=Path,
        metavar="FILE",
        help="read as the agency, with the credentials file it was given",
    )
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
    _command(
        commands,
        "rebuild",
        "drop and rebuild every read model from the beginning",
        _rebuild,
        person=NONE,
    )
    bench = _command(
        commands, "bench", "measure speed and scale against the services", _bench, person=NONE
    )
    bench.add_argument(
        "--events", type=int, default=200_000, metavar="N", help="how many events (default 200000)"
    )
    bench.add_argument(
        "--durable",
        action="store_true",
        help="refuse to run unless PostgreSQL has fsync, synchronous_commit and "
        "full_page_writes on, as a deployment runs (make durable-services starts such a cluster)",
    )
    _format_option(bench)
    _soak_command(commands)
    dashboard = _command(
        commands, "dashboard", "serve the Streamlit dashboard", _dashboard, person=NONE
    )
    _dashboard_options(dashboard)
    demo = _command(
        commands, "demo", "record a synthetic partnership and show it", _demo, person=NONE
    )
    demo.add_argument("--children", type=int, default=300, help="how many children (default 300)")
    demo.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
    demo.add_argument(
        "--regenerate",
        action="store_true",
        help="discard the embedded demo data and generate it again",
    )
    demo.add_argument("--no-dashboard", action="store_true", help="do not start the dashboard")
    _dashboard_options(demo)


def _dashboard_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--port", type=int, default=8501, help="the dashboard's port (default 8501)"
    )
    command.add_argument(
        "--address",
        default="127.0.0.1",
        help="the address the dashboard listens on (default 127.0.0.1, this machine only; "
        "0.0.0.0 in a container)",
    )


def _project(wiring: Wiring, args: argparse.Namespace) -> int:
    applied = wiring.projection.run(once=args.once)
    print(f"applied {applied} events", file=sys.stderr)
    return 0


def _feeds(wiring: Wiring, args: argparse.Namespace) -> int:
    settings = wiring.require_kafka("feeds")
    from consumers.feed_router import FeedRouter

    routed = FeedRouter(settings.as_service("feeds")).run(once=args.once)
    print(f"routed {routed} messages", file=sys.stderr)
    return 0


def _subscribe(wiring: Wiring, args: argparse.Namespace) -> int:
    """An agency's system reads with its own Kafka credentials; a person reads their own
    agency's feed with the service's."""
    wiring.require_kafka("subscribe")
    if args.credentials is None:
        if not args.acting_as:
            raise UserError(NAME_YOURSELF + " (or give the agency's --credentials FILE)")
        wiring.queries.check_may_read_feed(args.acting_as, args.agency)
    from consumers.kafka_io import security_config
    from consumers.subscriber import subscribe

    settings = _subscriber_settings(wiring, args)
    security_config(settings)  # a missing principal is reported before any output
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

    from kafka.errors import AuthorizationError, KafkaTimeoutError

    try:
        subscribe(
            settings,
            args.agency,
            show,
            from_beginning=args.from_beginning,
            follow=args.follow and not args.once,
        )
    except AuthorizationError as error:
        raise UserError(f"Kafka refused to let this principal read the feed: {error}") from None
    except KafkaTimeoutError:
        raise UserError(
            f"cannot connect to Kafka at {settings.kafka_bootstrap} "
            "(is it running, and are the credentials right? the broker's log says which)"
        ) from None
    return 0


def _subscriber_settings(wiring: Wiring, args: argparse.Namespace) -> Settings:
    if args.credentials is None:
        return wiring.settings
    from consumers.kafka_security import (
        CredentialsFileError,
        read_agency_credentials,
        settings_for_agency,
    )

    try:
        credentials = read_agency_credentials(args.credentials)
    except CredentialsFileError as error:
        raise UserError(f"--credentials: {error}") from None
    if credentials.topic != wiring.settings.topics.feed(args.agency):
        raise UserError(
            f"--credentials: {args.credentials} is for {credentials.topic}, "
            f"not {wiring.settings.topics.feed(args.agency)}"
        )
    return settings_for_agency(wiring.settings, credentials)


def _rebuild(wiring: Wiring, args: argparse.Namespace) -> int:
    projection = wiring.projection
    bar = ProgressBar(f"rebuilding from {projection.source}", projection.events_to_rebuild())
    projection.rebuild(progress=bar.update)
    rate = bar.finish()
    print(f"rebuilt {bar.done} events at {rate:,.0f} events/s")
    return 0


def _dashboard(wiring: Wiring, args: argparse.Namespace, demo: bool = False) -> int:
    from importlib.util import find_spec

    from fullpicture.config import DEMO
    from fullpicture.dashboard_secrets import write_dashboard_secrets

    # The dashboard runs in a Streamlit process of its own: its file is needed here, not its code.
    spec = find_spec("dashboard")
    assert spec is not None and spec.origin is not None  # a package of this distribution
    app = Path(spec.origin).resolve().parent / "app.py"
    wiring.projection.catch_up()  # embedded mode: bring the read models up to date first
    wiring.close()
    secrets = write_dashboard_secrets(wiring.settings)  # Streamlit's [auth] (OpenID Connect)
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
        args.address,
        "--server.headless",
        "true",
        # Quiet and contained: no usage statistics, no Deploy button or developer menu, no
        # tracebacks shown to users, no watching the code for changes.
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
        "--client.showErrorDetails",
        "none",
        "--server.fileWatcherType",
        "none",
        "--secrets.files",
        str(secrets),
    ]
    # Demo mode (the sign-in page lists the demo accounts) only for the demo command's server.
    environment = {k: v for k, v in os.environ.items() if k != DEMO}
    if demo:
        environment[DEMO] = "1"
    # Become the Streamlit server, so signals (Ctrl-C, SIGTERM) reach it directly.
    os.execve(sys.executable, command, environment)
    return 0  # not reached


def _demo(wiring: Wiring, args: argparse.Namespace) -> int:
    from fullpicture.tools.demo import record_demo_partnership, register_demo_people

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
    print(register_demo_people(wiring), flush=True)
    wiring.close()  # the dashboard opens its own connections
    if args.no_dashboard:
        return 0
    return _dashboard(wiring, args, demo=True)


def _bench(wiring: Wiring, args: argparse.Namespace) -> int:
    from fullpicture.tools.bench import TARGETS, run_benchmark

    if args.events < 1000:
        raise UserError("--events: at least 1000")
    settings = wiring.require_servers(
        "bench", "run `make services` and `. .fullpicture/services.env`"
    )
    try:
        results = run_benchmark(
            settings,
            args.events,
            lambda line: print(f"bench: {line}", file=sys.stderr),
            durable=args.durable,
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


def _soak_command(commands: Any) -> None:
    soak = _command(
        commands,
        "soak",
        "record from many agencies while processes are killed and servers restart, then check "
        "that nothing was lost, duplicated or misrouted",
        _soak,
        person=NONE,
    )
    soak.add_argument("--minutes", type=float, default=10.0, metavar="M", help="default 10")
    soak.add_argument("--writers", type=int, default=4, metavar="W", help="default 4")
    soak.add_argument(
        "--rate", type=float, default=40.0, metavar="R", help="entries per second in all (40)"
    )
    soak.add_argument("--seed", type=int, default=1, metavar="S", help="same seed, same chaos")
    soak.add_argument(
        "--durable",
        action="store_true",
        help="refuse to run unless PostgreSQL has fsync, synchronous_commit and "
        "full_page_writes on",
    )
    _format_option(soak, ("table", "json"))


def _soak(wiring: Wiring, args: argparse.Namespace) -> int:
    from fullpicture.tools.soak import (
        SoakOptions,
        passed,
        run_soak,
        services_script_from,
        soak_rows,
    )

    if args.minutes <= 0 or args.writers < 1 or args.rate <= 0:
        raise UserError("--minutes and --rate must be above 0, --writers at least 1")
    settings = wiring.require_servers("soak", "run `make services` first")
    try:
        options = SoakOptions(
            minutes=args.minutes,
            writers=args.writers,
            rate=args.rate,
            seed=args.seed,
            durable=args.durable,
            services_script=services_script_from(os.environ, settings),
        )
        report = run_soak(settings, options, lambda line: print(f"soak: {line}", file=sys.stderr))
    except ValueError as error:
        raise UserError(str(error)) from None
    if args.format == "json":
        print(json.dumps(report, indent=2))
    else:
        emit(soak_rows(report), "table", ("check", "value", "expected"))
    return 0 if passed(report) else 1


def _relay(wiring: Wiring, args: argparse.Namespace) -> int:
    settings = wiring.require_kafka("relay")
    from consumers.relay import Relay, run_relays

    db = wiring.read_model_database()
    events = Relay(settings.as_service("relay"), wiring.partnership, db)
    audit = Relay(settings.as_service("audit"), wiring.access_log, db, topic=settings.topics.audit)
    published = run_relays([events, audit], once=args.once)
    print(f"published {published} events (chronology and access log)", file=sys.stderr)
    return 0


# kafka ------------------------------------------------------------------------------------------


def _kafka_commands(commands: Any) -> None:
    kafka = commands.add_parser("kafka", help="set up a secured Kafka cluster for FullPicture")
    sub = kafka.add_subparsers(title="kafka commands", metavar="ACTION", required=True)
    setup = _command(
        sub,
        "setup",
        "create FullPicture's topics and one principal per service with only the ACLs it needs "
        "(run with administrative credentials)",
        _kafka_setup,
        person=NONE,
    )
    setup.add_argument(
        "--env-file",
        type=Path,
        required=True,
        metavar="FILE",
        help="where the services' credentials are written (0600, shell `export` lines); "
        "passwords already in it, or given as FULLPICTURE_KAFKA_<SERVICE>_PASSWORD, are kept",
    )


def _kafka_setup(wiring: Wiring, args: argparse.Namespace) -> int:
    wiring.require_kafka("kafka setup")
    from consumers.kafka_security import (
        KafkaSecurityError,
        read_service_env_file,
        service_grants,
        setup_services,
        write_service_env_file,
    )

    settings = wiring.settings.as_service("admin")
    if not settings.kafka_security.uses_sasl:
        raise UserError(
            "kafka setup: FULLPICTURE_KAFKA_SECURITY_PROTOCOL must be SASL_PLAINTEXT or SASL_SSL"
        )
    try:
        known = read_service_env_file(args.env_file) | dict(settings.kafka_security.services)
        issued = setup_services(settings, known)
    except KafkaSecurityError as error:
        raise UserError(f"kafka setup: {error}") from None
    write_service_env_file(args.env_file, issued)
    for service, credentials in issued.items():
        grants = service_grants(settings.topics, service)
        what = "; ".join(
            f"{g.resource_type.name.lower()} {g.name}{'*' if g.prefixed else ''}: "
            + ",".join(op.name.lower() for op in g.operations)
            for g in grants
        )
        print(f"{credentials.username}  {what}")
    print(f"credentials written to {args.env_file}")
    return 0


# init ------------------------------------------------------------------------------------------


def _init_command(commands: Any) -> None:
    init = _command(
        commands,
        "init",
        "prepare a deployment: Kafka topics and service principals (secured broker), the first "
        "administrator, the agencies from a file; running it again changes nothing",
        _init,
        person=NONE,
    )
    init.add_argument(
        "--agencies",
        type=Path,
        metavar="FILE.csv",
        help="the agencies to register: CSV with columns code,name,type,contact (README, "
        '"With Docker")',
    )
    init.add_argument(
        "--administrator",
        required=True,
        metavar="USER",
        help="the first administrator, registered if nobody is yet; agencies are registered as "
        "this person (who must be an administrator)",
    )
    init.add_argument(
        "--administrator-name",
        default="Partnership Administrator",
        metavar="NAME",
        help="the first administrator's full name",
    )
    init.add_argument(
        "--env-file",
        type=Path,
        metavar="FILE",
        help="with a secured broker: where the services' Kafka credentials are written "
        "(default <state dir>/services.env)",
    )


def _init(wiring: Wiring, args: argparse.Namespace) -> int:
    from fullpicture.agencies_file import AgenciesFileError, read_agencies_file

    agencies = []
    if args.agencies is not None:  # every row checked before anything is set up
        try:
            agencies = read_agencies_file(args.agencies, wiring.partnership.vocabulary)
        except AgenciesFileError as error:
            problems = str(error).splitlines()
            for problem in problems:
                print(f"error: {problem}", file=sys.stderr)
            raise UserError(f"nothing was set up ({len(problems)} problem(s))") from None
    if wiring.issues_kafka_credentials:
        env_file = args.env_file or wiring.settings.state_dir / "services.env"
        _kafka_setup(wiring, argparse.Namespace(env_file=env_file))
    elif wiring.kafka is not None:
        from consumers.kafka_io import ensure_topics

        topics = wiring.kafka.topics
        ensure_topics(wiring.kafka, [topics.events, topics.deadletter, topics.audit])
    if not wiring.directory.anyone_registered():
        from domain.people import ADMINISTRATOR

        wiring.directory.register_person(
            args.administrator, args.administrator_name, [ADMINISTRATOR], by=args.administrator
        )
        print(f"first administrator registered: {args.administrator}")
    for agency in agencies:
        _register_agency(
            wiring,
            argparse.Namespace(
                acting_as=args.administrator,
                code=agency.code,
                name=agency.name,
                agency_type=agency.agency_type,
                contact=agency.contact,
                credentials_out=None,
                format="table",
            ),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
