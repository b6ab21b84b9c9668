"""Every known schema, by event type and version, and by the fingerprint carried in messages.

Schema files are `avro/<EventType>.v<N>.avsc`; shared named types live in `avro/types.avsc` and
are inlined where first used, so each expanded schema stands alone (for fingerprints, for the
official `avro` package, and for any agency's own Avro library).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fastavro import parse_schema
from fastavro.schema import fingerprint, to_parsing_canonical_form

SCHEMA_DIR = Path(__file__).parent / "avro"
TYPES_FILE = SCHEMA_DIR / "types.avsc"
FILE_NAME = re.compile(r"^(?P<event_type>\w+)\.v(?P<version>\d+)\.avsc$")


@dataclass(frozen=True)
class EventSchema:
    event_type: str
    version: int
    expanded: dict[str, Any]
    parsed: Any
    """fastavro's parsed form, marked as parsed so readers and writers never parse it again."""
    fingerprint: bytes
    nullable_fields: tuple[str, ...] = ()
    """Fields that are null on the wire when not recorded (`"" ` inside FullPicture)."""


def fingerprint_of(schema: dict[str, Any]) -> bytes:
    """CRC-64-AVRO of the parsing canonical form, as the 8 little-endian bytes messages carry."""
    canonical = to_parsing_canonical_form(parse_schema(schema, _write_hint=False))
    return bytes.fromhex(fingerprint(canonical, "CRC-64-AVRO"))


def expand(schema: Any, named: dict[str, Any], seen: set[str] | None = None) -> Any:
    """Inline shared named types at their first use (Avro allows a name only once defined)."""
    seen = set() if seen is None else seen
    if isinstance(schema, str):
        full = _full_name(schema)
        if full in named and full not in seen:
            seen.add(full)
            return dict(named[full])
        return schema
    if isinstance(schema, list):
        return [expand(item, named, seen) for item in schema]
    if isinstance(schema, dict):
        result = dict(schema)
        if schema.get("type") == "record":
            result["fields"] = [
                {**field, "type": expand(field["type"], named, seen)} for field in schema["fields"]
            ]
        elif schema.get("type") == "array":
            result["items"] = expand(schema["items"], named, seen)
        return result
    return schema


def _full_name(name: str) -> str:
    return name if "." in name else f"org.fullpicture.events.{name}"


def _shared_types() -> dict[str, Any]:
    types = json.loads(TYPES_FILE.read_text())
    return {f"{t['namespace']}.{t['name']}": t for t in types}


def nullable_fields(schema: dict[str, Any]) -> tuple[str, ...]:
    """The fields whose type is a union with null: optional values of a controlled vocabulary
    (an Avro enum has no empty symbol) and an entry's author where unknown, null on the wire
    when not recorded."""
    return tuple(
        field["name"]
        for field in schema["fields"]
        if isinstance(field["type"], list) and "null" in field["type"]
    )


@cache
def all_schemas() -> tuple[EventSchema, ...]:
    """Every schema file, sorted by event type then version."""
    named = _shared_types()
    found = []
    for path in sorted(SCHEMA_DIR.glob("*.avsc")):
        match = FILE_NAME.match(path.name)
        if match is None:
            continue
        expanded = expand(json.loads(path.read_text()), named)
        found.append(
            EventSchema(
                event_type=match["event_type"],
                version=int(match["version"]),
                expanded=expanded,
                parsed=parse_schema(expanded),
                fingerprint=fingerprint_of(expanded),
                nullable_fields=nullable_fields(expanded),
            )
        )
    return tuple(sorted(found, key=lambda s: (s.event_type, s.version)))


@cache
def by_fingerprint() -> dict[bytes, EventSchema]:
    return {schema.fingerprint: schema for schema in all_schemas()}


@cache
def latest() -> dict[str, EventSchema]:
    """The version writers use for each event type: the newest."""
    newest: dict[str, EventSchema] = {}
    for schema in all_schemas():
        newest[schema.event_type] = schema
    return newest


def versions(event_type: str) -> list[EventSchema]:
    return [s for s in all_schemas() if s.event_type == event_type]


def enum_symbols(name: str) -> list[str]:
    """The symbols of a shared enum type, e.g. `ConcernCategory`."""
    return list(_shared_types()[_full_name(name)]["symbols"])


def export_schemas(directory: Path) -> list[Path]:
    """Write every schema expanded (standalone, for any Avro library) as
    `<EventType>.v<N>.avsc`, and `fingerprints.json`: the fingerprint each message carries
    (hex of its 8 bytes) -> the event type and version to read it with."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    fingerprints = {}
    for schema in all_schemas():
        path = directory / f"{schema.event_type}.v{schema.version}.avsc"
        path.write_text(json.dumps(schema.expanded, indent=2) + "\n", encoding="utf-8")
        written.append(path)
        fingerprints[schema.fingerprint.hex()] = {
            "event_type": schema.event_type,
            "version": schema.version,
            "file": path.name,
        }
    (directory / "fingerprints.json").write_text(
        json.dumps(fingerprints, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return written
