"""An alert: advice for a person to review, with the evidence and the reason in plain words.

Severity describes the pattern, never the child:
- `priority` — a pattern case reviews most often found before serious harm (escalation, the toxic
  trio, repeat missing episodes): look today;
- `concern` — a recurring or scattered pattern worth bringing together (recurring concern,
  fragmented picture, was not brought, frequent moves);
- `practice` — a gap in how information moved (unanswered request, no written follow-up, child's
  voice absent, closed without a partnership check, consent relied on, jargon).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
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

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["evidence"] = list(self.evidence)
        return values
