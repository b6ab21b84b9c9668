"""One small interface over SQLite and PostgreSQL so every read model is written once.

SQL is written with `?` placeholders; for PostgreSQL they become `%s`. Each unit of work is one
transaction: rows and the consumer's position commit together or not at all.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

from projections.sql import FromStaged, Staging, Upsert

Row = tuple[Any, ...]
# Below this many rows a PostgreSQL upsert goes row by row, pipelined (one round trip, as light
# load's one-entry batches are).
ROW_BY_ROW_UPSERT_MAX_ROWS = 100
# Each table's column types, in an upsert's column order: oids and names.
ColumnTypes = dict[str, tuple[list[int], list[str]]]

# How long a process waits for another to finish catching up or rebuilding the read models.
WORK_LOCK_WAIT_SECONDS = 600.0
WORK_LOCK_POLL_SECONDS = 0.1


def _unavailable_errors() -> tuple[type[Exception], ...]:
    """Errors that mean the database went away for a while (restarted, a connection cut): a
    long-running process waits and carries on from its stored position rather than exiting."""
    import psycopg
    from eventsourcing.persistence import InterfaceError as StoreInterfaceError
    from eventsourcing.persistence import OperationalError as StoreOperationalError

    return (
        psycopg.OperationalError,
        psycopg.InterfaceError,
        StoreOperationalError,
        StoreInterfaceError,
    )


DATABASE_UNAVAILABLE = _unavailable_errors()


class ReadModelsBusy(RuntimeError):
    """Another process has held the read models' work lock for longer than we wait."""


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...
    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...
    def upsert(self, upsert: Upsert, rows: Sequence[Sequence[Any]]) -> None: ...
    def stage(self, staging: Staging, rows: Sequence[Sequence[Any]]) -> None: ...
    def upsert_staged(self, upserts: Sequence[FromStaged]) -> None: ...
    def fetchall(self) -> list[Row]: ...
    def fetchone(self) -> Row | None: ...


# A read: a database's own (`ReadModelDatabase.query`), or one inside a unit of work (`query_on`).
Query = Callable[[str, Sequence[Any]], list[Row]]


def query_on(cursor: Cursor) -> Query:
    """Reads on a unit of work's cursor, seeing what it has written so far."""

    def query(sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cursor.execute(sql, params)
        return cursor.fetchall()

    return query


class ReadModelDatabase(ABC):
    """A connection to the read-model database (SQLite file or PostgreSQL)."""

    dialect: str = ""
    claim_rows: str = ""
    """Appended to a SELECT: claims its rows for this transaction, skipping rows another
    transaction has claimed (empty where one writer at a time is the rule, as in SQLite)."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Cursor]:
        """One unit of work: committed when the block ends, rolled back if it raises.

        One at a time on the connection, whichever thread asks: a projector's threads (reading,
        writing, Kafka's rebalance listener) share it, and a transaction begun by one while
        another's was open ran inside it (psycopg: `OutOfOrderTransactionNesting`; seen when a
        projector sought its stored positions while its writer began a batch, under load)."""

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self.transaction() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def write_batch(self, write: Callable[[Cursor], None]) -> None:
        """Run `write` as one unit of work that may be run twice: the database may first try
        its fastest way and, if that fails, roll back and run it again (see PostgreSQL's)."""
        with self.transaction() as cursor:
            write(cursor)

    @contextmanager
    def another_connection(self) -> Iterator[ReadModelDatabase | None]:
        """A second connection to the same database, for work beside this one's, or None where
        a second would only wait for the first (SQLite: one writer at a time)."""
        yield None

    @abstractmethod
    def prepare(self, staging: Staging) -> None:
        """Offer a staging table to the units of work `write_batch` runs (`Cursor.stage`), on
        this connection and any after a reconnection."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection."""

    @contextmanager
    def exclusive_work(self, wait_seconds: float = WORK_LOCK_WAIT_SECONDS) -> Iterator[None]:
        """Hold the read models' work lock: one process at a time catches up or rebuilds from
        the store (two would race over the same positions; a rebuild would empty the tables
        under another's feet). Others wait, then say clearly who holds the work."""
        deadline = time.monotonic() + wait_seconds
        while not self._try_lock():
            if time.monotonic() > deadline:
                raise ReadModelsBusy(
                    f"another process has been catching up or rebuilding the read models for "
                    f"more than {wait_seconds:.0f} s; try again when it has finished"
                )
            time.sleep(WORK_LOCK_POLL_SECONDS)
        try:
            yield
        finally:
            self._unlock()

    @abstractmethod
    def _try_lock(self) -> bool: ...

    @abstractmethod
    def _unlock(self) -> None: ...


class _SQLiteCursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._cursor.execute(sql, tuple(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._cursor.executemany(sql, rows)

    def upsert(self, upsert: Upsert, rows: Sequence[Sequence[Any]]) -> None:
        self._cursor.executemany(upsert.sql, rows)

    def stage(self, staging: Staging, rows: Sequence[Sequence[Any]]) -> None:
        """The staged rows, replacing those of the last unit (SQLite keeps them past a commit)."""
        self._cursor.execute(f"DELETE FROM {staging.table}")
        placeholders = ", ".join("?" for _ in staging.columns)
        self._cursor.executemany(
            f"INSERT INTO {staging.table} ({', '.join(staging.columns)}) VALUES ({placeholders})",
            rows,
        )

    def upsert_staged(self, upserts: Sequence[FromStaged]) -> None:
        for upsert in upserts:
            self._cursor.execute(upsert.sql)

    def fetchall(self) -> list[Row]:
        return self._cursor.fetchall()

    def fetchone(self) -> Row | None:
        return self._cursor.fetchone()


class SQLiteReadModels(ReadModelDatabase):
    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_path = path.with_name(path.name + ".lock")
        self._lock_file: int | None = None
        self._connection = sqlite3.connect(
            str(path), timeout=30, isolation_level=None, check_same_thread=False
        )
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=NORMAL")
        self._one_unit_at_a_time = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[_SQLiteCursor]:
        with self._one_unit_at_a_time:
            cursor = self._connection.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield _SQLiteCursor(cursor)
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            else:
                cursor.execute("COMMIT")
            finally:
                cursor.close()

    def prepare(self, staging: Staging) -> None:
        with self._one_unit_at_a_time:
            self._connection.execute(staging.definition())

    def close(self) -> None:
        self._connection.close()

    def _try_lock(self) -> bool:
        handle = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            return False
        self._lock_file = handle
        return True

    def _unlock(self) -> None:
        if self._lock_file is not None:
            os.close(self._lock_file)  # closing the descriptor releases the lock
            self._lock_file = None


class _PostgresCursor:
    def __init__(
        self, cursor: Any, column_types: ColumnTypes, copy_straight_in: bool = False
    ) -> None:
        self._cursor = cursor
        self._column_types = column_types  # the connection's, read once per table
        self._copy_straight_in = copy_straight_in

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._cursor.execute(_to_postgres(sql), tuple(params) or None)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._cursor.executemany(_to_postgres(sql), [tuple(r) for r in rows])

    def upsert(self, upsert: Upsert, rows: Sequence[Sequence[Any]]) -> None:
        """Rows upserted in one statement, each column sent as an array and unnested (a few
        rows: row by row, pipelined).

        One round trip whatever the batch's size: from a writer thread each round trip also
        waits for the interpreter's lock (~5-10 ms while the reading thread decodes). Rows that
        are mostly new come from staged rows instead (`stage`, `upsert_staged`).
        """
        if not rows:
            return
        if len(rows) < ROW_BY_ROW_UPSERT_MAX_ROWS:
            self.executemany(upsert.sql, rows)
            return
        newest = upsert.newest_per_key(rows)  # one statement may not touch a row twice
        _, names = self._types_of(upsert)
        arrays = ", ".join(f"%s::{name}[]" for name in names)
        columns = ", ".join(upsert.columns)
        self._cursor.execute(
            upsert.from_source(f"SELECT * FROM unnest({arrays}) AS batch ({columns})"),
            [list(column) for column in zip(*newest, strict=True)],
        )

    def stage(self, staging: Staging, rows: Sequence[Sequence[Any]]) -> None:
        """Binary COPY (the cheapest way in, on both ends) into the session's temporary table,
        which empties itself at commit."""
        columns = ", ".join(staging.columns)
        oids, _ = self._types_of(staging)  # before the COPY starts: it may need a query
        with self._cursor.copy(
            f"COPY {staging.table} ({columns}) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(oids)
            for row in rows:
                copy.write_row(row)

    def upsert_staged(self, upserts: Sequence[FromStaged]) -> None:
        """Every upsert sent together (no parameters): one round trip. In a unit of work that
        may be run again (`write_batch`), rows that are mostly new are inserted plainly, a
        third less of the database's work than upserting them: a key already there fails the
        unit, which is then run again with every upsert as one."""
        self._cursor.execute(
            ";\n".join(
                u.insert_sql if u.upsert.rows_are_mostly_new and self._copy_straight_in else u.sql
                for u in upserts
            )
        )

    def _types_of(self, target: Upsert | Staging) -> tuple[list[int], list[str]]:
        """The columns' types, as oids (binary COPY must name them) and as names (to cast the
        arrays), from the catalogue."""
        types = self._column_types.get(target.table)
        if types is None:
            self._cursor.execute(
                "SELECT attname, atttypid, format_type(atttypid, NULL) FROM pg_attribute "
                "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                (target.table,),
            )
            of = {name: (oid, type_name) for name, oid, type_name in self._cursor.fetchall()}
            types = self._column_types[target.table] = (
                [of[c][0] for c in target.columns],
                [of[c][1] for c in target.columns],
            )
        return types

    def fetchall(self) -> list[Row]:
        return self._cursor.fetchall()

    def fetchone(self) -> Row | None:
        return self._cursor.fetchone()


class PostgresReadModels(ReadModelDatabase):
    dialect = "postgres"
    claim_rows = "FOR UPDATE SKIP LOCKED"

    def __init__(self, url: str) -> None:
        import psycopg

        self._url = url
        self._connection = psycopg.connect(url, autocommit=True)
        self._column_types: ColumnTypes = {}
        self._stagings: list[Staging] = []
        self._staged_on: Any = None  # the connection the staging tables were made on
        self._holds_work_lock = False
        self._one_unit_at_a_time = threading.RLock()

    def _connected(self) -> Any:
        """The connection; a new one if the server dropped the last (a restart). Never while
        this session holds the work lock: the lock went with the session, so that fails."""
        if (self._connection.broken or self._connection.closed) and not self._holds_work_lock:
            import psycopg

            self._connection = psycopg.connect(self._url, autocommit=True)
        return self._connection

    @contextmanager
    def another_connection(self) -> Iterator[ReadModelDatabase | None]:
        other = PostgresReadModels(self._url)
        try:
            yield other
        finally:
            other.close()

    def prepare(self, staging: Staging) -> None:
        with self._one_unit_at_a_time:
            if staging not in self._stagings:
                self._stagings.append(staging)
            self._staged_on = None

    def _make_stagings(self) -> None:
        """The staging tables, made once per session (they go with it) and outside any
        transaction, so a rolled-back unit cannot take one away. Only writers make them: a
        reader's role needs no right to temporary tables."""
        connection = self._connected()
        if self._staged_on is not connection:
            for staging in self._stagings:
                connection.execute(staging.definition(" ON COMMIT DELETE ROWS"))
            self._staged_on = connection

    @contextmanager
    def transaction(self, copy_straight_in: bool = False) -> Iterator[_PostgresCursor]:
        with self._one_unit_at_a_time:
            connection = self._connected()
            with connection.transaction(), connection.cursor() as cursor:
                yield _PostgresCursor(cursor, self._column_types, copy_straight_in)

    def write_batch(self, write: Callable[[Cursor], None]) -> None:
        """Rows that are mostly new (chronology entries, shares, requests…) are first inserted
        straight into their tables, with no savepoint around each statement; if a key was there
        already, the whole unit is rolled back and written again through the upserts. From a
        writer thread every round trip also waits for the interpreter's lock: a savepoint and
        its release around each of six copies took ~0.7 s of a 187,000-message rebuild."""
        from psycopg.errors import UniqueViolation

        with self._one_unit_at_a_time:
            self._make_stagings()
            try:
                with self.transaction(copy_straight_in=True) as cursor:
                    write(cursor)
            except UniqueViolation:
                with self.transaction() as cursor:
                    write(cursor)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """One statement is its own transaction here (autocommit): no BEGIN and COMMIT trips."""
        with self._one_unit_at_a_time, self._connected().cursor() as cursor:
            cursor.execute(_to_postgres(sql), tuple(params) or None)
            return cursor.fetchall()

    def close(self) -> None:
        self._connection.close()

    # One advisory lock per database, held by this connection's session.
    _WORK_LOCK = "SELECT pg_try_advisory_lock(hashtext('fullpicture read models'))"
    _WORK_UNLOCK = "SELECT pg_advisory_unlock(hashtext('fullpicture read models'))"

    def _try_lock(self) -> bool:
        self._holds_work_lock = bool(self.query(self._WORK_LOCK)[0][0])
        return self._holds_work_lock

    def _unlock(self) -> None:
        self._holds_work_lock = False
        self.query(self._WORK_UNLOCK)


def _to_postgres(sql: str) -> str:
    return sql.replace("?", "%s")


def open_read_models(url: str) -> ReadModelDatabase:
    """Open the read-model database named by a FullPicture database URL."""
    if url.startswith("sqlite:///"):
        return SQLiteReadModels(Path(url.removeprefix("sqlite:///")))
    return PostgresReadModels(url)
