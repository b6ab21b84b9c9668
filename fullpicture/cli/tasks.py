"""Tasks with an owner: `task add`, `task done`, `task reassign`, `task list`.

The query layer decides who may give, own, change and see a task (and logs the lists, which name
children); the recorder writes the task's events.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from domain.tasks import checked_task
from fullpicture.bootstrap import Wiring
from fullpicture.cli.parser import add_command, format_option
from fullpicture.output import emit

TASK_COLUMNS = ("task_id", "child_ref", "owner", "owner_agency", "due_by", "status", "what")


def task_commands(commands: Any) -> None:
    task = commands.add_parser("task", help="tasks with an owner and a due date")
    sub = task.add_subparsers(title="task commands", metavar="ACTION", required=True)
    add = add_command(sub, "add", "give someone a task about a child", _add)
    add.add_argument("--child", required=True, metavar="CHILD_REF", help="the child it is about")
    add.add_argument(
        "--about",
        required=True,
        metavar="ALERT_OR_ENTRY_ID",
        help="what prompted it: an alert id (A-…) or an entry id (AGENCY:REF)",
    )
    add.add_argument(
        "--owner", required=True, metavar="USER", help="who owns it (must see the child)"
    )
    add.add_argument("--due", required=True, metavar="DATE", help="when it is due (ISO 8601)")
    add.add_argument("--what", required=True, metavar="TEXT", help="what is to be done")
    format_option(add)
    done = add_command(sub, "done", "mark a task done, saying what came of it", _done)
    done.add_argument("task_id", metavar="TASK_ID", help="the task's id (task list shows it)")
    done.add_argument("--outcome", required=True, metavar="TEXT", help="what came of it")
    format_option(done)
    reassign = add_command(sub, "reassign", "hand a task to another owner", _reassign)
    reassign.add_argument("task_id", metavar="TASK_ID", help="the task's id")
    reassign.add_argument(
        "--owner", required=True, metavar="USER", help="the new owner (must see the child)"
    )
    format_option(reassign)
    listing = add_command(sub, "list", "the tasks you may see", _list)
    listing.add_argument("--mine", action="store_true", help="only the tasks you own")
    listing.add_argument("--agency", metavar="AGENCY", help="only tasks owned in this agency")
    listing.add_argument("--overdue", action="store_true", help="only tasks past their due date")
    format_option(listing)


def _add(wiring: Wiring, args: argparse.Namespace) -> int:
    values = checked_task(args.child, args.about, args.owner, args.due, args.what)
    wiring.projection.catch_up()
    owner_agency = wiring.queries.task_owner_agency(
        args.acting_as, values["child_ref"], values["owner"], values["about"]
    )
    task_id = wiring.recorder.add_task(values, owner_agency, added_by=args.acting_as)
    result = {"task_id": task_id, "owner": values["owner"], "due_by": values["due_by"]}
    emit([result], args.format, list(result))
    return 0


def _done(wiring: Wiring, args: argparse.Namespace) -> int:
    wiring.projection.catch_up()
    task, _ = wiring.queries.task_to_change(args.acting_as, args.task_id, "mark done")
    wiring.recorder.finish_task(task.task_id, args.outcome, by=args.acting_as)
    result = {"task_id": task.task_id, "status": "done", "done_by": args.acting_as}
    emit([result], args.format, list(result))
    return 0


def _reassign(wiring: Wiring, args: argparse.Namespace) -> int:
    wiring.projection.catch_up()
    task, agency = wiring.queries.task_to_change(
        args.acting_as, args.task_id, "reassign", new_owner=args.owner.strip()
    )
    wiring.recorder.reassign_task(task.task_id, args.owner.strip(), agency, by=args.acting_as)
    result = {"task_id": task.task_id, "owner": args.owner.strip(), "owner_agency": agency}
    emit([result], args.format, list(result))
    return 0


def _list(wiring: Wiring, args: argparse.Namespace) -> int:
    wiring.projection.catch_up()
    found = wiring.queries.task_list(
        args.acting_as, mine=args.mine, agency=args.agency, overdue=args.overdue
    )
    emit([asdict(t) | {"status": t.status} for t in found], args.format, TASK_COLUMNS)
    return 0
