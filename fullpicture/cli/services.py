"""The long-running services (`project`, `relay`, `feeds`, `subscribe`), `rebuild`, and the
dashboard's server; each runs what the wiring chose for the mode."""

from __future__ import annotations

import argparse
import os
import sys
from functools import partial
from pathlib import Path
from typing import Any

from fullpicture.bootstrap import Wiring
from fullpicture.cli.parser import (
    NAME_YOURSELF,
    NONE,
    UserError,
    add_command,
    dashboard_options,
    format_option,
)
from fullpicture.config import Settings
from fullpicture.output import emit
from fullpicture.progress import ProgressBar


def runner_commands(commands: Any) -> None:
    project = add_command(
        commands,
        "project",
        "keep the read models current (Kafka or the store)",
        _project,
        person=NONE,
    )
    project.add_argument("--once", action="store_true", help="process what is there, then exit")
    relay = add_command(commands, "relay", "publish stored events to Kafka", _relay, person=NONE)
    relay.add_argument("--once", action="store_true", help="publish what is there, then exit")
    feeds = add_command(
        commands, "feeds", "route events to each agency's need-to-know feed", _feeds, person=NONE
    )
    feeds.add_argument("--once", action="store_true", help="route what is there, then exit")
    subscribe = add_command(
        commands, "subscribe", "print an agency's feed", _subscribe, person=NONE
    )
    subscribe.add_argument(
        "--agency", required=True, metavar="CODE", help="the agency whose feed to read"
    )
    subscribe.add_argument(
        "--credentials",
        type=Path,
        metavar="FILE",
        help="read as the agency, with the credentials file it was given",
    )
    subscribe.add_argument(
        "--from-beginning",
        action="store_true",
        help="start from the first event, not the group's last position",
    )
    subscribe.add_argument("--follow", action="store_true", help="keep waiting for new events")
    subscribe.add_argument(
        "--once",
        action="store_true",
        help="print what is there, then exit (the default without --follow)",
    )
    format_option(subscribe, ("jsonl", "table"))
    add_command(
        commands,
        "rebuild",
        "drop and rebuild every read model from the beginning",
        _rebuild,
        person=NONE,
    )


def dashboard_command(commands: Any) -> None:
    dashboard = add_command(
        commands, "dashboard", "serve the Streamlit dashboard", serve_dashboard, person=NONE
    )
    dashboard_options(dashboard)


def _project(wiring: Wiring, args: argparse.Namespace) -> int:
    applied = wiring.projection.run(once=args.once)
    print(f"applied {applied} events", file=sys.stderr)
    return 0


def _feeds(wiring: Wiring, args: argparse.Namespace) -> int:
    settings = wiring.require_kafka("feeds")
    from consumers.feed_router import FeedRouter

    routed = FeedRouter(settings.as_service("feeds")).run(once=args.once)
    print(f"routed {routed} messages", file=sys.stderr)
    return 0


def _subscribe(wiring: Wiring, args: argparse.Namespace) -> int:
    """An agency's system reads with the credentials file it was given, in the agency's own
    consumer group. A person reads their own agency's feed with the agency's credentials that
    FullPicture keeps, in a group of their own (the agency's position is its system's), and
    every batch they read is recorded in the access log."""
    wiring.require_kafka("subscribe")
    reader = None if args.credentials is not None else args.acting_as
    if args.credentials is None:
        if not reader:
            raise UserError(NAME_YOURSELF + " (or give the agency's --credentials FILE)")
        wiring.queries.check_may_read_feed(reader, args.agency)
    from consumers.kafka_io import security_config
    from consumers.subscriber import subscribe

    settings = _subscriber_settings(wiring, args)
    security_config(settings)  # a missing principal is reported before any output
    columns = (
        "occurred_at",
        "event_type",
        "entry_id",
        "agency",
        "to_agencies",
        "child_refs",
        "summary",
    )
    if args.format == "table":
        print("  ".join(columns))

    def show(record: dict[str, Any]) -> None:
        emit([record], "jsonl" if args.format == "jsonl" else "row", columns)
        sys.stdout.flush()

    from kafka.errors import AuthorizationError, KafkaTimeoutError

    try:
        subscribe(
            settings,
            args.agency,
            show,
            from_beginning=args.from_beginning,
            follow=args.follow and not args.once,
            **_as_person(wiring, settings, args.agency, reader),
        )
    except AuthorizationError as error:
        raise UserError(f"Kafka refused to let this principal read the feed: {error}") from None
    except KafkaTimeoutError:
        raise UserError(
            f"cannot connect to Kafka at {settings.kafka_bootstrap} "
            "(is it running, and are the credentials right? the broker's log says which)"
        ) from None
    return 0


def _as_person(
    wiring: Wiring, settings: Settings, agency: str, reader: str | None
) -> dict[str, Any]:
    """A person's read: a consumer group of their own, every batch in the access log."""
    if reader is None:
        return {}
    from consumers.kafka_names import person_reader_group

    return {
        "group": person_reader_group(settings.topics, agency, reader),
        "on_batch": partial(wiring.queries.record_feed_read, reader, agency),
    }


def _subscriber_settings(wiring: Wiring, args: argparse.Namespace) -> Settings:
    """The agency's principal: from --credentials, or (a person reading) the file FullPicture
    issued into its state folder. Only a broker without SASL has no principals to choose."""
    from consumers.kafka_security import (
        CredentialsFileError,
        read_agency_credentials,
        settings_for_agency,
        stored_agency_credentials,
    )

    path = args.credentials
    if path is None:
        if not wiring.settings.kafka_security.uses_sasl:
            return wiring.settings
        path = stored_agency_credentials(wiring.settings.state_dir, args.agency)
        if not path.exists():
            raise UserError(
                f"--credentials: a feed is read with its agency's Kafka credentials; none kept "
                f"at {path} (give the agency's --credentials FILE, or issue them with "
                f"`fullpicture agency credentials {args.agency}`)"
            )
    try:
        credentials = read_agency_credentials(path)
    except CredentialsFileError as error:
        raise UserError(f"--credentials: {error}") from None
    if credentials.topic != wiring.settings.topics.feed(args.agency):
        raise UserError(
            f"--credentials: {path} is for {credentials.topic}, "
            f"not {wiring.settings.topics.feed(args.agency)}"
        )
    return settings_for_agency(wiring.settings, credentials)


def _rebuild(wiring: Wiring, args: argparse.Namespace) -> int:
    projection = wiring.projection
    bar = ProgressBar(f"rebuilding from {projection.source}", projection.events_to_rebuild())
    projection.rebuild(progress=bar.update)
    rate = bar.finish()
    print(f"rebuilt {bar.done} events at {rate:,.0f} events/s")
    return 0


def _relay(wiring: Wiring, args: argparse.Namespace) -> int:
    settings = wiring.require_kafka("relay")
    from consumers.relay import Relay, run_relays

    db = wiring.read_model_database()
    events = Relay(settings.as_service("relay"), wiring.partnership, db)
    audit = Relay(settings.as_service("audit"), wiring.access_log, db, topic=settings.topics.audit)
    published = run_relays([events, audit], once=args.once)
    print(f"published {published} events (chronology and access log)", file=sys.stderr)
    return 0


def serve_dashboard(wiring: Wiring, args: argparse.Namespace, demo: bool = False) -> int:
    from importlib.util import find_spec

    from fullpicture.config import DEMO
    from fullpicture.dashboard_secrets import write_dashboard_secrets

    # The dashboard runs in a Streamlit process of its own: its file is needed here, not its code.
    spec = find_spec("dashboard")
    assert spec is not None and spec.origin is not None  # a package of this distribution
    app = Path(spec.origin).resolve().parent / "server.py"  # app.py with the session route
    wiring.projection.catch_up()  # embedded mode: bring the read models up to date first
    wiring.close()
    secrets = write_dashboard_secrets(wiring.settings)  # Streamlit's [auth] (OpenID Connect)
    print(f"FullPicture dashboard: http://127.0.0.1:{args.port}", flush=True)
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.port",
        str(args.port),
        "--server.address",
        args.address,
        "--server.headless",
        "true",
        # Quiet and contained: no usage statistics, no Deploy button or developer menu, no
        # tracebacks shown to users, no watching the code for changes, and no table download
        # or copy (an export is `fullpicture export`: scoped, marked, logged, formula-safe).
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
        "--client.showErrorDetails",
        "none",
        "--client.disableDataExport",
        "true",
        "--server.fileWatcherType",
        "none",
        "--secrets.files",
        str(secrets),
    ]
    # Demo mode (the sign-in page lists the demo accounts) only for the demo command's server.
    environment = {k: v for k, v in os.environ.items() if k != DEMO}
    if demo:
        environment[DEMO] = "1"
    # Become the Streamlit server, so signals (Ctrl-C, SIGTERM) reach it directly.
    os.execve(sys.executable, command, environment)
    return 0  # not reached
