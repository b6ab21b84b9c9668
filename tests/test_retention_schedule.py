"""The retention schedule file: the shipped one covers every record class the partnership needs,
names a source for each rule, and a broken file is one error naming the setting and the place."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from domain.retention_schedule import EntryShape, RecordPart, add_years
from fullpicture.config import ConfigurationError
from fullpicture.retention_file import load_schedule, shipped_schedule_text

NEEDED_CLASSES = {
    "looked_after",
    "child_protection",
    "child_in_need",
    "school_child_protection",
    "health",
    "police",
    "other",
}


def part(agency_type: str, *shapes: EntryShape, born: str | None = "2001-05-06") -> RecordPart:
    return RecordPart("C-0001", "agency-a", agency_type, born, ("2010-01-02", "2012-07-08"),
                      frozenset(shapes))  # fmt: skip


def shape(**fields: str) -> EntryShape:
    return EntryShape(
        fields.get("kind", "concern"),
        tuple(fields.get("concerns", "").split()),
        fields.get("significance", "medium"),
        fields.get("transfer", ""),
    )


def test_the_shipped_schedule_has_every_record_class_and_a_source_beside_each_rule() -> None:
    schedule = load_schedule(None)
    assert {c.name for c in schedule.classes} >= NEEDED_CLASSES
    assert {r.trigger for r in schedule.rules} == {"date_of_birth", "last_entry"}
    for block in shipped_schedule_text().split("[[rules]]")[1:]:
        comments = [line for line in block.splitlines() if line.startswith("#")]
        assert comments, f"a rule without its source: {block.strip().splitlines()[0]}"


def test_a_part_gets_the_first_class_its_agency_and_entries_match() -> None:
    schedule = load_schedule(None)
    assert schedule.assess(part("social_care", shape(significance="high"))).record_class == (
        "child_protection"
    )
    assert schedule.assess(part("social_care", shape())).record_class == "child_in_need"
    looked_after = schedule.assess(
        part("social_care", shape(kind="transfer", transfer="looked_after"))
    )
    assert (looked_after.record_class, looked_after.due_on) == ("looked_after", "2076-05-06")
    police = schedule.assess(part("police", shape()))
    assert (police.rule.id, police.trigger_date, police.due_on) == (
        "police",
        "2012-07-08",
        "2018-07-08",
    )
    assert schedule.assess(part("housing", shape())).record_class == "other"


def test_a_part_without_a_date_of_birth_is_never_due_by_one() -> None:
    assessed = load_schedule(None).assess(part("health", shape(), born=None))
    assert (assessed.rule.id, assessed.due_on) == ("health", None)


def test_a_leap_day_birthday_falls_on_the_first_of_march_in_other_years() -> None:
    assert add_years("2004-02-29", 25) == "2029-03-01"
    assert add_years("2004-02-29", 24) == "2028-02-29"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda t: t.replace("years = 75", "years = 0"), "rules[1].years"),
        (
            lambda t: t.replace('trigger = "last_entry"', 'trigger = "closure"', 1),
            "rules[2].trigger",
        ),
        (
            lambda t: t.replace('record_class = "police"', 'record_class = "polce"'),
            "rules[6].record_class",
        ),
        (lambda t: t.replace("years = 21", "yaers = 21"), "rules[3].yaers"),
        (lambda t: re.sub(r'\[\[record_classes\]\]\nname = "other"\n', "", t), "record_classes"),
        (lambda t: t.replace('version = "2026-12-1"', ""), "version"),
        (lambda t: t + "\n[[rules", "end of document"),
    ],
)
def test_a_broken_schedule_is_refused_naming_the_setting_and_the_place(
    tmp_path: Path, change: Callable[[str], str], named: str
) -> None:
    broken = tmp_path / "retention.toml"
    broken.write_text(change(shipped_schedule_text()), encoding="utf-8")
    with pytest.raises(ConfigurationError) as refused:
        load_schedule(broken)
    assert "FULLPICTURE_RETENTION_FILE" in str(refused.value)
    assert named in str(refused.value)


def test_a_missing_schedule_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="FULLPICTURE_RETENTION_FILE.*nothing.toml"):
        load_schedule(tmp_path / "nothing.toml")
