"""The key store: one data key per (child, recording agency), deleted to erase (crypto-shredding).

A child's personal content is sealed under its data keys wherever it is kept (the event store,
`<prefix>.events`); deleting the keys leaves every copy unreadable, backups included. One key per
(child, agency) lets one agency's part of a child's record be erased alone; erasing a child
deletes all of its keys. The keys live in a table of the chronology's database that the
application may read, add to and delete from (never update: a key is never replaced), each key
itself sealed under FULLPICTURE_CIPHER_KEY where one is set.

Keys read are kept in memory, at most KEYS_KEPT of them, each for at most KEY_KEPT_SECONDS (so a
key deleted by another process is forgotten here within that time, and memory does not grow with
the partnership).
"""

from __future__ import annotations

import os
import threading
import time
from base64 import b64decode, b64encode
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

TABLE = "child_data_keys"
CREATE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (child_ref TEXT NOT NULL, agency TEXT NOT NULL, "
    "data_key TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (child_ref, agency))"
)
KEY_BYTES = 32
NONCE_BYTES = 12
# 10,000 keys of 32 bytes with their names: a few MB at most, whatever the partnership's size.
KEYS_KEPT = 10_000
KEY_KEPT_SECONDS = 30.0


class KeyCursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...
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
        kept_seconds: float = KEY_KEPT_SECONDS,
    ) -> None:
        self._table = table
        self._wrapper = wrapper
        self._now = now
        self._kept: OrderedDict[Pair, tuple[float, DataKey | None]] = OrderedDict()
        self._kept_size = kept
        self._kept_seconds = kept_seconds
        self._lock = threading.Lock()

    def create_table(self) -> None:
        with self._table.transaction() as cursor:
            cursor.execute(CREATE)

    # Reading ---------------------------------------------------------------------------------

    def for_reading(self, child_ref: str, agency: str) -> DataKey | None:
        """The key, or None when there is none (erased, or never made)."""
        pair = (child_ref, agency)
        found = self._recall(pair)
        if found is not None:
            return found[1]
        with self._table.transaction() as cursor:
            cursor.execute(f"SELECT data_key FROM {TABLE} WHERE child_ref = ? AND agency = ?", pair)
            rows = cursor.fetchall()
        key = self._unwrapped(_first_value(rows[0])) if rows else None
        self._keep(pair, key)
        return key

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
        wanted = [p for p in dict.fromkeys(pairs) if not self._holds_key(p)]
        if not wanted:
            return
        created_at = self._now()
        with self._table.transaction() as cursor:
            for child_ref, agency in wanted:
                cursor.execute(
                    f"INSERT INTO {TABLE} (child_ref, agency, data_key, created_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (child_ref, agency) DO NOTHING",
                    (child_ref, agency, self._wrapped(os.urandom(KEY_BYTES)), created_at),
                )
        with self._lock:
            for pair in wanted:
                self._kept.pop(pair, None)

    def delete(
        self, child_ref: str, agency: str | None = None, made_before: str | None = None
    ) -> int:
        """Delete the child's keys (only agency's, with `agency`; only those made before a
        moment, with `made_before`); returns how many were deleted."""
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
        self.forget(child_ref)
        return deleted

    def forget(self, child_ref: str) -> None:
        """Drop whatever this process remembers of the child's keys."""
        with self._lock:
            for pair in [p for p in self._kept if p[0] == child_ref]:
                del self._kept[pair]

    # Memory ----------------------------------------------------------------------------------

    def _recall(self, pair: Pair) -> tuple[float, DataKey | None] | None:
        with self._lock:
            found = self._kept.get(pair)
            if found is None:
                return None
            if time.monotonic() - found[0] > self._kept_seconds:
                del self._kept[pair]
                return None
            self._kept.move_to_end(pair)
            return found

    def _holds_key(self, pair: Pair) -> bool:
        found = self._recall(pair)
        return found is not None and found[1] is not None

    def _keep(self, pair: Pair, key: DataKey | None) -> None:
        with self._lock:
            self._kept[pair] = (time.monotonic(), key)
            self._kept.move_to_end(pair)
            while len(self._kept) > self._kept_size:
                self._kept.popitem(last=False)

    def _wrapped(self, raw: bytes) -> str:
        sealed = self._wrapper.encrypt(raw) if self._wrapper is not None else raw
        return b64encode(sealed).decode("ascii")

    def _unwrapped(self, stored: str) -> DataKey:
        raw = b64decode(stored)
        return DataKey(self._wrapper.decrypt(raw) if self._wrapper is not None else raw)


def _first_value(row: Any) -> Any:
    """Rows come as tuples, sqlite3 rows or (psycopg's dict rows) dicts."""
    return next(iter(row.values())) if isinstance(row, dict) else row[0]


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

    def fetchall(self) -> Any:
        return self._cursor.fetchall()


def key_wrapper(cipher_key: str | None) -> KeyWrapper | None:
    """eventsourcing's AES cipher under FULLPICTURE_CIPHER_KEY (None without one)."""
    if not cipher_key:
        return None
    from eventsourcing.cipher import AESCipher
    from eventsourcing.utils import Environment

    return AESCipher(Environment(env={AESCipher.CIPHER_KEY: cipher_key}))
