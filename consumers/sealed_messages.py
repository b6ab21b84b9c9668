"""`<prefix>.events` carries each child's personal content sealed under that child's key.

The message value is the event's Avro record with every personal field empty (so the contract and
its enums hold); the personal fields travel sealed in the `sealed` header, under the data key of
the child the message is keyed by (one message per child, one cipher operation each). When the
child's key is deleted, every copy of the message on the topic is unreadable: the projector and
the feed router skip it, and a sibling's copy of the same entry names the erased child as
`ERASED_CHILD`. Agency feeds carry the opened record (a disclosure to the agency).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

import orjson

from domain.child_keys import ChildKeys, UnreadableSeal, key_wrapper
from domain.personal_fields import emptied, personal_part
from domain.records import EventRecord
from domain.sealing import ERASED_CHILD
from projections.database import open_read_models

SEALED_HEADER = "sealed"


class KeyStoreSettings(Protocol):
    """What the key store is opened from: the chronology's database and the cipher key."""

    @property
    def database(self) -> Any: ...

    @property
    def cipher_key(self) -> str | None: ...


def child_keys_for(settings: KeyStoreSettings) -> ChildKeys:
    """The key store of the chronology's database, for a consumer that has no read models."""
    return ChildKeys(open_read_models(settings.database.url), key_wrapper(settings.cipher_key))


def blanked(record: EventRecord) -> tuple[EventRecord, bytes]:
    """The record with its personal fields empty, and those fields as bytes to seal."""
    personal = personal_part(record)
    if not personal:
        return record, b""
    empty = {name: emptied(value) for name, value in personal.items()}
    return {**record, **empty}, orjson.dumps(personal)


def seal_header(
    personal: bytes, child: str, agency: str, keys: ChildKeys
) -> tuple[str, bytes] | None:
    """The header sealing a child's message; None when the child's key is gone (erased since
    the event was read): such a message is not sent. A key is never made here, so a child
    erased meanwhile never gets one back."""
    key = keys.for_reading(child, agency)
    return None if key is None else (SEALED_HEADER, key.seal(personal))


def opened(
    record: EventRecord,
    headers: Iterable[tuple[str, bytes]] | None,
    child: str | None,
    keys: ChildKeys,
) -> EventRecord | None:
    """The record with its personal fields opened; None when they were sealed under a key that
    is gone (the child was erased). A record with nothing sealed is returned as it is."""
    sealed = next((value for name, value in headers or () if name == SEALED_HEADER), None)
    if sealed is None or child is None:
        return record
    agency = record.get("agency") or ""
    key = keys.for_reading(child, agency)
    if key is None:
        return None
    try:
        record.update(orjson.loads(key.open(sealed)))
    except UnreadableSeal:
        return None
    refs = record.get("child_refs")
    if refs and len(refs) > 1:
        record["child_refs"] = [
            c if c == child or keys.for_reading(c, agency) is not None else ERASED_CHILD
            for c in refs
        ]
    return record


def without_seal(headers: Iterable[tuple[str, bytes]] | None) -> list[tuple[str, bytes]]:
    return [(name, value) for name, value in headers or () if name != SEALED_HEADER]
