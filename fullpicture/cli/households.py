"""The people around a child: agencies' own ids for a child (`child alias`), adults (`adult
register`) and who lives with or cares for a child (`household join|leave`). Every write is made
as the person's own agency, through the query layer's check and the wiring's recorder."""

from __future__ import annotations

import argparse
from typing import Any

from domain.households import RELATIONSHIPS
from fullpicture.bootstrap import Wiring
from fullpicture.cli.parser import add_command, format_option, purpose_option
from fullpicture.output import emit

NHS_NUMBER_HELP = "the NHS number (10 digits, spaces allowed; its check digit is checked)"
AGENCY_HELP = "the agency recording it (default: your own)"


def child_alias_commands(child_sub: Any) -> None:
    """`child alias add|list`, under `child`."""
    alias = child_sub.add_parser("alias", help="an agency's own ids for a child")
    alias_sub = alias.add_subparsers(title="alias commands", metavar="ACTION", required=True)
    add = add_command(alias_sub, "add", "record your agency's own id for a child", _add_alias)
    add.add_argument("child", metavar="CHILD_REF", help="the child's reference")
    add.add_argument("--agency", metavar="CODE", help="whose id it is (default: your own)")
    add.add_argument(
        "--local-id", required=True, metavar="ID", help="the agency's own id for the child"
    )
    listing = add_command(
        alias_sub, "list", "a child's NHS number and agencies' own ids", _list_aliases
    )
    listing.add_argument("child", metavar="CHILD_REF", help="the child's reference")
    purpose_option(listing)
    format_option(listing)


def adult_commands(commands: Any) -> None:
    adult = commands.add_parser("adult", help="adults around children")
    adult_sub = adult.add_subparsers(title="adult commands", metavar="ACTION", required=True)
    register = add_command(adult_sub, "register", "register an adult", _register_adult)
    register.add_argument("adult", metavar="ADULT_REF", help="the adult's reference (e.g. A-0001)")
    register.add_argument("--nhs-number", metavar="NUMBER", default="", help=NHS_NUMBER_HELP)
    register.add_argument("--agency", metavar="CODE", help=AGENCY_HELP)


def household_commands(commands: Any) -> None:
    household = commands.add_parser(
        "household", help="who lives with or cares for a child, over time"
    )
    sub = household.add_subparsers(title="household commands", metavar="ACTION", required=True)
    join = add_command(sub, "join", "an adult lives with or cares for a child from a day", _join)
    join.add_argument("child", metavar="CHILD_REF", help="the child's reference")
    join.add_argument("--adult", required=True, metavar="ADULT_REF", help="the adult")
    join.add_argument(
        "--relationship", required=True, choices=RELATIONSHIPS, help="the adult to the child"
    )
    join.add_argument(
        "--from", dest="from_date", required=True, metavar="DATE", help="the first day"
    )
    join.add_argument("--agency", metavar="CODE", help=AGENCY_HELP)
    leave = add_command(sub, "leave", "an adult no longer lives with a child from a day", _leave)
    leave.add_argument("child", metavar="CHILD_REF", help="the child's reference")
    leave.add_argument("--adult", required=True, metavar="ADULT_REF", help="the adult")
    leave.add_argument("--on", dest="on_date", required=True, metavar="DATE", help="the day")
    leave.add_argument("--agency", metavar="CODE", help=AGENCY_HELP)


def recording_agency(wiring: Wiring, args: argparse.Namespace) -> str:
    """The agency the person may record as (their own), or `AccessRefused`."""
    [(_, allowed)] = wiring.queries.rows_to_record(
        args.acting_as, [(None, {"agency": args.agency or ""})], importing=False
    )
    return str(allowed["agency"])


def _said(created: bool, what: str) -> int:
    print(f"{'recorded' if created else 'already recorded'}: {what}")
    return 0


def _add_alias(wiring: Wiring, args: argparse.Namespace) -> int:
    agency = recording_agency(wiring, args)
    created = wiring.recorder.add_child_alias(args.child, agency, args.local_id)
    return _said(created, f"{args.child} is {args.local_id} at {agency}")


def _list_aliases(wiring: Wiring, args: argparse.Namespace) -> int:
    wiring.projection.catch_up()
    found = wiring.queries.child_identifiers(args.acting_as, args.child, args.purpose)
    if args.format == "json":
        emit(
            [
                {
                    "child_ref": found.child_ref,
                    "nhs_number": found.nhs_number,
                    "aliases": [vars(a) for a in found.aliases],
                }
            ],
            "json",
            (),
        )
        return 0
    rows = [{"identifier": "nhs_number", "agency": "", "value": found.nhs_number}]
    rows += [
        {"identifier": "local_id", "agency": a.agency, "value": a.local_id} for a in found.aliases
    ]
    emit([r for r in rows if r["value"]], "table", ("identifier", "agency", "value"))
    return 0


def _register_adult(wiring: Wiring, args: argparse.Namespace) -> int:
    agency = recording_agency(wiring, args)
    created = wiring.recorder.register_adult(args.adult, agency, args.nhs_number)
    print(f"{'registered' if created else 'already registered'}: {args.adult}")
    return 0


def _join(wiring: Wiring, args: argparse.Namespace) -> int:
    agency = recording_agency(wiring, args)
    created = wiring.recorder.join_household(
        args.child, args.adult, args.relationship, args.from_date, agency
    )
    return _said(created, f"{args.adult} joined {args.child}'s household")


def _leave(wiring: Wiring, args: argparse.Namespace) -> int:
    agency = recording_agency(wiring, args)
    created = wiring.recorder.leave_household(args.child, args.adult, args.on_date, agency)
    return _said(created, f"{args.adult} left {args.child}'s household")
