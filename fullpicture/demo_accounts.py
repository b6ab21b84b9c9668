"""The demo's people, shared by `fullpicture demo` (which registers them) and the dashboard's
sign-in page (which lists them in demo mode only), so the dashboard needs no tool."""

from __future__ import annotations

from domain.people import ADMINISTRATOR, ANALYST, CASE_REVIEWER, PRACTITIONER, SAFEGUARDING_LEAD

# The demo's people: one of every role (two administrators: one proposes the review grant, the
# other approves it), practitioners and leads in two of the synthetic partnership's agencies.
# They sign in with DEMO_PASSWORD; the sign-in page lists them in demo mode only.
DEMO_PASSWORD = "fullpicture-demo"
DEMO_REVIEW = "demo-review"
DEMO_PEOPLE: tuple[tuple[str, str, str, str], ...] = (
    # (user, name, role, agency)
    ("admin", "Demo Administrator", ADMINISTRATOR, ""),
    ("admin.second", "Demo Second Administrator", ADMINISTRATOR, ""),
    ("analyst", "Demo Partnership Analyst", ANALYST, ""),
    ("reviewer", "Demo Case Reviewer", CASE_REVIEWER, ""),
    ("police.practitioner", "Demo Police Practitioner", PRACTITIONER, "police-north"),
    ("police.lead", "Demo Police Safeguarding Lead", SAFEGUARDING_LEAD, "police-north"),
    ("school.practitioner", "Demo School Practitioner", PRACTITIONER, "school-elm"),
    ("school.lead", "Demo School Safeguarding Lead", SAFEGUARDING_LEAD, "school-elm"),
)
