"""Reading a child and the partnership: `chronology`, `patterns`, `export` and `audit`, each
through the query layer (which decides the scope and records the read)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from fullpicture.bootstrap import Wiring
from fullpicture.cli.parser import (
    NONE,
    UserError,
    add_command,
    format_option,
    purpose_option,
    replay_options,
    write_out,
)
from fullpicture.output import emit
from fullpicture.review_pack import EXPORT_KINDS

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
    "recorded_by",
    "imported_for_review",
)
# The household view says too which adults each entry names and whom it is about (JSON always
# carries `adults`).
HOUSEHOLD_COLUMNS = ("adults", "about")


def chronology_command(commands: Any) -> None:
    command = add_command(
        commands, "chronology", "a child's merged multi-agency chronology", _chronology
    )
    command.add_argument("child", metavar="CHILD", help="the child's reference")
    replay_options(command)
    command.add_argument(
        "--system-time",
        metavar="TIMESTAMP",
        help="as the system held it at TIMESTAMP (recorded_at <= TIMESTAMP)",
    )
    command.add_argument(
        "--household",
        action="store_true",
        help="also the entries naming the adults in the child's household on the replay day "
        "(each marked with whom it is about)",
    )
    purpose_option(command)
    format_option(command, ("table", "json", "csv"))


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
        household=getattr(args, "household", False),
    )


def _chronology(wiring: Wiring, args: argparse.Namespace) -> int:
    read = _read_child(wiring, args, "chronology")
    columns = (*CHRONOLOGY_COLUMNS, *HOUSEHOLD_COLUMNS) if args.household else CHRONOLOGY_COLUMNS
    emit([asdict(e) for e in read.entries], args.format, columns)
    return 0


def end_of_day_of(when: str) -> str:
    from domain.clock import day_of, end_of_day

    return when if len(when) > 10 else end_of_day(day_of(when))


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


def patterns_command(commands: Any) -> None:
    command = add_command(
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
    purpose_option(command)
    format_option(command)


def _patterns(wiring: Wiring, args: argparse.Namespace) -> int:
    from datetime import date

    from domain.clock import day_of, parse_when
    from projections.patterns.detectors import PATTERNS
    from projections.patterns.household import HOUSEHOLD_PATTERNS
    from projections.patterns.triage import triage_state

    known = [*PATTERNS, *HOUSEHOLD_PATTERNS]
    unknown = [p for p in args.pattern or () if p not in known]
    if unknown:
        raise UserError(
            f"--pattern: unknown pattern(s): {', '.join(unknown)}; one of {', '.join(known)}"
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


def export_command(commands: Any) -> None:
    command = add_command(
        commands, "export", "export a child's chronology for a case review pack", _export
    )
    command.add_argument("child", metavar="CHILD", help="the child's reference")
    command.add_argument("--format", choices=EXPORT_KINDS, default="csv", help="the file's format")
    command.add_argument(
        "--out", type=Path, required=True, metavar="FILE", help="where to write it"
    )
    replay_options(command)
    purpose_option(command)


def _export(wiring: Wiring, args: argparse.Namespace) -> int:
    from fullpicture.review_pack import review_pack

    read = _read_child(wiring, args, "export")
    names = {a.code: a.name for a in wiring.partnership.agencies()}
    pack = review_pack(read, args.format, names, args.acting_as, wiring.now().isoformat())
    write_out(args.out, pack)
    print(
        f"exported {len(read.entries)} entries of {args.child} ({read.scope.describe()}) "
        f"to {args.out}"
    )
    return 0


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


def audit_command(commands: Any) -> None:
    command = add_command(commands, "audit", "who looked at which child, and why", _audit)
    command.add_argument("--child", metavar="REF", help="only reads of this child")
    command.add_argument("--user", metavar="USER", dest="of_user", help="only this person's reads")
    command.add_argument("--from", metavar="DATE", dest="from_day", help="from this day")
    command.add_argument("--to", metavar="DATE", dest="to_day", help="up to this day")
    format_option(command)
    actions = command.add_subparsers(title="audit actions", metavar="ACTION", required=False)
    add_command(
        actions,
        "verify",
        "recompute the access log's hash chain; names the first broken link and exits 1",
        _audit_verify,
        person=NONE,
    )


def _audit_verify(wiring: Wiring, args: argparse.Namespace) -> int:
    check = wiring.access_log.verify()
    if check.broken is not None:
        print(
            f"access log broken at {check.broken} ({check.checked} accesses before it hold)",
            file=sys.stderr,
        )
        return 1
    print(f"access log holds: {check.checked} chained accesses, every link matches")
    return 0


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
