"""`fullpicture retention reapply`: erase again, after a restore, every child the ledger names.

(The retention schedule, decisions, holds and `fullpicture erase` are the policy's commands; this
module carries only the mechanism's own.)
"""

from __future__ import annotations

import argparse
from typing import Any

from fullpicture.bootstrap import Wiring
from fullpicture.cli.parser import ONCE_ANYONE_EXISTS, add_command, format_option
from fullpicture.cli.people import require_administrator_once_anyone_exists
from fullpicture.erasure import reapply
from fullpicture.output import emit

REAPPLY_COLUMNS = (
    "child_ref",
    "agency",
    "decision_id",
    "erased_at",
    "keys_deleted",
    "rows_cleared",
)


def retention_reapply_command(commands: Any) -> None:
    """The `retention` group, holding `reapply` (the policy's retention commands join it)."""
    retention = commands.add_parser(
        "retention", help="retention and erasure: re-apply the erasure ledger after a restore"
    )
    sub = retention.add_subparsers(title="retention commands", metavar="ACTION", required=True)
    reapply_command(sub)


def reapply_command(sub: Any) -> None:
    """`retention reapply`, added to the `retention` group's subcommands."""
    command = add_command(
        sub,
        "reapply",
        "erase again every child in the erasure ledger (the store's, and <prefix>.erasures in "
        "distributed mode): run after restoring a backup (as administrator)",
        _reapply,
        person=ONCE_ANYONE_EXISTS,
    )
    format_option(command)


def _reapply(wiring: Wiring, args: argparse.Namespace) -> int:
    require_administrator_once_anyone_exists(wiring, args.acting_as, "re-apply erasures")
    reports = reapply(wiring)
    rows = [
        {
            "child_ref": r.child_ref,
            "agency": r.agency or "",
            "decision_id": r.decision_id,
            "erased_at": r.erased_at,
            "keys_deleted": r.keys_deleted,
            "rows_cleared": sum(r.read_models_cleared.values()),
        }
        for r in reports
    ]
    emit(rows, args.format, REAPPLY_COLUMNS)
    if args.format == "table":
        keys = sum(r.keys_deleted for r in reports)
        print(f"{len(reports)} erasure(s) re-applied: {keys} key(s) deleted")
    return 0
