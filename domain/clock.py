"""The one clock and the one way dates are read and written (ISO 8601, naive partnership time)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from domain.errors import InvalidDate


def now() -> datetime:
    """System time, second precision, without a zone (stored as naive UTC)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def parse_when(field: str, raw: str) -> str:
    """Normalise an ISO 8601 date (`2024-05-03`) or date-time to a sortable string.

    A date alone stays a date: an entry whose time is unknown must not pretend to a midnight.
    """
    text = raw.strip()
    if not text:
        raise InvalidDate(field, "is required (ISO 8601, e.g. 2024-05-03)")
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidDate(field, f"{raw!r} is not an ISO 8601 date (e.g. 2024-05-03)") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat()


def day_of(when: str) -> date:
    """The calendar day of a normalised date or date-time."""
    return date.fromisoformat(when[:10])


def end_of_day(day: date) -> str:
    """The last moment of a day, as a string that sorts after every entry on that day."""
    return f"{day.isoformat()}T23:59:59"


def add_days(when: str, days: int) -> str:
    return (day_of(when) + timedelta(days=days)).isoformat()
