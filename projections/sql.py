"""Small SQL builders shared by read models (same text for SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any


def upsert(table: str, columns: Sequence[str], key: Sequence[str]) -> str:
    """INSERT … ON CONFLICT DO UPDATE: applying the same event twice leaves one row."""
    updates = [c for c in columns if c not in key]
    action = (
        "DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in updates)
        if updates
        else "DO NOTHING"
    )
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)}) "
        f"ON CONFLICT ({', '.join(key)}) {action}"
    )


def as_json(values: Any) -> str:
    return json.dumps(list(values or ()))


def from_json(text: str) -> list[str]:
    return list(json.loads(text))
