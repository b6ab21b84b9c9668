"""Recording: one entry (`record`), a spreadsheet (`import`), a child's date of birth, and what
was done about an alert. Every write goes through the wiring's recorder."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from domain.drafts import DATE_FIELDS, DRAFT_FIELDS, ENTRY_KINDS, STAMPED_FIELDS
from domain.errors import BirthDateConflict
from domain.spreadsheet import read_chronology_csv
from fullpicture.bootstrap import Wiring
from fullpicture.cli.households import NHS_NUMBER_HELP, child_alias_commands
from fullpicture.cli.parser import (
    UserError,
    add_command,
    format_option,
    help_vocabulary,
)
from fullpicture.entry_json import read_json_entry
from fullpicture.field_help import allowed_values, field_help
from fullpicture.output import emit
from fullpicture.progress import ProgressBar


def child_commands(commands: Any) -> None:
    child = commands.add_parser("child", help="record what is known about a child")
    child_sub = child.add_subparsers(title="child commands", metavar="ACTION", required=True)
    born = add_command(
        child_sub, "register", "record a child's date of birth and NHS number", register_child
    )
    born.add_argument("child", metavar="CHILD_REF", help="the child's reference")
    born.add_argument(
        "--date-of-birth", default="", metavar="DATE", help="the date of birth (ISO 8601)"
    )
    born.add_argument("--nhs-number", default="", metavar="NUMBER", help=NHS_NUMBER_HELP)
    born.add_argument(
        "--agency", metavar="CODE", help="the agency recording it (default: your own)"
    )
    child_alias_commands(child_sub)


def record_command(commands: Any) -> None:
    vocabulary = help_vocabulary()
    record = add_command(commands, "record", "record one entry", _record)
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
    record.add_argument(
        "--adult",
        action="append",
        dest="adults",
        metavar="ADULT_REF",
        help="an adult the entry names (repeat for several; registered with `adult register`)",
    )
    for name in DRAFT_FIELDS:
        if name in ("kind", "child_refs", "adults", *STAMPED_FIELDS):
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
    format_option(record)


def _metavar(field: str) -> str:
    if field in DATE_FIELDS:
        return "DATE"
    if field in ("agency", "to_agencies"):
        return "AGENCY"
    if field in ("summary", "reason", "child_words", "practitioner"):
        return "TEXT"
    return "WORD" if allowed_values(field) else "VALUE"


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
    author = wiring.queries.author_of(args.acting_as, [(None, allowed)], False)
    # A list is a list here: a child reference holding ';' is refused, never split in three.
    outcome = wiring.recorder.record(allowed, author, lists_as_text=False)
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


def import_command(commands: Any) -> None:
    command = add_command(
        commands, "import", "import an agency chronology spreadsheet (CSV)", _import
    )
    command.add_argument(
        "file", type=Path, metavar="FILE.csv", help='the spreadsheet (README, "Importing")'
    )
    format_option(command)


def _import(wiring: Wiring, args: argparse.Namespace) -> int:
    if not args.file.is_file():
        what = "is a directory, not a CSV file" if args.file.is_dir() else "no such file"
        raise UserError(f"{args.file}: {what}")
    rows = wiring.queries.rows_to_record(
        args.acting_as, read_chronology_csv(args.file), importing=True
    )
    author = wiring.queries.author_of(args.acting_as, rows, importing=True)
    bar = ProgressBar("importing", len(rows)) if len(rows) >= 1000 else None
    outcome = wiring.recorder.record_all(rows, author, progress=bar.callback if bar else None)
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


def register_child(wiring: Wiring, args: argparse.Namespace) -> int:
    [(_, allowed)] = wiring.queries.rows_to_record(
        args.acting_as, [(None, {"agency": args.agency or ""})], importing=False
    )
    try:
        created = wiring.recorder.register_child(
            args.child, args.date_of_birth, allowed["agency"], args.nhs_number
        )
    except BirthDateConflict:
        wiring.queries.record_birth_date_conflict(args.acting_as, args.child)
        raise
    print(f"{'registered' if created else 'already registered'}: {args.child}")
    return 0


def alert_commands(commands: Any) -> None:
    from domain.alert_reviews import TRIAGE_OUTCOMES

    alert = commands.add_parser("alert", help="record what was done about an alert")
    sub = alert.add_subparsers(title="alert commands", metavar="ACTION", required=True)
    review = add_command(
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
    format_option(review)


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
