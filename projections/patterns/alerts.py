"""An alert: advice for a person to review, with the evidence and the reason in plain words.

Severity describes the pattern, never the child:
- `priority` — a pattern case reviews most often found before serious harm (escalation, the toxic
  trio, repeat missing episodes): look today;
- `concern` — a recurring or scattered pattern worth bringing together (recurring concern,
  fragmented picture, was not brought, frequent moves);
- `practice` — a gap in how information moved (unanswered request, no written follow-up, child's
  voice absent, closed without a partnership check, consent relied on, jargon).

An alert has a life: it is raised on `first_raised`, holds while its rule does, and is resolved on
`resolved_at` (the first day it no longer held; null while it holds). Its `id` stays the same for
that whole life, so a person's review of it can be recorded against it.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

SEVERITIES = ("priority", "concern", "practice")


@dataclass(frozen=True)
class Alert:
    pattern: str
    child_ref: str
    as_at: str
    evidence: tuple[str, ...]
    explanation: str
    severity: str
    id: str = ""
    first_raised: str = ""
    resolved_at: str | None = None
    # What the alert is about beside its pattern and child (a concern category, the entry a gap
    # is about), so that the same alert is recognised on another day; "" for one per child.
    subject: str = ""

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["evidence"] = list(self.evidence)
        del values["subject"]
        return values

    @property
    def key(self) -> tuple[str, str]:
        """What makes two evaluations' alerts the same alert (with the day it was first raised)."""
        return (self.pattern, self.subject)

    def without_entry_text(self) -> Alert:
        """The alert as a scope that may not see its evidence is shown it: child, pattern,
        severity, dates and how many entries it rests on, never a word taken from them
        (agencies, days, summaries, an acronym's expansion)."""
        count = len(self.evidence)
        return replace(
            self,
            evidence=(),
            explanation=f"{self.pattern.replace('_', ' ').capitalize()}: "
            f"{count} {'entry' if count == 1 else 'entries'} as evidence, outside your scope.",
            subject="",
        )

    def living(self, first_raised: date, as_at: date, resolved_at: date | None = None) -> Alert:
        """This alert with its life: when it was raised, the day it is reported for, its end."""
        raised = first_raised.isoformat()
        return replace(
            self,
            id=alert_id(self.child_ref, self.pattern, self.subject, raised),
            first_raised=raised,
            as_at=as_at.isoformat(),
            resolved_at=resolved_at.isoformat() if resolved_at else None,
        )


def alert_id(child_ref: str, pattern: str, subject: str, first_raised: str) -> str:
    """A stable id: the same child, pattern, subject and first day always give the same id."""
    digest = hashlib.sha256(f"{child_ref}|{pattern}|{subject}|{first_raised}".encode())
    return f"A-{digest.hexdigest()[:12]}"
