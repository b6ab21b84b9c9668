"""Setting a partnership up: its agencies (and their Kafka credentials), the secured broker's
principals (`kafka setup`), `init` for a deployment, and the published schemas."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fullpicture.agencies_file import AgencyRow
from fullpicture.bootstrap import Wiring
from fullpicture.cli.parser import (
    NONE,
    ONCE_ANYONE_EXISTS,
    UserError,
    add_command,
    credentials_out_option,
    format_option,
    help_vocabulary,
)
from fullpicture.cli.people import require_administrator_once_anyone_exists
from fullpicture.field_help import field_help
from fullpicture.output import emit


def agency_commands(commands: Any) -> None:
    agency = commands.add_parser("agency", help="register and list the partnership's agencies")
    sub = agency.add_subparsers(title="agency commands", metavar="ACTION", required=True)
    register = add_command(
        sub, "register", "register an agency", _register_agency, person=ONCE_ANYONE_EXISTS
    )
    register.add_argument("code", help="short code, e.g. police-north")
    register.add_argument("--name", required=True, help="the agency's full name")
    register.add_argument(
        "--type",
        required=True,
        dest="agency_type",
        metavar="WORD",
        help=field_help("agency_type", help_vocabulary()),
    )
    register.add_argument("--contact", default="", help="how partners reach the agency")
    credentials_out_option(register)
    format_option(register)
    listing = add_command(sub, "list", "list registered agencies", _list_agencies, person=NONE)
    format_option(listing)
    credentials = add_command(
        sub,
        "credentials",
        "issue or replace an agency's Kafka credentials (distributed mode, as administrator)",
        _agency_credentials,
        person=ONCE_ANYONE_EXISTS,
    )
    credentials.add_argument("code", help="a registered agency's code")
    credentials.add_argument(
        "--rotate", action="store_true", help="replace the password (the old one stops working)"
    )
    credentials_out_option(credentials)
    withdraw = add_command(
        sub,
        "withdraw",
        "withdraw an agency's Kafka access: its principal's ACLs and password are removed "
        "(distributed mode, as administrator)",
        _withdraw_agency,
        person=ONCE_ANYONE_EXISTS,
    )
    withdraw.add_argument("code", help="a registered agency's code")


def _register_agency(wiring: Wiring, args: argparse.Namespace) -> int:
    agency = AgencyRow(args.code, args.name, args.agency_type, args.contact)
    _register_one_agency(wiring, args.acting_as, agency, args.credentials_out, args.format)
    return 0


def _register_one_agency(
    wiring: Wiring,
    acting_as: str | None,
    agency: AgencyRow,
    credentials_out: Path | None,
    output_format: str,
) -> None:
    """`agency register`, and `init` for each agency of its file."""
    require_administrator_once_anyone_exists(wiring, acting_as, "register agencies")
    issues_credentials = wiring.issues_kafka_credentials
    if issues_credentials:
        _require_kafka_administrator(wiring, "agency register")
    created = wiring.partnership.register_agency(
        agency.code, agency.name, agency.agency_type, agency.contact
    )
    result = {"code": agency.code, "registered": created}
    if output_format == "json":
        emit([result], "json", list(result))
    else:
        print(f"{'registered' if created else 'already registered'}: {agency.code}")
    if issues_credentials:
        _issue_agency_credentials(wiring, agency.code, credentials_out, rotate=False)


def _require_kafka_administrator(wiring: Wiring, command: str) -> None:
    """Checked before anything is recorded, so a registration never lacks its principal."""
    if wiring.settings.as_service("admin").kafka_security.credentials is None:
        raise UserError(
            f"{command}: issuing Kafka credentials needs an administrative principal "
            "(FULLPICTURE_KAFKA_ADMIN_USERNAME/_PASSWORD or FULLPICTURE_KAFKA_USERNAME/_PASSWORD)"
        )


def _agency_credentials(wiring: Wiring, args: argparse.Namespace) -> int:
    require_administrator_once_anyone_exists(wiring, args.acting_as, "issue agencies' credentials")
    wiring.require_kafka("agency credentials")
    if not wiring.settings.kafka_security.uses_sasl:
        raise UserError(
            "agency credentials: FULLPICTURE_KAFKA_SECURITY_PROTOCOL is not SASL_PLAINTEXT or "
            "SASL_SSL (the broker has no principals to issue)"
        )
    _require_kafka_administrator(wiring, "agency credentials")
    if not wiring.partnership.agency_is_registered(args.code):
        raise UserError(f"code: agency {args.code!r} is not registered")
    _issue_agency_credentials(wiring, args.code, args.credentials_out, rotate=args.rotate)
    return 0


def _withdraw_agency(wiring: Wiring, args: argparse.Namespace) -> int:
    """The agency's system can no longer sign in or read its feed; its history stays."""
    require_administrator_once_anyone_exists(wiring, args.acting_as, "withdraw agencies")
    wiring.require_kafka("agency withdraw")
    _require_kafka_administrator(wiring, "agency withdraw")
    if not wiring.partnership.agency_is_registered(args.code):
        raise UserError(f"code: agency {args.code!r} is not registered")
    from consumers.kafka_security import KafkaSecurityError, agency_username, withdraw_agency

    settings = wiring.settings.as_service("admin")
    username = agency_username(settings.topics, args.code)
    try:
        removed = withdraw_agency(settings, args.code)
    except KafkaSecurityError as error:
        raise UserError(f"Kafka principal {username}: {error}") from None
    print(f"Kafka access of {username} withdrawn: {removed} ACLs and its password removed")
    return 0


def _issue_agency_credentials(
    wiring: Wiring, code: str, credentials_out: Path | None, rotate: bool
) -> None:
    """The agency's Kafka principal; its password goes only into the 0600 file, never to a log."""
    from consumers.kafka_security import (
        KafkaSecurityError,
        agency_username,
        issue_agency_credentials,
        stored_agency_credentials,
        write_private_file,
    )

    settings = wiring.settings.as_service("admin")
    target = credentials_out or stored_agency_credentials(settings.state_dir, code)
    try:  # before a password exists that could then not be handed over
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(
            f"--credentials-out: cannot create {target.parent}: {error.strerror}"
        ) from None
    if not os.access(target.parent, os.W_OK) or target.is_dir():
        raise UserError(f"--credentials-out: cannot write {target}")
    try:
        issued = issue_agency_credentials(settings, code, rotate=rotate)
    except KafkaSecurityError as error:
        raise UserError(
            f"Kafka principal {agency_username(settings.topics, code)}: {error} (retry with "
            f"`fullpicture agency credentials {code} --rotate --credentials-out FILE`)"
        ) from None
    if issued is None:
        print(
            f"Kafka principal {agency_username(settings.topics, code)} already has credentials; "
            f"replace them with `fullpicture agency credentials {code} --rotate "
            "--credentials-out FILE`",
            file=sys.stderr,
        )
        return
    write_private_file(target, issued.to_json())
    verb = "replaced" if rotate else "issued"
    print(
        f"Kafka credentials for {issued.username} {verb}: {target} (reads {issued.topic} only)",
        file=sys.stderr,
    )


def _list_agencies(wiring: Wiring, args: argparse.Namespace) -> int:
    agencies = [asdict(a) for a in wiring.partnership.agencies()]
    emit(agencies, args.format, ("code", "name", "agency_type", "contact"))
    return 0


def schemas_command(commands: Any) -> None:
    schemas = commands.add_parser("schemas", help="the Avro contracts, for agencies' own systems")
    sub = schemas.add_subparsers(title="schemas commands", metavar="ACTION", required=True)
    export = add_command(
        sub,
        "export",
        "write one standalone .avsc per event type and version, and fingerprints.json",
        _export_schemas,
        person=NONE,
    )
    export.add_argument(
        "directory", type=Path, metavar="DIR", help="where to write them (created if missing)"
    )


def _export_schemas(wiring: Wiring, args: argparse.Namespace) -> int:
    from schemas.registry import export_schemas

    try:
        written = export_schemas(args.directory)
    except OSError as error:
        raise UserError(f"DIR: cannot write {args.directory}: {error.strerror}") from None
    print(f"wrote {len(written)} schemas and fingerprints.json to {args.directory}")
    return 0


def kafka_commands(commands: Any) -> None:
    kafka = commands.add_parser("kafka", help="set up a secured Kafka cluster for FullPicture")
    sub = kafka.add_subparsers(title="kafka commands", metavar="ACTION", required=True)
    setup = add_command(
        sub,
        "setup",
        "create FullPicture's topics and one principal per service with only the ACLs it needs "
        "(run with administrative credentials)",
        _kafka_setup,
        person=NONE,
    )
    setup.add_argument(
        "--env-file",
        type=Path,
        required=True,
        metavar="FILE",
        help="where the services' credentials are written (0600, shell `export` lines); "
        "passwords already in it, or given as FULLPICTURE_KAFKA_<SERVICE>_PASSWORD, are kept",
    )


def _kafka_setup(wiring: Wiring, args: argparse.Namespace) -> int:
    _set_up_kafka(wiring, args.env_file)
    return 0


def _set_up_kafka(wiring: Wiring, env_file: Path) -> None:
    """`kafka setup`, and `init` with a secured broker."""
    wiring.require_kafka("kafka setup")
    from consumers.kafka_security import (
        KafkaSecurityError,
        read_service_env_file,
        service_grants,
        setup_services,
        write_service_env_file,
    )

    settings = wiring.settings.as_service("admin")
    if not settings.kafka_security.uses_sasl:
        raise UserError(
            "kafka setup: FULLPICTURE_KAFKA_SECURITY_PROTOCOL must be SASL_PLAINTEXT or SASL_SSL"
        )
    try:
        known = read_service_env_file(env_file) | dict(settings.kafka_security.services)
        issued = setup_services(settings, known)
    except KafkaSecurityError as error:
        raise UserError(f"kafka setup: {error}") from None
    write_service_env_file(env_file, issued)
    for service, credentials in issued.items():
        grants = service_grants(settings.topics, service)
        what = "; ".join(
            f"{g.resource_type.name.lower()} {g.name}{'*' if g.prefixed else ''}: "
            + ",".join(op.name.lower() for op in g.operations)
            for g in grants
        )
        print(f"{credentials.username}  {what}")
    print(f"credentials written to {env_file}")


def init_command(commands: Any) -> None:
    init = add_command(
        commands,
        "init",
        "prepare a deployment: Kafka topics and service principals (secured broker), the first "
        "administrator, the agencies from a file; running it again changes nothing",
        _init,
        person=NONE,
    )
    init.add_argument(
        "--agencies",
        type=Path,
        metavar="FILE.csv",
        help="the agencies to register: CSV with columns code,name,type,contact (README, "
        '"With Docker")',
    )
    init.add_argument(
        "--administrator",
        required=True,
        metavar="USER",
        help="the first administrator, registered if nobody is yet; agencies are registered as "
        "this person (who must be an administrator)",
    )
    init.add_argument(
        "--administrator-name",
        default="Partnership Administrator",
        metavar="NAME",
        help="the first administrator's full name",
    )
    init.add_argument(
        "--env-file",
        type=Path,
        metavar="FILE",
        help="with a secured broker: where the services' Kafka credentials are written "
        "(default <state dir>/services.env)",
    )


def _init(wiring: Wiring, args: argparse.Namespace) -> int:
    from fullpicture.agencies_file import AgenciesFileError, read_agencies_file

    _prepare_event_stores(wiring)
    agencies = []
    if args.agencies is not None:  # every row checked before anything is set up
        try:
            agencies = read_agencies_file(args.agencies, wiring.partnership.vocabulary)
        except AgenciesFileError as error:
            problems = str(error).splitlines()
            for problem in problems:
                print(f"error: {problem}", file=sys.stderr)
            raise UserError(f"nothing was set up ({len(problems)} problem(s))") from None
    if wiring.issues_kafka_credentials:
        env_file = args.env_file or wiring.settings.state_dir / "services.env"
        _set_up_kafka(wiring, env_file)
    elif wiring.kafka is not None:
        from consumers.kafka_io import ensure_topics

        topics = wiring.kafka.topics
        ensure_topics(wiring.kafka, [topics.events, topics.deadletter, topics.audit])
    if wiring.queries.nobody_registered():
        from domain.people import ADMINISTRATOR

        wiring.directory.register_person(
            args.administrator, args.administrator_name, [ADMINISTRATOR], by=args.administrator
        )
        print(f"first administrator registered: {args.administrator}")
    for agency in agencies:
        _register_one_agency(wiring, args.administrator, agency, None, "table")
    return 0


def _prepare_event_stores(wiring: Wiring) -> None:
    """With the owner role's URL (PostgreSQL), the event tables are made by that role and the
    application role may only read and append to them; before any store is opened."""
    owner_url = wiring.settings.owner_database_url
    if not (owner_url and wiring.settings.database.is_postgres):
        return
    from fullpicture.store_privileges import prepare_event_stores

    application_role = wiring.settings.database.postgres_parts()["user"]
    tables = prepare_event_stores(owner_url, application_role)
    print(f"event tables {', '.join(tables)}: {application_role} may only read and append")
