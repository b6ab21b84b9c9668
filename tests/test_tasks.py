"""Tasks with an owner, through the command line: the owner must see the child, a list shows only
what the person may see and is recorded as a read, a task past its due date is overdue.

C-0001 is known to police-north (it shared with school-elm) and to school-elm; C-0002 only to
health-visiting.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from domain.scopes import AccessRefused
from fullpicture import config
from fullpicture.bootstrap import Wiring, bootstrap
from fullpicture.cli import USER_ERROR, main
from fullpicture.config import load_settings
from projections import acknowledgements, tasks
from tests.builders import AGENCIES, entry, share
from tests.test_what_lists_reveal import accesses

ADMIN, POLICE, POLICE_LEAD, SCHOOL, HEALTH = "adm", "pat", "lee", "sam", "hal"
PEOPLE = {
    POLICE: ("police-north", "practitioner"),
    POLICE_LEAD: ("police-north", "safeguarding_lead"),
    SCHOOL: ("school-elm", "practitioner"),
    HEALTH: ("health-visiting", "practitioner"),
}
DUE = (date.today() + timedelta(days=14)).isoformat()


def cli(*argv: str) -> int:
    return main(list(argv))


def record(user: str, data: dict[str, object], tmp: Path) -> None:
    path = tmp / f"{data['agency']}-{data['entry_ref']}.json"
    path.write_text(json.dumps(data))
    assert cli("--as", user, "record", "--json", str(path)) == 0


def as_json(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict]:
    capsys.readouterr()
    assert cli(*argv, "--format", "json") == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(autouse=True)
def partnership(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(config.STATE_DIR, str(tmp_path / "state"))
    assert cli("user", "add", ADMIN, "--name", "Ada Administrator", "--role", "administrator") == 0
    for code, (name, agency_type) in AGENCIES.items():
        assert (
            cli("--as", ADMIN, "agency", "register", code, "--name", name, "--type", agency_type)
            == 0
        )
    for user, (agency, role) in PEOPLE.items():
        assert (
            cli(
                "--as",
                ADMIN,
                "user",
                "add",
                user,
                "--name",
                f"{user} Example",
                "--agency",
                agency,
                "--role",
                role,
            )
            == 0
        )
    record(POLICE, share(entry_ref="P-1", child_ref="C-0001", channel="secure_email"), tmp_path)
    health = entry("concern", agency="health-visiting", entry_ref="H-1", child_ref="C-0002")
    record(HEALTH, health, tmp_path)
    return tmp_path


def add_task(capsys: pytest.CaptureFixture[str], by: str, owner: str, child: str = "C-0001") -> str:
    [added] = as_json(capsys, "--as", by, "task", "add", "--child", child, "--about",
                      "police-north:P-1", "--owner", owner, "--due", DUE, "--what",
                      "Check in with the family this week.")  # fmt: skip
    return added["task_id"]


def test_a_task_is_given_to_an_owner_who_sees_it_in_their_list(
    capsys: pytest.CaptureFixture[str],
) -> None:
    task_id = add_task(capsys, POLICE, SCHOOL)
    [mine] = as_json(capsys, "--as", SCHOOL, "task", "list", "--mine")
    assert (mine["task_id"], mine["owner"], mine["owner_agency"]) == (task_id, SCHOOL, "school-elm")
    assert (mine["due_by"], mine["status"], mine["child_ref"]) == (DUE, "open", "C-0001")


def test_an_owner_outside_the_child_s_scope_is_refused_and_the_refusal_recorded(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = cli("--as", POLICE, "task", "add", "--child", "C-0001", "--about", "police-north:P-1",
               "--owner", HEALTH, "--due", DUE, "--what", "Visit.")  # fmt: skip
    assert code == USER_ERROR
    assert "a task's owner must be able to see the child" in capsys.readouterr().err
    refused = [a for a in bootstrap().access_log.accesses() if a.view == "task add"]
    assert [(a.user, a.child_refs) for a in refused] == [(POLICE, ("C-0001",))]
    assert refused[0].scope.startswith("refused")


def test_nobody_gives_a_task_about_a_child_outside_their_own_scope(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = cli("--as", POLICE, "task", "add", "--child", "C-0002", "--about", "health-visiting:H-1",
               "--owner", POLICE, "--due", DUE, "--what", "Visit.")  # fmt: skip
    assert code == USER_ERROR
    assert "outside your scope" in capsys.readouterr().err


def test_task_lists_show_only_what_the_person_may_see_and_are_recorded(
    capsys: pytest.CaptureFixture[str],
) -> None:
    task_id = add_task(capsys, POLICE, SCHOOL)
    assert [t["task_id"] for t in as_json(capsys, "--as", POLICE, "task", "list")] == [task_id]
    assert as_json(capsys, "--as", HEALTH, "task", "list") == []
    assert (
        as_json(capsys, "--as", POLICE_LEAD, "task", "list", "--agency", "school-elm")
        == [t for t in as_json(capsys, "--as", POLICE_LEAD, "task", "list")]
        == []
    )
    assert [t["task_id"] for t in as_json(capsys, "--as", SCHOOL, "task", "list")] == [task_id]
    assert (SCHOOL, ("C-0001",)) in accesses("tasks")
    assert not [a for a in accesses("tasks") if a[0] == HEALTH]


def test_a_task_done_says_what_came_of_it_and_cannot_be_done_twice(
    capsys: pytest.CaptureFixture[str],
) -> None:
    task_id = add_task(capsys, POLICE, SCHOOL)
    assert cli("--as", HEALTH, "task", "done", task_id, "--outcome", "Seen.") == USER_ERROR
    [done] = as_json(
        capsys, "--as", SCHOOL, "task", "done", task_id, "--outcome", "Met the family."
    )
    assert done["status"] == "done"
    [listed] = as_json(capsys, "--as", SCHOOL, "task", "list")
    assert (listed["status"], listed["outcome"], listed["done_by"]) == (
        "done",
        "Met the family.",
        SCHOOL,
    )
    assert cli("--as", SCHOOL, "task", "done", task_id, "--outcome", "Again.") == USER_ERROR
    assert "done already" in capsys.readouterr().err


def test_a_task_is_reassigned_only_to_someone_who_sees_the_child(
    capsys: pytest.CaptureFixture[str],
) -> None:
    task_id = add_task(capsys, POLICE, POLICE)
    assert cli("--as", POLICE, "task", "reassign", task_id, "--owner", HEALTH) == USER_ERROR
    [moved] = as_json(capsys, "--as", POLICE, "task", "reassign", task_id, "--owner", SCHOOL)
    assert (moved["owner"], moved["owner_agency"]) == (SCHOOL, "school-elm")
    [listed] = as_json(capsys, "--as", SCHOOL, "task", "list", "--mine")
    assert listed["task_id"] == task_id


def test_a_task_about_an_entry_the_giver_never_knew_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = cli("--as", SCHOOL, "task", "add", "--child", "C-0001", "--about", "health-visiting:H-1",
               "--owner", SCHOOL, "--due", DUE, "--what", "Visit.")  # fmt: skip
    assert code == USER_ERROR
    assert (
        "about: 'health-visiting:H-1' is no alert or entry about C-0001" in capsys.readouterr().err
    )


def test_bad_input_names_the_field(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli("--as", POLICE, "task", "add", "--child", "C-0001", "--about", "nonsense",
               "--owner", SCHOOL, "--due", "31/02/2025", "--what", " ")  # fmt: skip
    assert code == USER_ERROR
    err = capsys.readouterr().err
    assert "about" in err and "due_by" in err and "what" in err


def test_a_task_past_its_due_date_is_overdue_and_shown_to_its_agency_s_lead(
    partnership: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    task_id = add_task(capsys, POLICE, POLICE)
    later = datetime.combine(date.fromisoformat(DUE) + timedelta(days=1), datetime.min.time())
    wiring = Wiring(
        load_settings({config.STATE_DIR: str(partnership / "state")}), now=lambda: later
    )
    try:
        [overdue] = wiring.queries.task_list(POLICE_LEAD, overdue=True)
        assert (overdue.task_id, overdue.status) == (task_id, "overdue")
        assert wiring.queries.task_list(SCHOOL, overdue=True) == []
    finally:
        wiring.close()
    assert as_json(capsys, "--as", POLICE_LEAD, "task", "list", "--overdue") == []


def test_the_partnership_figures_count_overdue_tasks_and_time_to_acknowledge(
    partnership: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("--as", ADMIN, "user", "add", "ann", "--name", "Ann", "--role", "analyst") == 0
    add_task(capsys, POLICE, SCHOOL)
    path = partnership / "ack.json"
    path.write_text(json.dumps(entry("acknowledgement", entry_ref="ACK-1", occurred_at="2025-03-04",
                                     refers_to="police-north:P-1", outcome="noted")))  # fmt: skip
    assert cli("--as", SCHOOL, "record", "--json", str(path)) == 0
    later = (date.fromisoformat(DUE) + timedelta(days=1)).isoformat()
    wiring = bootstrap()
    try:
        db = wiring.read_models.db
        assert tasks.overdue_by_agency(db, later) == {"school-elm": 1}
        [school] = acknowledgements.acknowledgement_times_by_agency(db)
        assert (school.agency, school.acknowledged, school.median_days) == ("school-elm", 1, 3.0)
        # and an analyst sees them as every board figure: a count of 1-4 suppressed
        figures = wiring.queries.practice_loop_figures("ann", later)
        assert figures["overdue_tasks"] == {"school-elm": "<5"}
        assert figures["time_to_acknowledge"] == [
            {"agency": "school-elm", "acknowledged": "<5", "median_days": "<5"}
        ]
        with pytest.raises(AccessRefused):
            wiring.queries.practice_loop_figures(POLICE, later)
    finally:
        wiring.close()
