"""The PostgreSQL event store's recorders, sending each batch of events in binary.

eventsourcing inserts a batch as one array of composite rows. Passed with `%s`, psycopg writes the
array as text: every event's JSON state as hex, then quoted and escaped by a regular expression,
about a quarter of an import. Passed with `%b` the same array goes in PostgreSQL's binary format
(an import of 40,000 entries: ~6,000 -> ~7,400 entries/s). Chosen through eventsourcing's own
`APPLICATION_RECORDER_TOPIC` setting.

The recorders also keep the stores append-only for the application (TRUST.md, "Servers"): the
owner role makes the event tables (`fullpicture init`, `fullpicture.store_privileges`) and the
application role may only read them and insert into them, so the recorders neither make a table
they would then own nor take a lock only the owner may take.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg.pq import TransactionStatus
from psycopg.sql import SQL, Composable, Composed, Literal

from fullpicture.config import OWNER_DATABASE_URL, ConfigurationError


class EventTableMissing(ConfigurationError):
    """The application role found no event table in a database it does not own."""

    def __init__(self, table: str) -> None:
        super().__init__(
            OWNER_DATABASE_URL,
            f"the event table {table} does not exist and this role may not make it: run "
            "`fullpicture init` with FULLPICTURE_OWNER_DATABASE_URL (the owner role makes the "
            "event tables, the application role only reads and appends)",
        )


class BinaryBatchRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.insert_events_statement = binary_parameters(self.insert_events_statement)
        # eventsourcing takes `LOCK TABLE … IN EXCLUSIVE MODE` so that inserts commit in the
        # order of their notification ids; that lock needs UPDATE, DELETE or TRUNCATE on the
        # table, which the application role does not hold. A transaction-scoped advisory lock
        # per table, taken by every writer, keeps the same order.
        table = f"{self.datastore.schema}.{self.events_table_name}"
        self.lock_table_statements = [
            *self.lock_table_statements[:1],  # SET LOCAL lock_timeout
            SQL("SELECT pg_advisory_xact_lock(hashtext({0}))").format(
                Literal(f"fullpicture appends to {table}")
            ),
        ]

    def create_table(self) -> None:
        """Made only when missing, and then only by the database's owner (one role that owns
        everything, or the owner role in `fullpicture init`); otherwise the type adapters
        are all the application needs."""
        with self.datastore.get_connection() as connection:
            row = connection.execute(
                "SELECT to_regclass(%s) IS NOT NULL AS table_exists, "
                "pg_has_role(current_user, datdba, 'MEMBER') AS owns_database "
                "FROM pg_database WHERE datname = current_database()",
                (f"{self.datastore.schema}.{self.events_table_name}",),
            ).fetchone()
        if row and row["table_exists"]:
            self.datastore.register_type_adapters()
            return
        if not (row and row["owns_database"]):
            raise EventTableMissing(self.events_table_name)
        super().create_table()


def binary_parameters(statement: Composable) -> Composable:
    """The statement with its `%s` parameters passed in binary (`%b`)."""
    if isinstance(statement, Composed):
        return Composed([binary_parameters(part) for part in statement])
    if isinstance(statement, SQL):
        return SQL(statement.as_string(None).replace("%s", "%b"))
    return statement


class OneTripRecorder(BinaryBatchRecorder):
    """Writes a batch in one round trip to the server, for the access log (one small event on
    every read of a child).

    eventsourcing's recorder waits for the server four times per batch (BEGIN; the lock, NOTIFY
    and INSERT; COMMIT; a last sync). Here the same statements go as one pipeline with one
    sync: the same table lock, so events still commit in the order of their ids. An error
    anywhere leaves nothing written and is raised as before."""

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if not stored_events:
            return None
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            try:
                with conn.pipeline():
                    conn.execute("BEGIN")
                    self._insert_stored_events(curs, stored_events, **kwargs)
                    conn.execute("COMMIT")
            except Exception:
                if conn.info.transaction_status != TransactionStatus.IDLE:
                    conn.rollback()
                raise
            return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)


LOOKALIKE_INDEX_TABLE = "fullpicture_lookalike_index"
LOOKALIKE_INDEX_FILLED_TABLE = "fullpicture_lookalike_index_filled"
# Beside the event tables, made by the owner and appended to by the application role.
LOOKALIKE_INDEX_TABLES = (LOOKALIKE_INDEX_TABLE, LOOKALIKE_INDEX_FILLED_TABLE)


class ChronologyRecorder(BinaryBatchRecorder):
    """The chronology's recorder, with an index of child references by look-alike key.

    A new reference must not look like a known one (`domain.application.ChildDirectory`). Reading
    every stored event to learn the known ones cost a fresh importer 5 s before its first batch at
    100,000 entries and 14 s at 200,000, growing with the partnership. Here each batch's new
    keys are inserted in the batch's own transaction (`lookalike_keys=[(key, reference), ...]`
    given to `events.put` or `save`; the first reference with a key keeps it), so an importer asks
    only for the keys its batch holds. A store older than the index is read once to fill it
    (`fill_lookalike_index`, then marked filled). Where the owner has not made the index tables
    (`fullpicture init` not run since), `lookalike_index_available` is False and the log is read as
    before."""

    lookalike_index_available = False

    def create_table(self) -> None:
        super().create_table()
        with self.datastore.transaction(commit=True) as cursor:
            row = cursor.execute(
                "SELECT to_regclass(%s) IS NOT NULL AS made, "
                "pg_has_role(current_user, datdba, 'MEMBER') AS owns_database "
                "FROM pg_database WHERE datname = current_database()",
                (f"{self.datastore.schema}.{LOOKALIKE_INDEX_FILLED_TABLE}",),
            ).fetchone()
            if row and not row["made"] and row["owns_database"]:
                cursor.execute(
                    f"CREATE TABLE IF NOT EXISTS {LOOKALIKE_INDEX_TABLE} ("
                    "lookalike_key TEXT PRIMARY KEY, child_ref TEXT NOT NULL)"
                )
                cursor.execute(
                    f"CREATE TABLE IF NOT EXISTS {LOOKALIKE_INDEX_FILLED_TABLE} "
                    "(through_notification_id BIGINT NOT NULL)"
                )
        self.lookalike_index_available = bool(row and (row["made"] or row["owns_database"]))

    def _insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        lookalike_keys = kwargs.get("lookalike_keys")
        if lookalike_keys and self.lookalike_index_available:
            self._insert_lookalike_keys(curs, lookalike_keys)
        super()._insert_events(curs, stored_events, **kwargs)

    @staticmethod
    def _insert_lookalike_keys(curs: Any, lookalike_keys: Sequence[tuple[str, str]]) -> None:
        keys, refs = zip(*lookalike_keys, strict=True)
        curs.execute(
            f"INSERT INTO {LOOKALIKE_INDEX_TABLE} (lookalike_key, child_ref) "
            "SELECT DISTINCT ON (k) k, r FROM unnest(%s::text[], %s::text[]) "
            "WITH ORDINALITY AS given (k, r, n) ORDER BY k, n ON CONFLICT DO NOTHING",
            (list(keys), list(refs)),
        )

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def known_lookalike_keys(self, keys: Sequence[str]) -> dict[str, str]:
        """The stored reference of each key the index holds (one indexed query)."""
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                f"SELECT lookalike_key, child_ref FROM {LOOKALIKE_INDEX_TABLE} "
                "WHERE lookalike_key = ANY(%s::text[])",
                (list(keys),),
            )
            return {row["lookalike_key"]: row["child_ref"] for row in cursor.fetchall()}

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def lookalike_index_filled(self) -> bool:
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM {LOOKALIKE_INDEX_FILLED_TABLE}) AS filled"
            )
            row = cursor.fetchone()
            return bool(row and row["filled"])

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def fill_lookalike_index(self, lookalike_keys: Sequence[tuple[str, str]], through: int) -> None:
        """The keys of every reference stored up to notification `through`, in store order
        (what was read from the log), and the index marked filled, in one transaction."""
        with self.datastore.transaction(commit=True) as cursor:
            if lookalike_keys:
                self._insert_lookalike_keys(cursor, lookalike_keys)
            cursor.execute(
                f"INSERT INTO {LOOKALIKE_INDEX_FILLED_TABLE} (through_notification_id) VALUES (%s)",
                (through,),
            )
