"""The commands of the tools beside the product: `evaluate`, `bench`, `soak` and `demo`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from fullpicture.bootstrap import Wiring
from fullpicture.cli.parser import NONE, UserError, add_command, dashboard_options, format_option
from fullpicture.cli.services import serve_dashboard
from fullpicture.output import emit

ACCURACY_COLUMNS = ("pattern", "planted", "recall", "false_alarms")


def bench_and_soak_commands(commands: Any) -> None:
    bench = add_command(
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
    bench.add_argument(
        "--scale",
        metavar="N,N,...",
        help="a scale curve instead: import, rebuild, memory, read models' size, chronology read "
        "and patterns for each partnership size, e.g. 50000,200000,1000000",
    )
    bench.add_argument(
        "--plot", metavar="FILE", help="with --scale: also draw the curve as an SVG image in FILE"
    )
    format_option(bench)
    soak_command(commands)


def demo_command(commands: Any) -> None:
    demo = add_command(
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
    dashboard_options(demo)


def evaluate_command(commands: Any) -> None:
    command = add_command(
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
    format_option(command)


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
    return serve_dashboard(wiring, args, demo=True)


def _bench(wiring: Wiring, args: argparse.Namespace) -> int:
    from fullpicture.tools.bench import DASHBOARD_FAILURE, TARGETS, run_benchmark

    if args.events < 1000:
        raise UserError("--events: at least 1000")
    settings = wiring.require_servers(
        "bench", "run `make services` and `. .fullpicture/services.env`"
    )
    if args.scale is not None:
        return _bench_scale(settings, args)
    if args.plot is not None:
        raise UserError("--plot: draws the curve of --scale; give --scale too")
    try:
        results = run_benchmark(
            settings,
            args.events,
            lambda line: print(f"bench: {line}", file=sys.stderr),
            durable=args.durable,
        )
    except ValueError as error:
        raise UserError(str(error)) from None
    exit_code = 1 if DASHBOARD_FAILURE in results else 0
    if args.format == "json":
        print(json.dumps(results, indent=2))
        return exit_code
    machine = results.pop("machine")
    rows = [{"measure": k, "value": v, "target": TARGETS.get(k, "")} for k, v in results.items()]
    emit(rows, "table", ("measure", "value", "target"))
    print("machine: " + ", ".join(f"{k} {v}" for k, v in machine.items()))
    return exit_code


def _bench_scale(settings: Any, args: argparse.Namespace) -> int:
    from fullpicture.tools.scale_bench import SCALE_COLUMNS, parse_sizes, run_scale
    from fullpicture.tools.scale_chart import curve_svg

    try:
        sizes = parse_sizes(args.scale)
        curve = run_scale(
            settings,
            sizes,
            lambda line: print(f"bench: {line}", file=sys.stderr),
            durable=args.durable,
        )
    except ValueError as error:
        raise UserError(str(error)) from None
    if args.plot is not None:
        machine = curve["machine"]
        title = (
            f"fullpicture bench --scale {args.scale}{' --durable' if args.durable else ''} "
            f"({machine['date']}, {machine['cores']} cores, {machine['postgresql_durability']})"
        )
        Path(args.plot).write_text(curve_svg(curve["scale"], title), encoding="utf-8")
    if args.format == "json":
        print(json.dumps(curve, indent=2))
        return 0
    emit(curve["scale"], "table", SCALE_COLUMNS)
    if curve["targets"]:
        print()
        emit(curve["targets"], "table", ("figure", "compared", "ratio", "target", "met"))
    print("machine: " + ", ".join(f"{k} {v}" for k, v in curve["machine"].items()))
    return 0


def soak_command(commands: Any) -> None:
    soak = add_command(
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
    format_option(soak, ("table", "json"))


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
