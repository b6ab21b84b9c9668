"""Day arithmetic on the ISO strings read models hold (a date, or a date-time)."""

from __future__ import annotations

from datetime import date


def day(when: str) -> date:
    return date.fromisoformat(when[:10])


def days_between(earlier: str, later: str) -> int:
    return (day(later) - day(earlier)).days
