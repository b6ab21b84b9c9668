"""The key store: one data key per (child, recording agency), deleted to erase (crypto-shredding).

A child's personal content is sealed under its data keys wherever it is kept (the event store,
`<prefix>.events`); deleting the keys leaves every copy unreadable, backups included. One key per
(child, agency) lets one agency's part of a child's record be erased alone; erasing a child
deletes all of its keys. The keys live in a table of the chronology's database that the
application may read, add to and delete from (never update: a key is never replaced), each key
itself sealed under FULLPICTURE_CIPHER_KEY where one is set.

Keys read are kept in memory, at most KEYS_KEPT of them (memory does not grow with the
partnership), read a child or a batch at a time; a process forgets them all within
ERASURES_CHECKED_EVERY_SECONDS of another process deleting any key.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from base64 import b64decode, b64encode
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.utils import retry

T = TypeVar("T")

TABLE = "child_data_keys"
CREATE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (child_ref TEXT NOT NULL, agency TEXT NOT NULL, "
    "data_key TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (child_ref, agency))"
)
KEY_BYTES = 32
NONCE_BYTES = 12
# Every deletion of keys is noted here (the child reference and when), so that other processes
# forget what they hold: they look at its count at most every ERASURES_CHECKED_EVERY_SECONDS.
ERASURES = "child_data_key_erasures"
CREATE_ERASURES = (
    f"CREATE TABLE IF NOT EXISTS {ERASURES} (child_ref TEXT NOT NULL, erased_at TEXT NOT NULL)"
)
ERASURES_CHECKED_EVERY_SECONDS = 1.0
# 50,000 raw keys with their names: ~10 MB at most, whatever the partnership's size.
KEYS_KEPT = 50_000
# Children whose keys one query reads.
FETCHED_AT_ONCE = 500


class KeyCursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...
    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any: ...
    def fetchall(self) -> Any: ...


class KeyTable(Protocol):
    """Somewhere to run SQL written with `?` placeholders, in a transaction (the read models'
    database is one; `StoreKeyTable` adapts an event store's)."""

    def transaction(self) -> AbstractContextManager[KeyCursor]: ...


class KeyWrapper(Protocol):
    """Seals the data keys at rest (eventsourcing's cipher under FULLPICTURE_CIPHER_KEY)."""

    def encrypt(self, plaintext: bytes) -> bytes: ...
    def decrypt(self, ciphertext: bytes) -> bytes: ...


class UnreadableSeal(ValueError):
    """Sealed content this key did not seal (or that was damaged)."""


class DataKey:
    """One child's data key: AES-GCM (nonce, then ciphertext and tag), a fresh nonce per seal.

    `cryptography`'s AES-GCM, not pycryptodome's (as eventsourcing's cipher uses): measured here
    ~4 µs a seal of an entry's personal fields against ~420 µs, one seal per event and child."""

    __slots__ = ("_cipher",)

    def __init__(self, key: bytes) -> None:
        self._cipher = AESGCM(key)

    def seal(self, plaintext: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._cipher.encrypt(nonce, plaintext, None)

    def open(self, sealed: bytes) -> bytes:
        try:
            return self._cipher.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], None)
        except (InvalidTag, ValueError):
            raise UnreadableSeal("not sealed under this key, or damaged") from None


Pair = tuple[str, str]  # (child reference, recording agency code)


class ChildKeys:
    def __init__(
        self,
        table: KeyTable,
        wrapper: KeyWrapper | None = None,
        now: Callable[[], str] = lambda: time.strftime("%Y-%m-%dT%H:%M:%S"),
        kept: int = KEYS_KEPT,
        check_seconds: float = ERASURES_CHECKED_EVERY_SECONDS,
    ) -> None:
        self._table = table
        self._wrapper = wrapper
        self._now = now
        # Raw keys (32 bytes; None: known to be missing), least recently used first.
        self._kept: OrderedDict[Pair, bytes | None] = OrderedDict()
        self._kept_size = kept
        self._check_seconds = check_seconds
        self._checked_at = 0.0
        self._erasures_seen = -1
        self._lock = threading.Lock()

    def create_table(self) -> None:
        def make(cursor: KeyCursor) -> None:
            cursor.execute(CREATE)
            cursor.execute(CREATE_ERASURES)

        self._in_transaction(make)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _in_transaction(self, work: Callable[[KeyCursor], T]) -> T:
        """`work` in one transaction, tried again on a connection the server cut (as
        eventsourcing's recorders do): a relay or projector outlives a database restart."""
        with self._table.transaction() as cursor:
            return work(cursor)

    # Reading ---------------------------------------------------------------------------------

    def for_reading(self, child_ref: str, agency: str) -> DataKey | None:
        """The key, or None when there is none (erased, or never made). A key not in memory is
        read with every other key of the child (one query a child, not one a key)."""
        self._forget_if_erased_elsewhere()
        pair = (child_ref, agency)
        with self._lock:
            if pair in self._kept:
                self._kept.move_to_end(pair)
                raw = self._kept[pair]
                return None if raw is None else DataKey(raw)
        self.fetch([pair])
        with self._lock:
            raw = self._kept.get(pair)
        return None if raw is None else DataKey(raw)

    def fetch(self, pairs: Iterable[Pair]) -> None:
        """Read into memory, in a few queries, the keys of `pairs` not held yet (a batch's)."""
        self._forget_if_erased_elsewhere()  # first, or its first look would drop what is read
        with self._lock:
            missing = []
            for pair in dict.fromkeys(pairs):
                if pair in self._kept:  # kept as recently used, or the keys read below push it out
                    self._kept.move_to_end(pair)
                else:
                    missing.append(pair)
        children = sorted({child for child, _ in missing})
        found: dict[Pair, bytes] = {}
        for start in range(0, len(children), FETCHED_AT_ONCE):
            chunk = children[start : start + FETCHED_AT_ONCE]
            marks = ", ".join("?" for _ in chunk)

            def read(cursor: KeyCursor, chunk: list[str] = chunk, marks: str = marks) -> Any:
                cursor.execute(
                    f"SELECT child_ref, agency, data_key FROM {TABLE} WHERE child_ref IN ({marks})",
                    chunk,
                )
                return cursor.fetchall()

            for row in self._in_transaction(read):
                child, agency, stored = _values(row)
                found[(child, agency)] = self._unwrapped(stored)
        with self._lock:
            for pair in [*found, *missing]:
                self._kept[pair] = found.get(pair)
                self._kept.move_to_end(pair)
            while len(self._kept) > self._kept_size:
                self._kept.popitem(last=False)

    # Writing ---------------------------------------------------------------------------------

    def for_writing(self, child_ref: str, agency: str) -> DataKey:
        """The key to seal new content with, made if there is none."""
        key = self.for_reading(child_ref, agency)
        if key is None:
            self.prepare([(child_ref, agency)])
            key = self.for_reading(child_ref, agency)
            assert key is not None
        return key

    def prepare(self, pairs: Iterable[Pair]) -> None:
        """Make the keys missing among `pairs`, in one transaction (an import's new children);
        a key another process made meanwhile is kept, never replaced."""
        pairs = list(dict.fromkeys(pairs))
        self.fetch(pairs)
        with self._lock:
            wanted = [p for p in pairs if self._kept.get(p) is None]
        if not wanted:
            return
        created_at = self._now()
        new_keys = [
            (child_ref, agency, self._wrapped(os.urandom(KEY_BYTES)), created_at)
            for child_ref, agency in wanted
        ]
        # One statement for the lot (psycopg pipelines it: ~3,700 new keys were as many round
        # trips, most of what the keys cost an import); a repeat inserts nothing twice.
        self._in_transaction(
            lambda cursor: cursor.executemany(
                f"INSERT INTO {TABLE} (child_ref, agency, data_key, created_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (child_ref, agency) DO NOTHING",
                new_keys,
            )
        )
        with self._lock:
            for pair in wanted:
                self._kept.pop(pair, None)
        self.fetch(wanted)

    def delete(
        self, child_ref: str, agency: str | None = None, made_before: str | None = None
    ) -> int:
        """Delete the child's keys (only agency's, with `agency`; only those made before a
        moment, with `made_before`); returns how many were deleted. Other processes forget
        them within ERASURES_CHECKED_EVERY_SECONDS."""
        sql = f"DELETE FROM {TABLE} WHERE child_ref = ?"
        params: list[str] = [child_ref]
        if agency is not None:
            sql += " AND agency = ?"
            params.append(agency)
        if made_before is not None:
            sql += " AND created_at <= ?"
            params.append(made_before)
        with self._table.transaction() as cursor:
            cursor.execute(sql + " RETURNING agency", params)
            deleted = len(cursor.fetchall())
            cursor.execute(
                f"INSERT INTO {ERASURES} (child_ref, erased_at) VALUES (?, ?)",
                (child_ref, self._now()),
            )
        self.forget(child_ref)
        return deleted

    def forget(self, child_ref: str) -> None:
        """Drop whatever this process remembers of the child's keys."""
        with self._lock:
            for pair in [p for p in self._kept if p[0] == child_ref]:
                del self._kept[pair]

    # Memory ----------------------------------------------------------------------------------

    def _forget_if_erased_elsewhere(self) -> None:
        """At most once every few seconds, one small count: keys deleted by another process
        since the last look empty this one's memory (erasures are rare)."""
        now = time.monotonic()
        if now - self._checked_at < self._check_seconds:
            return

        def count_erasures(cursor: KeyCursor) -> int:
            cursor.execute(f"SELECT count(*) FROM {ERASURES}")
            return int(_values(cursor.fetchall()[0])[0])

        count = self._in_transaction(count_erasures)
        self._checked_at = now
        if count != self._erasures_seen:
            with self._lock:
                self._kept.clear()
            self._erasures_seen = count

    def _wrapped(self, raw: bytes) -> str:
        sealed = self._wrapper.encrypt(raw) if self._wrapper is not None else raw
        return b64encode(sealed).decode("ascii")

    def _unwrapped(self, stored: str) -> bytes:
        raw = b64decode(stored)
        return self._wrapper.decrypt(raw) if self._wrapper is not None else raw


def _values(row: Any) -> tuple[Any, ...]:
    """Rows come as tuples, sqlite3 rows or (psycopg's dict rows) dicts."""
    return tuple(row.values()) if isinstance(row, dict) else tuple(row)


class StoreKeyTable:
    """An event store's own database as a `KeyTable`: the key store sits beside the events,
    through the store's connection pool (eventsourcing's SQLite or PostgreSQL datastore)."""

    def __init__(self, datastore: Any, placeholder: str) -> None:
        self._datastore = datastore
        self._placeholder = placeholder

    @contextmanager
    def transaction(self) -> Iterator[KeyCursor]:
        with self._datastore.transaction(commit=True) as cursor:
            yield _Placeholders(cursor, self._placeholder)


class _Placeholders:
    def __init__(self, cursor: Any, placeholder: str) -> None:
        self._cursor = cursor
        self._placeholder = placeholder

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        if self._placeholder != "?":
            sql = sql.replace("?", self._placeholder)
        return self._cursor.execute(sql, tuple(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        if self._placeholder != "?":
            sql = sql.replace("?", self._placeholder)
        return self._cursor.executemany(sql, [tuple(row) for row in rows])

    def fetchall(self) -> Any:
        return self._cursor.fetchall()


def key_wrapper(cipher_key: str | None) -> KeyWrapper | None:
    """eventsourcing's AES cipher under FULLPICTURE_CIPHER_KEY (None without one)."""
    if not cipher_key:
        return None
    from eventsourcing.cipher import AESCipher
    from eventsourcing.utils import Environment

    return AESCipher(Environment(env={AESCipher.CIPHER_KEY: cipher_key}))


class InMemoryKeyTable:
    """A key store that lives as long as the process, for an application whose events do too
    (eventsourcing's in-memory "POPO" store: the synthetic evaluation's)."""

    def __init__(self) -> None:

        self._connection = sqlite3.connect(":memory:", check_same_thread=False)
        self._lock = threading.Lock()

    @contextmanager
    def transaction(self) -> Iterator[KeyCursor]:
        with self._lock, self._connection:
            yield self._connection.cursor()
