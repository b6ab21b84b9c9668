"""`fullpicture report`: the partnership board's figures for a period, suppressed, as a file."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from fullpicture.bootstrap import Wiring
from fullpicture.cli.parser import UserError, add_command, write_out


def report_command(commands: Any) -> None:
    from fullpicture.board_report import REPORT_KINDS
    from projections.board_figures import AGE_BANDS

    command = add_command(
        commands,
        "report",
        "the partnership board's report for a period (analysts): trends and practice measures, "
        "small numbers suppressed",
        _report,
    )
    command.add_argument(
        "--from", dest="from_day", metavar="DATE", required=True, help="the period's first day"
    )
    command.add_argument(
        "--to", dest="to_day", metavar="DATE", required=True, help="the period's last day"
    )
    command.add_argument("--agency", metavar="AGENCY", help="only children this agency knew")
    command.add_argument("--age-band", choices=AGE_BANDS, help="only children of this age")
    command.add_argument("--concern", metavar="CATEGORY", help="only children with this concern")
    command.add_argument("--format", choices=REPORT_KINDS, default="pdf", help="the file's format")
    command.add_argument(
        "--out", type=Path, required=True, metavar="FILE", help="where to write it"
    )


def _report(wiring: Wiring, args: argparse.Namespace) -> int:
    from fullpicture.board_report import board_report
    from projections.board_figures import Cohort

    first, last = _day("--from", args.from_day), _day("--to", args.to_day)
    if last < first:
        raise UserError(f"--to: {last} is before --from {first}")
    cohort = Cohort(
        first,
        last,
        agency=args.agency or "",
        age_band=args.age_band or "",
        concern=args.concern or "",
    )
    wiring.projection.catch_up()
    figures = wiring.queries.board_figures(args.acting_as, cohort)
    names = {a.code: a.name for a in wiring.partnership.agencies()}
    report = board_report(figures, args.format, names, args.acting_as, wiring.now().isoformat())
    write_out(args.out, report)
    print(
        f"report for {cohort.from_day} to {cohort.to_day} written to {args.out} "
        f"({figures.suppressed} cells suppressed)"
    )
    return 0


def _day(option: str, text: str) -> date:
    from domain.clock import day_of, parse_when

    return day_of(parse_when(option, text))
