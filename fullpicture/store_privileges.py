"""Append-only event stores on PostgreSQL (TRUST.md, "Servers"): the owner role makes the event
tables, the application role may read them and append to them and nothing else.

Every FullPicture process connects as the application role, the web-facing dashboard included; if
that role owned the tables, anyone who took over a process could rewrite or delete the record and
the access log. So the owner role (used by `fullpicture init` and `scripts/services.sh` only) makes
the tables and grants `SELECT, INSERT`: no `UPDATE`, `DELETE` or `TRUNCATE`. The read models are
derived from the events and rebuilt from them, so the application makes and owns those itself.
"""

from __future__ import annotations

from dataclasses import replace

import psycopg
from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment
from psycopg import sql

from domain import child_keys
from fullpicture.bootstrap import EVENT_STORES, event_store_env, stores_made_one_at_a_time
from fullpicture.config import (
    OWNER_DATABASE_URL,
    ConfigurationError,
    Database,
    Settings,
    load_settings,
)
from fullpicture.event_store import LOOKALIKE_INDEX_TABLES

EVENT_TABLE_PRIVILEGES = ("SELECT", "INSERT")
WITHHELD_PRIVILEGES = ("UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
# The children's data keys (`domain.child_keys`): read, added and deleted (to erase a child), never
# changed in place.
KEY_TABLE_PRIVILEGES = ("SELECT", "INSERT", "DELETE")
KEY_TABLE_WITHHELD = ("UPDATE", "TRUNCATE", "REFERENCES", "TRIGGER")


def event_table_names() -> list[str]:
    """The table each event store keeps its events in (eventsourcing: `<name>_events`)."""
    return [f"{store.application.name.lower()}_events" for store in EVENT_STORES]


def make_event_tables(owner: Settings) -> None:
    """Each event store's table, as the owner: eventsourcing makes whatever is missing."""
    for store in EVENT_STORES:
        env = event_store_env(owner, store.sqlite_file, store.recorder_topic)
        with stores_made_one_at_a_time(owner):
            factory = InfrastructureFactory.construct(Environment(store.application.name, env))
            try:
                factory.application_recorder()
            finally:
                factory.close()


def grant_application_role(owner_url: str, application_role: str) -> list[str]:
    """The application role may read and append to every event table, and make its own read
    models in the schema; anything more it was ever given on an event table is taken back."""
    role = sql.Identifier(application_role)
    tables = event_table_names()
    with psycopg.connect(owner_url, autocommit=False) as connection:
        database = connection.info.dbname
        connection.execute(
            sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                sql.Identifier(database), role
            )
        )
        connection.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA public TO {}").format(role))
        # the chronology's index of look-alike keys: the same share as an event table
        for table in LOOKALIKE_INDEX_TABLES:
            _grant_read_and_append(connection, table, role)
        for table in tables:
            _grant_read_and_append(connection, table, role)
            row = connection.execute(
                "SELECT pg_get_serial_sequence(%s, 'notification_id')", (f"public.{table}",)
            ).fetchone()
            if row and row[0]:
                connection.execute(
                    sql.SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(sql.SQL(row[0]), role)
                )
        grant_key_table(connection, role)
    return tables


def _grant_read_and_append(
    connection: psycopg.Connection[tuple[object, ...]], table: str, role: sql.Composable
) -> None:
    _grant(connection, table, role, EVENT_TABLE_PRIVILEGES, WITHHELD_PRIVILEGES)


def grant_key_table(
    connection: psycopg.Connection[tuple[object, ...]], role: sql.Composable
) -> None:
    """The key store's table, made by the owner: the application may read, add and delete keys."""
    connection.execute(child_keys.CREATE)
    _grant(connection, child_keys.TABLE, role, KEY_TABLE_PRIVILEGES, KEY_TABLE_WITHHELD)


def _grant(
    connection: psycopg.Connection[tuple[object, ...]],
    table: str,
    role: sql.Composable,
    granted: tuple[str, ...],
    withheld: tuple[str, ...],
) -> None:
    """Exactly `granted` on an owned table: `withheld` taken back from the role and PUBLIC."""
    _require_owned(connection, table)
    name = sql.Identifier("public", table)
    connection.execute(
        sql.SQL("REVOKE {} ON {} FROM {}, PUBLIC").format(
            sql.SQL(", ").join(map(sql.SQL, withheld)), name, role
        )
    )
    connection.execute(
        sql.SQL("GRANT {} ON {} TO {}").format(
            sql.SQL(", ").join(map(sql.SQL, granted)), name, role
        )
    )
    # The note of each deletion (how other processes learn to forget keys): read and appended.
    connection.execute(child_keys.CREATE_ERASURES)
    _require_owned(connection, child_keys.ERASURES)
    connection.execute(
        sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(
            sql.Identifier("public", child_keys.ERASURES), role
        )
    )


def prepare_event_stores(owner_url: str, application_role: str) -> list[str]:
    """Make the event tables and grant the application role its share; running it again
    changes nothing. Returns the event tables."""
    owner = Database(owner_url)
    if not owner.is_postgres:
        raise ConfigurationError(OWNER_DATABASE_URL, "expected postgresql://… (the owner role)")
    if owner.postgres_parts()["user"] == application_role:
        raise ConfigurationError(
            OWNER_DATABASE_URL,
            "names the application role itself: the owner must be another role, or the "
            "application could change the record it appends to",
        )
    settings = replace(load_settings({}), database=owner)
    make_event_tables(settings)
    return grant_application_role(owner_url, application_role)


def _require_owned(connection: psycopg.Connection[tuple[object, ...]], table: str) -> None:
    """A table the owner role does not own (made by an older, one-role setup) is named, with
    what a database superuser runs to hand it over."""
    row = connection.execute(
        "SELECT tableowner, pg_has_role(current_user, tableowner, 'MEMBER') FROM pg_tables "
        "WHERE schemaname = 'public' AND tablename = %s",
        (table,),
    ).fetchone()
    if row and not row[1]:
        raise ConfigurationError(
            OWNER_DATABASE_URL,
            f"the event table {table} belongs to role {row[0]}, not to this owner role; as a "
            f"superuser run: ALTER TABLE public.{table} OWNER TO {connection.info.user}",
        )
