"""The retention schedule (RETENTION.md): how long each part of a child's record is kept.

A child's record is kept in parts, one per agency: what that agency recorded about the child, since
an agency's part is what that agency is the controller of and what can be erased on its own. Each
part gets a record class from what was recorded (the schedule's classes, in order), and the
class's rule says from when (the child's date of birth, or the part's last entry) and for how many
years it is kept. Pure: the file is read in `fullpicture.retention_file`; nothing here deletes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from domain.errors import DomainError

DATE_OF_BIRTH = "date_of_birth"
LAST_ENTRY = "last_entry"
TRIGGERS = (DATE_OF_BIRTH, LAST_ENTRY)
# The entry conditions a record class may name, each "any of these values".
ENTRY_CONDITIONS = ("transfers", "concerns", "significance", "kinds")
CLASS_KEYS = frozenset(("name", "agency_types", *ENTRY_CONDITIONS))
RULE_KEYS = frozenset(("id", "record_class", "agency_types", "trigger", "years"))
TOP_KEYS = frozenset(("version", "record_classes", "rules"))
LONGEST_PERIOD_YEARS = 150


class ScheduleProblem(DomainError):
    """The retention schedule file is wrong; `field` says where (`rules[2].years`)."""


@dataclass(frozen=True)
class EntryShape:
    """What a record class may look at in one entry: structure only, never its words."""

    kind: str
    concerns: tuple[str, ...]
    significance: str
    transfer: str


@dataclass(frozen=True)
class RecordPart:
    """One agency's part of one child's record: the days of its entries and their shapes."""

    child_ref: str
    agency: str
    agency_type: str
    date_of_birth: str | None
    entry_days: tuple[str, ...]  # sorted, YYYY-MM-DD
    shapes: frozenset[EntryShape]

    @property
    def last_entry(self) -> str:
        return self.entry_days[-1]


@dataclass(frozen=True)
class RecordClass:
    name: str
    agency_types: frozenset[str] = frozenset()
    conditions: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def takes(self, part: RecordPart) -> bool:
        if self.agency_types and part.agency_type not in self.agency_types:
            return False
        return not self.conditions or any(self._entry_matches(s) for s in part.shapes)

    def _entry_matches(self, shape: EntryShape) -> bool:
        found = {
            "transfers": {shape.transfer},
            "concerns": set(shape.concerns),
            "significance": {shape.significance},
            "kinds": {shape.kind},
        }
        return all(found[name] & wanted for name, wanted in self.conditions.items())


@dataclass(frozen=True)
class RetentionRule:
    id: str
    record_class: str
    trigger: str
    years: int
    agency_types: frozenset[str] = frozenset()

    def fits(self, record_class: str, agency_type: str) -> bool:
        return self.record_class == record_class and (
            not self.agency_types or agency_type in self.agency_types
        )

    def describe(self) -> str:
        start = "date of birth" if self.trigger == DATE_OF_BIRTH else "last entry"
        return f"{self.id}: {start} + {self.years} years"


@dataclass(frozen=True)
class Assessment:
    """A part as the schedule sees it: its class, its rule, and the day it is due (None when
    its trigger date is not known: a child registered without a date of birth)."""

    part: RecordPart
    record_class: str
    rule: RetentionRule
    trigger_date: str | None
    due_on: str | None


@dataclass(frozen=True)
class RetentionSchedule:
    version: str
    classes: tuple[RecordClass, ...]
    rules: tuple[RetentionRule, ...]

    def assess(self, part: RecordPart) -> Assessment:
        record_class = next(c.name for c in self.classes if c.takes(part))
        rule = next(r for r in self.rules if r.fits(record_class, part.agency_type))
        trigger = part.date_of_birth if rule.trigger == DATE_OF_BIRTH else part.last_entry
        due_on = add_years(trigger[:10], rule.years) if trigger else None
        return Assessment(part, record_class, rule, trigger[:10] if trigger else None, due_on)


def add_years(day: str, years: int) -> str:
    """The anniversary `years` on; one born on 29 February has it on 1 March in other years."""
    start = date.fromisoformat(day)
    try:
        return start.replace(year=start.year + years).isoformat()
    except ValueError:
        return date(start.year + years, 3, 1).isoformat()


def parse_schedule(data: Mapping[str, Any]) -> RetentionSchedule:
    """The schedule from a parsed TOML document; every problem names where it is."""
    _no_unknown_keys("retention", data, TOP_KEYS)
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        raise ScheduleProblem("version", "is required: the schedule's version, as text")
    classes = tuple(
        _record_class(f"record_classes[{i}]", raw)
        for i, raw in enumerate(_tables("record_classes", data), start=1)
    )
    names = [c.name for c in classes]
    for i, name in enumerate(names, start=1):
        if name in names[: i - 1]:
            raise ScheduleProblem(f"record_classes[{i}].name", f"{name!r} is named twice")
    if not classes or classes[-1].agency_types or classes[-1].conditions:
        raise ScheduleProblem(
            "record_classes",
            "the last class must have no conditions (name only), so that every part of a "
            "record has a class",
        )
    rules = tuple(
        _rule(f"rules[{i}]", raw, names) for i, raw in enumerate(_tables("rules", data), start=1)
    )
    ids = [r.id for r in rules]
    for i, rule_id in enumerate(ids, start=1):
        if rule_id in ids[: i - 1]:
            raise ScheduleProblem(f"rules[{i}].id", f"{rule_id!r} is used twice")
    for name in names:
        if not any(r.record_class == name and not r.agency_types for r in rules):
            raise ScheduleProblem(
                "rules", f"record class {name!r} needs a rule for every agency type"
            )
    return RetentionSchedule(version.strip(), classes, rules)


def _tables(key: str, data: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    tables = data.get(key)
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ScheduleProblem(key, f"is required: a list of tables ([[{key}]])")
    return tables


def _record_class(where: str, raw: Mapping[str, Any]) -> RecordClass:
    _no_unknown_keys(where, raw, CLASS_KEYS)
    conditions = {
        name: _words(f"{where}.{name}", raw[name]) for name in ENTRY_CONDITIONS if name in raw
    }
    return RecordClass(
        _text(f"{where}.name", raw.get("name")),
        _words(f"{where}.agency_types", raw.get("agency_types", [])),
        conditions,
    )


def _rule(where: str, raw: Mapping[str, Any], classes: Sequence[str]) -> RetentionRule:
    _no_unknown_keys(where, raw, RULE_KEYS)
    record_class = _text(f"{where}.record_class", raw.get("record_class"))
    if record_class not in classes:
        raise ScheduleProblem(
            f"{where}.record_class", f"{record_class!r} is not one of: {', '.join(classes)}"
        )
    trigger = _text(f"{where}.trigger", raw.get("trigger"))
    if trigger not in TRIGGERS:
        raise ScheduleProblem(
            f"{where}.trigger", f"{trigger!r} is not one of: {', '.join(TRIGGERS)}"
        )
    years = raw.get("years")
    if (
        not isinstance(years, int)
        or isinstance(years, bool)
        or not 0 < years <= LONGEST_PERIOD_YEARS
    ):
        raise ScheduleProblem(
            f"{where}.years", f"must be a whole number of years, 1 to {LONGEST_PERIOD_YEARS}"
        )
    return RetentionRule(
        _text(f"{where}.id", raw.get("id")),
        record_class,
        trigger,
        years,
        _words(f"{where}.agency_types", raw.get("agency_types", [])),
    )


def _text(where: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ScheduleProblem(where, "is required (text)")
    return value.strip()


def _words(where: str, value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ScheduleProblem(where, "must be a list of words")
    return frozenset(v.strip() for v in value)


def _no_unknown_keys(where: str, raw: Mapping[str, Any], known: Iterable[str]) -> None:
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ScheduleProblem(
            f"{where}.{unknown[0]}", f"is not a setting here (expected: {', '.join(sorted(known))})"
        )
