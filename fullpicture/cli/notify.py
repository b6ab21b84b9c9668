"""Notifications to people: the notifier process (`notify`) and each person's choices
(`user notifications`)."""

from __future__ import annotations

import argparse
import time
from typing import Any

from domain.notices import NOTIFICATION_KINDS
from fullpicture.bootstrap import Wiring
from fullpicture.cli.parser import NONE, UserError, add_command
from fullpicture.config import SMTP_URL

DEFAULT_INTERVAL_SECONDS = 30.0


def notify_command(commands: Any) -> None:
    notify = add_command(
        commands,
        "notify",
        "e-mail people that work waits for them (counts and a link, never child data)",
        _notify,
        person=NONE,
    )
    notify.add_argument("--once", action="store_true", help="one pass, then stop")
    notify.add_argument(
        "--interval",
        type=float,
        default=DEFAULT_INTERVAL_SECONDS,
        metavar="SECONDS",
        help=f"seconds between passes (default {DEFAULT_INTERVAL_SECONDS:.0f})",
    )


def notification_choice_command(user_commands: Any) -> None:
    choose = add_command(
        user_commands,
        "notifications",
        "choose which notifications a person gets by e-mail (all are on at first)",
        _choose,
    )
    choose.add_argument("user", metavar="USER", help="a registered person (yourself)")
    for flag, doing in (("--on", "get"), ("--off", "stop")):
        choose.add_argument(
            flag,
            action="append",
            default=[],
            choices=NOTIFICATION_KINDS,
            metavar="KIND",
            help=f"a kind to {doing} (repeatable)",
        )


def _notify(wiring: Wiring, args: argparse.Namespace) -> int:
    notifier = wiring.notifier
    if notifier is None:
        raise UserError(f"notify needs {SMTP_URL} (e.g. smtp+starttls://user:password@host:587)")
    while True:
        wiring.projection.catch_up()
        sent = notifier.run_once()
        if sent:
            print(f"sent {sent} notification(s)", flush=True)
        if args.once:
            return 0
        time.sleep(args.interval)


def _choose(wiring: Wiring, args: argparse.Namespace) -> int:
    if not args.on and not args.off:
        raise UserError("give --on KIND or --off KIND (" + ", ".join(NOTIFICATION_KINDS) + ")")
    wiring.queries.check_may_choose_notifications(args.acting_as, args.user)
    for kind in args.on:
        wiring.directory.choose_notifications(args.user, kind, True, by=args.acting_as)
    for kind in args.off:
        wiring.directory.choose_notifications(args.user, kind, False, by=args.acting_as)
    off = wiring.directory.notifications_off(args.user)
    for kind in NOTIFICATION_KINDS:
        print(f"{kind}: {'off' if kind in off else 'on'}")
    return 0
