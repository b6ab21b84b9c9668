"""Synthetic entries for tests: fictional references only (C-0001, police-north…)."""

from __future__ import annotations

import json
from typing import Any

from domain.application import Partnership
from domain.drafts import Authorship

AGENCIES = {
    "police-north": ("Northshire Police", "police"),
    "school-elm": ("Elm Primary School", "education"),
    "health-visiting": ("Community Health Visiting", "health"),
    "csc-north": ("Northshire Children's Social Care", "social_care"),
}


def register_agencies(app: Partnership) -> None:
    for code, (name, agency_type) in AGENCIES.items():
        app.register_agency(code, name, agency_type)


def share(**overrides: Any) -> dict[str, Any]:
    entry = {
        "kind": "share",
        "agency": "police-north",
        "entry_ref": "P-100",
        "child_ref": "C-0001",
        "occurred_at": "2025-03-01",
        "summary": "Police attended a domestic incident; the children were present.",
        "to_agencies": "school-elm",
        "channel": "verbal",
        "reason": "The school can watch for changes in the children's behaviour.",
        "lawful_basis": "public_task",
        "consent": "not_sought_unsafe",
        "family_informed": "no_unsafe",
        "concerns": "domestic_abuse",
        "significance": "high",
    }
    entry.update(overrides)
    return entry


def request(**overrides: Any) -> dict[str, Any]:
    entry = {
        "kind": "request",
        "agency": "csc-north",
        "entry_ref": "R-1",
        "child_ref": "C-0001",
        "occurred_at": "2025-03-02",
        "summary": "Asked the health visitor for recent contact.",
        "to_agencies": "health-visiting",
        "reason": "Assessing the impact of a domestic incident on the baby.",
    }
    entry.update(overrides)
    return entry


def entry(kind: str, **overrides: Any) -> dict[str, Any]:
    """A minimal valid entry of any kind that needs no other entry."""
    base = {
        "kind": kind,
        "agency": "school-elm",
        "entry_ref": f"{kind.upper()}-1",
        "child_ref": "C-0001",
        "occurred_at": "2025-03-05",
        "summary": f"A {kind} entry.",
    }
    extra = {
        "consent": {
            "consent": "refused",
            "lawful_basis": "public_task",
            "reason": "Risk of harm outweighs the parent's refusal.",
        },
        "voice": {
            "child_words": "I don't like it when they shout.",
            "captured_how": "direct_words",
        },
        "transfer": {"transfer": "closure"},
    }.get(kind, {})
    return {**base, **extra, **overrides}


def stored_count(app: Partnership) -> int:
    return app.recorder.max_notification_id() or 0


def record_every_kind(app: Partnership, **common: Any) -> None:
    """One entry of every kind (the linking kinds pointing at the others); `common` goes to the
    kinds that need no other entry."""
    app.record(share(child_ref="C-0001;C-0002", occurred_at="2025-03-01T21:15"))
    app.record(request())
    for kind in ("concern", "consent", "voice", "action", "transfer"):
        app.record(entry(kind, **common))
    app.record(
        entry("followup", agency="police-north", refers_to="police-north:P-100", channel="letter")
    )
    app.record(entry("response", agency="health-visiting", refers_to="csc-north:R-1"))
    app.record(
        entry(
            "decline",
            agency="health-visiting",
            entry_ref="D-1",
            refers_to="csc-north:R-1",
            reason="Already answered.",
        )
    )
    app.record(entry("correction", refers_to="school-elm:CONCERN-1", entry_ref="COR-1"))
    app.record(
        entry(
            "acknowledgement",
            agency="csc-north",
            entry_ref="ACK-1",
            refers_to="health-visiting:RESPONSE-1",
            outcome="action_planned",
        )
    )


# Who records in tests that need the author on the wire: a registered person's user name.
AUTHOR = Authorship("sam.patel")


def record_every_disclosure_field(app: Partnership) -> None:
    """A request, its answer and a decline, a verbal share's written follow-up and a closure, each
    with every field its kind carries (the fields agencies' spreadsheets hold), by `AUTHOR`."""
    entries = [
        request(channel="phone"),
        entry(
            "response",
            agency="health-visiting",
            refers_to="csc-north:R-1",
            channel="secure_email",
            lawful_basis="public_task",
            consent="not_needed",
            family_informed="yes",
        ),
        entry(
            "decline",
            agency="health-visiting",
            entry_ref="D-1",
            refers_to="csc-north:R-1",
            reason="Already answered.",
            channel="letter",
        ),
        share(channel="phone"),
        entry(
            "followup",
            agency="police-north",
            refers_to="police-north:P-100",
            channel="letter",
            lawful_basis="legal_obligation",
            consent="not_sought_unsafe",
            family_informed="no_unsafe",
        ),
        entry("transfer", reason="No further concerns."),
    ]
    for each in entries:
        app.record(each, author=AUTHOR)


def stored_before_sealing(app: Partnership, stored: Any) -> dict[str, Any]:
    """A stored event's state as events were stored before personal content was sealed per
    child: every field in plain JSON (what stores written by earlier versions hold)."""
    state = json.loads(stored.state)
    state.pop("sealed", None)
    event = vars(app.mapper.to_domain_event(stored))
    return state | {
        name: event[name] for name in event if name not in state and name[:10] != "originator"
    }
