"""`fullpicture retention due` on a generated partnership lists exactly the parts of children's
records past each rule of the schedule: rules counted from the date of birth and from the last
entry, as-at days on either side of each rule's boundary."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest

from fullpicture import config
from fullpicture.bootstrap import Wiring
from fullpicture.cli import main
from fullpicture.config import load_settings
from fullpicture.tools.synthetic import SyntheticPartnership, generate_partnership
from fullpicture.tools.synthetic import record_partnership as record_synthetic

ADMIN = "records.admin"
TODAY = date(2025, 6, 30)
# Short periods, so that the generated partnership's children fall on both sides of each.
SCHEDULE = """
version = "test-1"

[[record_classes]]
name = "child_protection"
agency_types = ["social_care"]
transfers = ["closure"]

[[record_classes]]
name = "child_in_need"
agency_types = ["social_care"]

[[record_classes]]
name = "school_child_protection"
agency_types = ["education"]

[[record_classes]]
name = "health"
agency_types = ["health"]

[[record_classes]]
name = "police"
agency_types = ["police"]

[[record_classes]]
name = "other"

[[rules]]
id = "cp"
record_class = "child_protection"
trigger = "last_entry"
years = 3

[[rules]]
id = "cin"
record_class = "child_in_need"
trigger = "date_of_birth"
years = 18

[[rules]]
id = "school"
record_class = "school_child_protection"
trigger = "date_of_birth"
years = 16

[[rules]]
id = "health"
record_class = "health"
trigger = "date_of_birth"
years = 12

[[rules]]
id = "police"
record_class = "police"
trigger = "last_entry"
years = 2

[[rules]]
id = "other"
record_class = "other"
trigger = "last_entry"
years = 4
"""
# The schedule above, as the test's own reckoning: (rule, trigger, years) by agency type; social
# care splits on whether it recorded a closure about the child.
BY_TYPE = {
    "education": ("school", "date_of_birth", 16),
    "health": ("health", "date_of_birth", 12),
    "police": ("police", "last_entry", 2),
}
OTHER = ("other", "last_entry", 4)


def expected_due_days(data: SyntheticPartnership) -> dict[tuple[str, str], tuple[str, str]]:
    """(child, agency) -> (rule, due day), worked out from the generated entries directly."""
    types = {code: agency_type for code, _, agency_type in data.agencies}
    born = dict(data.children)
    last: dict[tuple[str, str], str] = {}
    closed: set[tuple[str, str]] = set()
    for entry in data.entries:
        for child in entry["child_ref"].split(";"):
            part = (child, entry["agency"])
            last[part] = max(last.get(part, ""), entry["occurred_at"][:10])
            if entry.get("transfer") == "closure":
                closed.add(part)
    due = {}
    for part, last_day in last.items():
        agency_type = types[part[1]]
        if agency_type == "social_care":
            rule = ("cp", "last_entry", 3) if part in closed else ("cin", "date_of_birth", 18)
        else:
            rule = BY_TYPE.get(agency_type, OTHER)
        start = date.fromisoformat(born[part[0]] if rule[1] == "date_of_birth" else last_day)
        due[part] = (rule[0], _years_on(start, rule[2]).isoformat())
    return due


def _years_on(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return date(start.year + years, 3, 1)


@pytest.fixture(scope="module")
def generated() -> SyntheticPartnership:
    return generate_partnership(children=40, seed=11, months=24, today=TODAY)


@pytest.fixture
def partnership(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, generated: SyntheticPartnership
) -> SyntheticPartnership:
    schedule = tmp_path / "retention.toml"
    schedule.write_text(SCHEDULE, encoding="utf-8")
    monkeypatch.setenv(config.STATE_DIR, str(tmp_path / "state"))
    monkeypatch.setenv(config.RETENTION_FILE, str(schedule))
    assert main(["user", "add", ADMIN, "--name", "Records Admin", "--role", "administrator"]) == 0
    wiring = Wiring(load_settings())
    try:
        record_synthetic(wiring.partnership, generated)
        wiring.projection.catch_up()
    finally:
        wiring.close()
    return generated


def due_on(as_at: str, capsys: pytest.CaptureFixture[str]) -> dict[tuple[str, str], dict[str, str]]:
    capsys.readouterr()
    assert main(["--as", ADMIN, "retention", "due", "--as-at", as_at, "--format", "json"]) == 0
    return {(r["child_ref"], r["agency"]): r for r in json.loads(capsys.readouterr().out)}


def test_due_lists_exactly_the_parts_past_each_rule_on_either_side_of_its_boundary(
    partnership: SyntheticPartnership, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = expected_due_days(partnership)
    by_rule: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for part, (rule, _) in expected.items():
        by_rule[rule].append(part)
    assert set(by_rule) == {"cp", "cin", "school", "health", "police", "other"}

    boundaries = set()
    for rule, parts in by_rule.items():
        earliest = min(parts, key=lambda p: expected[p][1])
        day = date.fromisoformat(expected[earliest][1])
        before, on = (day - timedelta(days=1)).isoformat(), day.isoformat()
        listed_before, listed_on = due_on(before, capsys), due_on(on, capsys)
        assert earliest not in listed_before, f"{rule}: due a day early"
        assert listed_on[earliest]["rule"] == rule, f"{rule}: not due on its day"
        boundaries |= {before, on}

    for as_at in sorted(boundaries):
        wanted = {p for p, (_, day) in expected.items() if day <= as_at}
        listed = due_on(as_at, capsys)
        assert set(listed) == wanted, as_at
        for part, row in listed.items():
            assert (row["rule"], row["due_on"]) == expected[part]


def test_a_decision_to_extend_moves_the_day_a_part_is_due(
    partnership: SyntheticPartnership, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = expected_due_days(partnership)
    part = min(expected, key=lambda p: expected[p][1])
    child, agency = part
    assert main(["--as", ADMIN, "retention", "decide", child, "--decision", "extend",
                 "--until", "2999-01-01", "--agency", agency,
                 "--reason", "kept for a review under the schedule"]) == 0  # fmt: skip
    assert part not in due_on("2998-12-31", capsys)
    assert due_on("2999-01-01", capsys)[part]["due_on"] == "2999-01-01"
