"""The one clock and the one way dates are read and written (ISO 8601, naive partnership time).

Dates users type are ISO 8601 only — `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS]`, from 1900 on — so
a date never means two things (03/04 is March in one system and April in another). A spreadsheet
may also use the UK `DD/MM/YYYY[ HH:MM]`, converted where it is read (`uk_date_as_iso`).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from domain.errors import InvalidDate

EARLIEST_YEAR = 1900
ISO_FORMATS = "YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_ISO_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?", re.ASCII)
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2}))?", re.ASCII)


def now() -> datetime:
    """System time, second precision, without a zone (stored as naive UTC)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def system_time() -> datetime:
    """`now`, looked up when called: the default clock of every application, so a test can move
    the one clock of a whole command."""
    return now()


class SettableClock:
    """A clock moved by hand: tests, and the demo's simulated history. No user input sets it."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def set(self, moment: datetime) -> None:
        self.current = moment


def parse_when(field: str, raw: str) -> str:
    """Normalise an ISO 8601 date (`2024-05-03`) or date-time to a sortable string.

    A date alone stays a date: an entry whose time is unknown must not pretend to a midnight.
    """
    text = raw.strip()
    if not text:
        raise InvalidDate(field, f"is required ({ISO_FORMATS}, e.g. 2024-05-03)")
    shown = repr(text) if len(text) <= 40 else repr(text[:40]) + "…"
    try:
        if _ISO_DATE.fullmatch(text):
            when = date.fromisoformat(text).isoformat()
        elif _ISO_DATE_TIME.fullmatch(text):
            when = datetime.fromisoformat(text).isoformat()
        else:
            raise ValueError(text)
    except ValueError:
        raise InvalidDate(
            field, f"{shown} is not a date ({ISO_FORMATS}, e.g. 2024-05-03)"
        ) from None
    if int(when[:4]) < EARLIEST_YEAR:
        raise InvalidDate(field, f"{shown} is before {EARLIEST_YEAR}")
    return when


def uk_date_as_iso(text: str) -> str:
    """`DD/MM/YYYY[ HH:MM]` as ISO 8601 (for spreadsheets); anything else is returned unchanged,
    for `parse_when` to judge."""
    match = _UK_DATE.fullmatch(text.strip())
    if match is None:
        return text
    day, month, year, hour, minute = match.groups()
    iso = f"{year}-{int(month):02d}-{int(day):02d}"
    return f"{iso}T{int(hour):02d}:{minute}" if hour is not None else iso


def day_of(when: str) -> date:
    """The calendar day of a normalised date or date-time."""
    return date.fromisoformat(when[:10])


def end_of_day(day: date) -> str:
    """The last moment of a day, as a string that sorts after every entry on that day."""
    return f"{day.isoformat()}T23:59:59"


def add_days(when: str, days: int) -> str:
    return (day_of(when) + timedelta(days=days)).isoformat()


def add_working_days(start: date, days: int, holidays: frozenset[date] = frozenset()) -> date:
    """The day `days` working days after `start` (Monday to Friday, not `holidays`): when
    something recorded on `start` is due, counting as a partnership's offices do."""
    due = start
    left = days
    while left > 0:
        due += timedelta(days=1)
        if due.weekday() < 5 and due not in holidays:
            left -= 1
    return due
