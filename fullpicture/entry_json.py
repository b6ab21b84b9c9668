"""One entry as a JSON object (a file, or '-' for stdin), read strictly.

The bytes must be UTF-8 and the text one JSON object; anything else is one clear sentence naming
`--json`, never a traceback (deep nesting, invalid bytes, a number where an object belongs).
Field values are checked by the domain, which names each wrong field.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

MAX_JSON_BYTES = 1_000_000


class EntryJsonError(ValueError):
    """The --json input is not one readable JSON object."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"--json: {problem}")


class RepeatedName(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _object_without_repeated_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object; a name given twice would silently keep only the last value."""
    found: dict[str, Any] = {}
    for name, value in pairs:
        if name in found:
            raise RepeatedName(name)
        found[name] = value
    return found


def _stdin_bytes() -> bytes:
    """Standard input as bytes (decoded here, strictly), or as given when it is already text."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is not None:
        return bytes(stream.read())
    return sys.stdin.read().encode("utf-8", "surrogatepass")


def read_json_entry(source: str) -> dict[str, Any]:
    try:
        raw = _stdin_bytes() if source == "-" else Path(source).read_bytes()
    except IsADirectoryError:
        raise EntryJsonError(f"{source} is a directory, not a JSON file") from None
    except OSError as error:
        raise EntryJsonError(f"cannot read {source}: {error.strerror}") from None
    if len(raw) > MAX_JSON_BYTES:
        raise EntryJsonError(f"{len(raw):,} bytes; one entry is at most {MAX_JSON_BYTES:,}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise EntryJsonError(f"not UTF-8 text (byte {error.start + 1}: {error.reason})") from None
    try:
        data = json.loads(text, object_pairs_hook=_object_without_repeated_names)
    except RepeatedName as repeated:
        raise EntryJsonError(f"{repeated.name!r} appears twice; give each field once") from None
    except json.JSONDecodeError as error:
        raise EntryJsonError(
            f"not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})"
        ) from None
    except RecursionError:
        raise EntryJsonError("nested too deeply to be an entry") from None
    if not isinstance(data, dict):
        raise EntryJsonError("expected one JSON object with the entry's fields")
    return data
