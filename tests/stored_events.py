"""Stored entries in the shape an older version of FullPicture wrote them, for upgrade tests.

Stores written before personal content was sealed per child hold every field in plain text;
these helpers open a stored event (the mapper unseals it) and store a copy of it in that plain
shape, so a test can take fields away and lower its class version as an older writer would have.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from domain.application import Partnership

_EVENTSOURCING_OWN = ("originator_id", "originator_version")


def plain_state(app: Partnership, entry_id: str) -> dict[str, Any]:
    """The stored entry's state, unsealed, with the class version it was stored at."""
    [stored] = app.recorder.select_events(app.find_entry_uuid(entry_id))
    raw = app.mapper.transcoder.decode(stored.state)
    event = app.mapper.to_domain_event(stored)
    state = {k: v for k, v in vars(event).items() if k not in _EVENTSOURCING_OWN}
    if "class_version" in raw:
        state["class_version"] = raw["class_version"]
    return state


def store_plain_copy(app: Partnership, entry_id: str, state: dict[str, Any], copy_id: str) -> None:
    """Store `state`, unsealed, as the entry `copy_id` (the original's event, another id)."""
    [stored] = app.recorder.select_events(app.find_entry_uuid(entry_id))
    copy = replace(
        stored,
        state=app.mapper.transcoder.encode(state),
        originator_id=app.find_entry_uuid(copy_id),
    )
    app.recorder.insert_events([copy])
