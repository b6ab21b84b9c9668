"""The one codec: Avro single-object encoding with fastavro.

A message is `C3 01`, the 8-byte little-endian CRC-64-AVRO fingerprint of the writer schema's
parsing canonical form, then the Avro binary body. Writers use the newest schema of the event
type; readers look the fingerprint up and read older versions through the newest schema.
"""

from __future__ import annotations

import io
from typing import Any

from fastavro import schemaless_reader, schemaless_writer

from schemas.registry import EventSchema, by_fingerprint, latest

MAGIC = b"\xc3\x01"
HEADER_SIZE = len(MAGIC) + 8


class UndecodableMessage(ValueError):
    """A message no known schema can read; consumers send it to the dead-letter topic."""


class NotSingleObjectEncoded(UndecodableMessage):
    """The bytes do not start with the Avro single-object marker."""


class UnknownSchema(UndecodableMessage):
    """The fingerprint names no schema this consumer knows."""


class UnknownEventType(ValueError):
    """A record whose event type has no schema: a contract is missing."""


def encode(record: dict[str, Any]) -> bytes:
    event_type = record.get("event_type", "")
    schema = latest().get(event_type)
    if schema is None:
        raise UnknownEventType(f"no Avro schema for event type {event_type!r}")
    out = io.BytesIO()
    out.write(MAGIC)
    out.write(schema.fingerprint)
    schemaless_writer(out, schema.parsed, _as_sent(record, schema.nullable_fields))
    return out.getvalue()


def decode(data: bytes | None) -> dict[str, Any]:
    """A message as FullPicture holds a record: a value not recorded is empty text, as in the
    store, so a projection reads the same record from Kafka as from the notification log."""
    record = decode_as_sent(data)
    for name in latest()[record["event_type"]].nullable_fields:
        if record.get(name) is None:
            record[name] = ""
    return record


def decode_as_sent(data: bytes | None) -> dict[str, Any]:
    """A message as any Avro library reads it with FullPicture's newest schema: a value not
    recorded is null (what an agency's own reader sees)."""
    writer = writer_schema_of(data)
    reader = latest()[writer.event_type]
    body = io.BytesIO(data)  # type: ignore[arg-type]
    body.seek(HEADER_SIZE)
    try:
        if writer is reader:
            return schemaless_reader(body, writer.parsed, None)  # type: ignore[return-value]
        return schemaless_reader(body, writer.parsed, reader.parsed)  # type: ignore[return-value]
    except Exception as error:  # noqa: BLE001 - any malformed body is undecodable
        raise UndecodableMessage(
            f"{writer.event_type} v{writer.version} body is malformed: {error}"
        ) from error


def _as_sent(record: dict[str, Any], nullable: tuple[str, ...]) -> dict[str, Any]:
    """The record with empty optional vocabulary values as null (an Avro enum has no empty
    symbol); a copy only when there is one, as the caller may send the record again."""
    empty = [name for name in nullable if record.get(name) == ""]
    return {**record, **dict.fromkeys(empty)} if empty else record


def writer_schema_of(data: bytes | None) -> EventSchema:
    if not data or len(data) < HEADER_SIZE or data[:2] != MAGIC:
        raise NotSingleObjectEncoded("not Avro single-object encoded (no C3 01 marker)")
    schema = by_fingerprint().get(bytes(data[2:HEADER_SIZE]))
    if schema is None:
        raise UnknownSchema(f"unknown schema fingerprint {bytes(data[2:HEADER_SIZE]).hex()}")
    return schema
