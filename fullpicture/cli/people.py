"""People and reviews: registering people and changing their roles, passwords, and case
reviewers' review grants."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from fullpicture.bootstrap import Wiring
from fullpicture.cli.notify import notification_choice_command
from fullpicture.cli.parser import (
    NAME_YOURSELF,
    ONCE_ANYONE_EXISTS,
    UserError,
    add_command,
    format_option,
)
from fullpicture.output import emit
from fullpicture.queries import FirstPersonNotAdministrator, PersonNotNamed

PERSON_COLUMNS = ("user", "name", "agency", "email", "roles")


REVIEW_COLUMNS = (
    "review",
    "reviewer",
    "children",
    "from",
    "to",
    "expires",
    "withdrawn",
    "proposed_by",
    "approved_by",
)


def people_commands(commands: Any) -> None:
    from domain.people import ROLES

    user = commands.add_parser("user", help="register people and manage their roles")
    sub = user.add_subparsers(title="user commands", metavar="ACTION", required=True)
    add = add_command(sub, "add", "register a person", _add_user, person=ONCE_ANYONE_EXISTS)
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
    format_option(add)
    for action, run in (("grant", _grant_role), ("revoke", _revoke_role)):
        change = add_command(sub, action, f"{action} a role", run)
        change.add_argument("user", metavar="USER", help="a registered person's user name")
        change.add_argument("--role", required=True, choices=ROLES, help=f"the role to {action}")
    notification_choice_command(sub)
    listing = add_command(sub, "list", "list registered people and their roles", _list_users)
    format_option(listing)
    password = add_command(
        sub,
        "password",
        "set your own local password, or reset another's (an administrator; it must be "
        "changed at the next sign-in)",
        _set_password,
    )
    password.add_argument("user", metavar="USER", help="a registered person's user name")
    password.add_argument(
        "--password-stdin",
        action="store_true",
        required=True,
        help="read the password from standard input (never from the command line)",
    )
    link = add_command(
        sub, "link", "link a person to their identity provider account", _link_identity
    )
    link.add_argument("user", metavar="USER", help="a registered person's user name")
    link.add_argument(
        "--issuer", required=True, metavar="URL", help="the provider's issuer (its `iss`)"
    )
    link.add_argument(
        "--subject", required=True, metavar="SUB", help="the account's subject at it (its `sub`)"
    )
    review = commands.add_parser("review", help="grant case reviewers access to a review")
    review_sub = review.add_subparsers(title="review commands", metavar="ACTION", required=True)
    grant = add_command(
        review_sub,
        "grant",
        "propose a case reviewer's grant of a review's children (a second administrator "
        "approves it)",
        _grant,
    )
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
    format_option(grant)
    approve = add_command(
        review_sub,
        "approve",
        "approve a review's proposed grants (another administrator)",
        _approve,
    )
    approve.add_argument("review", metavar="REVIEW", help="the review's name")
    approve.add_argument(
        "--reviewer", metavar="USER", help="only this case reviewer's grant (default: every one)"
    )
    format_option(approve)
    withdraw = add_command(review_sub, "withdraw", "withdraw a review grant", _withdraw)
    withdraw.add_argument("review", metavar="REVIEW", help="the review's name")
    withdraw.add_argument(
        "--reviewer", required=True, metavar="USER", help="the case reviewer's user name"
    )
    review_list = add_command(review_sub, "list", "list review grants", _list_reviews)
    format_option(review_list)


def require_administrator_once_anyone_exists(
    wiring: Wiring, acting_as: str | None, doing: str
) -> None:
    """Only an administrator, once anyone is registered (the query layer decides)."""
    try:
        wiring.queries.check_administrator_once_anyone_exists(acting_as, doing)
    except PersonNotNamed:
        raise UserError(NAME_YOURSELF) from None


def _add_user(wiring: Wiring, args: argparse.Namespace) -> int:
    try:
        by = wiring.queries.registrar(args.acting_as, args.roles, args.agency) or args.user
    except FirstPersonNotAdministrator:
        raise UserError(
            "--role: the first person registered must be an administrator "
            "(fullpicture user add USER --name NAME --role administrator)"
        ) from None
    except PersonNotNamed:
        raise UserError(NAME_YOURSELF) from None
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
    target = wiring.directory.person(args.user)
    if target is None:
        raise UserError(f"user: {args.user!r} is not a registered person")
    wiring.queries.check_may_manage_person(args.acting_as, [args.role], target.agency, doing)
    person = change(args.user, args.role, by=args.acting_as)
    print(f"{person.user}: {', '.join(person.roles) or 'no roles'}")
    return 0


def _list_users(wiring: Wiring, args: argparse.Namespace) -> int:
    """Everyone the person may list, with the identity provider accounts each is linked to."""
    rows = [
        _person_row(p)
        | {
            "identities": [
                {"issuer": issuer, "subject": subject}
                for issuer, subject in wiring.directory.linked_identities(p.user)
            ]
        }
        for p in wiring.queries.people(args.acting_as)
    ]
    emit(rows, args.format, PERSON_COLUMNS)
    return 0


def _show_people(people: Sequence[Any], fmt: str) -> None:
    emit([_person_row(p) for p in people], fmt, PERSON_COLUMNS)


def _person_row(person: Any) -> dict[str, Any]:
    return asdict(person) | {"roles": list(person.roles)}


def _set_password(wiring: Wiring, args: argparse.Namespace) -> int:
    wiring.queries.check_may_set_password(args.acting_as, args.user)
    password = sys.stdin.readline().rstrip("\r\n")
    if wiring.queries.change_password(args.acting_as, args.user, password):
        print(f"password reset for {args.user}; they must change it at their next sign-in")
    else:
        print(f"password set for {args.user}")
    return 0


def _link_identity(wiring: Wiring, args: argparse.Namespace) -> int:
    wiring.queries.check_administrator(args.acting_as, "link identities")
    wiring.directory.link_identity(args.user, args.issuer, args.subject, by=args.acting_as)
    print(f"linked: {args.user} to {args.subject} at {args.issuer}")
    return 0


def _grant(wiring: Wiring, args: argparse.Namespace) -> int:
    grant = wiring.queries.propose_review(
        args.acting_as,
        args.review,
        args.reviewer,
        children=args.children,
        period_from=args.period_from,
        period_to=args.period_to,
        expires=args.expires,
    )
    emit([grant.as_dict()], args.format, REVIEW_COLUMNS)
    if args.format == "table":
        print(
            f"proposed: it gives access once another administrator approves it "
            f"(fullpicture review approve {grant.review} --as OTHER)",
            file=sys.stderr,
        )
    return 0


def _approve(wiring: Wiring, args: argparse.Namespace) -> int:
    grants = wiring.queries.approve_review(args.acting_as, args.review, args.reviewer)
    emit([g.as_dict() for g in grants], args.format, REVIEW_COLUMNS)
    return 0


def _withdraw(wiring: Wiring, args: argparse.Namespace) -> int:
    wiring.queries.check_administrator(args.acting_as, "withdraw reviews")
    grant = wiring.directory.withdraw_review(args.review, args.reviewer, by=args.acting_as)
    print(f"withdrawn: {grant.review} for {grant.reviewer}")
    return 0


def _list_reviews(wiring: Wiring, args: argparse.Namespace) -> int:
    grants = wiring.queries.reviews(args.acting_as)
    emit([g.as_dict() for g in grants], args.format, REVIEW_COLUMNS)
    return 0
