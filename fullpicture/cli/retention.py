"""Records management: `retention due|decide|approve|decisions`, `hold place|lift|list` and
`erase`, each acting as the named person and each act in the access log (`fullpicture audit`)."""

from __future__ import annotations

import argparse
import json
import sys
from functools import partial
from pathlib import Path
from typing import Any

from domain.disposition import DECISIONS
from fullpicture.bootstrap import Wiring
from fullpicture.cli.erasure import retention_reapply_command
from fullpicture.cli.parser import UserError, add_command, format_option
from fullpicture.output import emit
from fullpicture.records_office import DUE_COLUMNS

DECISION_COLUMNS = (
    "id",
    "child_ref",
    "agency",
    "decision",
    "until",
    "reason",
    "decided_by",
    "approved_by",
    "state",
)
HOLD_COLUMNS = ("hold", "basis", "scope", "placed_by", "placed_at", "in_force", "lifted_at")


def retention_commands(commands: Any) -> None:
    retention = commands.add_parser(
        "retention", help="records past their retention period, and decisions about them"
    )
    sub = retention.add_subparsers(title="retention commands", metavar="ACTION", required=True)
    due = add_command(
        sub,
        "due",
        "parts of children's records past their retention period (administrators; a "
        "safeguarding lead: their agency's parts)",
        _due,
    )
    due.add_argument("--as-at", metavar="DATE", help="as on this day (default today)")
    format_option(due)
    decide = add_command(
        sub,
        "decide",
        "decide to destroy (a second person approves) or to keep a child's record longer",
        _decide,
    )
    decide.add_argument("child", metavar="CHILD", help="the child's reference")
    decide.add_argument("--decision", required=True, choices=DECISIONS, help="what to do")
    decide.add_argument(
        "--reason",
        required=True,
        metavar="TEXT",
        help="why: the rule, request or review (no personal details: it is kept after erasure)",
    )
    decide.add_argument("--until", metavar="DATE", help="extend: the day it is kept until")
    decide.add_argument(
        "--agency", metavar="CODE", default="", help="only this agency's part of the record"
    )
    format_option(decide)
    approve = add_command(
        sub, "approve", "approve another person's decision to destroy (administrators)", _approve
    )
    approve.add_argument("decision_id", metavar="DECISION_ID", help="the decision's id")
    format_option(approve)
    listing = add_command(sub, "decisions", "list retention decisions", _decisions)
    format_option(listing)
    retention_reapply_command(sub)


def hold_commands(commands: Any) -> None:
    hold = commands.add_parser("hold", help="legal holds: nothing they cover may be erased")
    sub = hold.add_subparsers(title="hold commands", metavar="ACTION", required=True)
    place = add_command(sub, "place", "place a legal hold (administrators)", _place)
    place.add_argument("hold", metavar="HOLD", help="the hold's name, e.g. INQUIRY-2026")
    place.add_argument(
        "--basis", required=True, metavar="TEXT", help="the inquiry, claim or notice behind it"
    )
    scope = place.add_mutually_exclusive_group(required=True)
    scope.add_argument(
        "--child",
        nargs="+",
        action="extend",
        metavar="REF",
        dest="children",
        help="these children's records (repeatable)",
    )
    scope.add_argument("--agency", metavar="CODE", help="every record this agency made")
    scope.add_argument("--all", action="store_true", dest="everything", help="every record")
    place.add_argument(
        "--from",
        dest="period_from",
        metavar="DATE",
        default="",
        help="only parts of a record with an entry on or after this day",
    )
    place.add_argument(
        "--to",
        dest="period_to",
        metavar="DATE",
        default="",
        help="only parts of a record with an entry on or before this day",
    )
    format_option(place)
    lift = add_command(sub, "lift", "lift a legal hold (administrators)", _lift)
    lift.add_argument("hold", metavar="HOLD", help="the hold's name")
    lift.add_argument("--reason", required=True, metavar="TEXT", help="why the hold ends")
    format_option(lift)
    listing = add_command(sub, "list", "list legal holds, in force and lifted", _list_holds)
    format_option(listing)


def erase_command(commands: Any) -> None:
    erase = add_command(
        commands,
        "erase",
        "erase a child's records (or an agency's part) under an approved destroy decision, "
        "unless a legal hold covers them; prints the certificate",
        _erase,
    )
    erase.add_argument("child", metavar="CHILD", help="the child's reference")
    erase.add_argument(
        "--decision", required=True, metavar="DECISION_ID", help="the approved destroy decision"
    )
    erase.add_argument(
        "--out", type=Path, metavar="FILE", help="also write the certificate (JSON) to FILE"
    )


def _due(wiring: Wiring, args: argparse.Namespace) -> int:
    found = wiring.records_office.due(args.acting_as, as_at=args.as_at)
    emit([r.as_dict() for r in found], args.format, DUE_COLUMNS)
    return 0


def _decide(wiring: Wiring, args: argparse.Namespace) -> int:
    made = wiring.records_office.decide(
        args.acting_as,
        args.child,
        args.decision,
        args.reason,
        until=args.until or "",
        agency=args.agency,
    )
    if args.format == "json":
        _print_json(made.as_dict())
        return 0
    print(made.decision_id)
    if made.decision == "destroy":
        print(
            f"recorded: nothing is erased until another person approves it "
            f"(fullpicture retention approve {made.decision_id} --as OTHER)",
            file=sys.stderr,
        )
    return 0


def _approve(wiring: Wiring, args: argparse.Namespace) -> int:
    approved = wiring.records_office.approve(args.acting_as, args.decision_id)
    emit([approved.as_dict()], args.format, DECISION_COLUMNS)
    return 0


def _decisions(wiring: Wiring, args: argparse.Namespace) -> int:
    emit(
        [d.as_dict() for d in wiring.records_office.decisions(args.acting_as)],
        args.format,
        DECISION_COLUMNS,
    )
    return 0


def _place(wiring: Wiring, args: argparse.Namespace) -> int:
    placed = wiring.records_office.place_hold(
        args.acting_as,
        args.hold,
        args.basis,
        children=args.children or (),
        agency=args.agency or "",
        everything=args.everything,
        period_from=args.period_from,
        period_to=args.period_to,
    )
    emit([placed.as_dict()], args.format, HOLD_COLUMNS)
    return 0


def _lift(wiring: Wiring, args: argparse.Namespace) -> int:
    lifted = wiring.records_office.lift_hold(args.acting_as, args.hold, args.reason)
    emit([lifted.as_dict()], args.format, HOLD_COLUMNS)
    return 0


def _list_holds(wiring: Wiring, args: argparse.Namespace) -> int:
    emit(
        [h.as_dict() for h in wiring.records_office.holds(args.acting_as)],
        args.format,
        HOLD_COLUMNS,
    )
    return 0


def _erase(wiring: Wiring, args: argparse.Namespace) -> int:
    certificate = wiring.records_office.erase(
        args.acting_as, args.child, args.decision, shred=partial(_shred_child, wiring)
    )
    text = json.dumps(certificate, indent=2, ensure_ascii=False, default=str) + "\n"
    sys.stdout.write(text)  # first: the erasure is done, its certificate must not be lost
    if args.out is not None:
        try:
            args.out.write_text(text, encoding="utf-8")
        except OSError as error:
            raise UserError(
                f"--out: cannot write {args.out}: {error.strerror} (the records were erased; "
                "the certificate is printed above)"
            ) from None
    return 0


def _shred_child(wiring: Wiring, child: str, **decision: Any) -> Any:
    """The erasure mechanism, imported only once every check has passed."""
    from fullpicture.erasure import shred_child

    return shred_child(wiring, child, **decision)


def _print_json(item: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(item, indent=2, ensure_ascii=False) + "\n")
