"""A small synthetic partnership for `fullpicture demo`: fictional agencies, children and events."""

from __future__ import annotations

from consumers.store_feed import catch_up
from fullpicture.bootstrap import Wiring

DEMO_AGENCIES = (
    ("police-north", "Northshire Police", "police"),
    ("school-elm", "Elm Primary School", "education"),
    ("health-visiting", "Northshire Health Visiting", "health"),
    ("csc-north", "Northshire Children's Social Care", "social_care"),
)

DEMO_ENTRIES = (
    {
        "kind": "share",
        "agency": "police-north",
        "entry_ref": "P-1",
        "child_ref": "C-0001;C-0002",
        "occurred_at": "2025-01-03T22:40",
        "summary": "Police attended a domestic incident at home; both children were present.",
        "to_agencies": "school-elm;csc-north",
        "channel": "phone",
        "reason": "So school and social care can support the children.",
        "lawful_basis": "public_task",
        "consent": "not_sought_unsafe",
        "family_informed": "no_unsafe",
        "concerns": "domestic_abuse",
        "significance": "high",
    },
    {
        "kind": "followup",
        "agency": "police-north",
        "entry_ref": "P-2",
        "child_ref": "C-0001;C-0002",
        "occurred_at": "2025-01-04",
        "summary": "Written notification of the incident sent.",
        "refers_to": "police-north:P-1",
        "channel": "secure_email",
    },
    {
        "kind": "request",
        "agency": "csc-north",
        "entry_ref": "R-1",
        "child_ref": "C-0002",
        "occurred_at": "2025-01-06",
        "summary": "Asked the health visitor about recent contact.",
        "to_agencies": "health-visiting",
        "reason": "Assessing the impact of the incident on the baby.",
    },
    {
        "kind": "response",
        "agency": "health-visiting",
        "entry_ref": "H-1",
        "child_ref": "C-0002",
        "occurred_at": "2025-01-08",
        "summary": "Two missed developmental checks since October.",
        "refers_to": "csc-north:R-1",
        "concerns": "missed_health_appointment",
    },
    {
        "kind": "voice",
        "agency": "school-elm",
        "entry_ref": "S-1",
        "child_ref": "C-0001",
        "occurred_at": "2025-01-09",
        "summary": "Talked with her teacher about home.",
        "child_words": "I stay in my room when they shout.",
        "captured_how": "direct_words",
    },
)


def record_demo_partnership(wiring: Wiring) -> str:
    """Record the demo partnership (idempotent) and bring the read models up to date."""
    app = wiring.partnership
    for code, name, agency_type in DEMO_AGENCIES:
        app.register_agency(code, name, agency_type)
    outcome = app.record_all([(None, entry) for entry in DEMO_ENTRIES])
    applied = catch_up(app, wiring.read_models)
    return (
        f"demo partnership: {len(DEMO_AGENCIES)} agencies, {len(outcome.recorded)} new entries "
        f"({len(outcome.unchanged)} already recorded), {applied} events projected; "
        f"try: fullpicture chronology C-0001"
    )
