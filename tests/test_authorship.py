"""Every write names its author (TRUST.md, "Who wrote it").

`recorded_by` is the person recording, set by FullPicture from `--as` (or the signed-in person),
never typed; a case reviewer's import is marked as imported for their review and reaches no
agency's feed; entries stored before authors were recorded read back with the author unknown, in
SQLite and in PostgreSQL, through the store and into the chronology.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.application import Partnership
from domain.drafts import AUTHORSHIP_FIELDS
from domain.records import agencies_allowed_to_see, records_from_notifications
from fullpicture.bootstrap import event_store_env
from fullpicture.config import load_settings
from tests.test_access_matrix import (  # noqa: F401 - `partnership` is a fixture used here
    PRACTITIONER,
    REVIEWER,
    cli,
    partnership,
    read_json,
    record,
    sheet,
)


def chronology_entries(capsys: pytest.CaptureFixture[str], user: str, child: str) -> dict:
    entries = read_json(capsys, "--as", user, "chronology", child)
    return {e["id"]: e for e in entries}  # type: ignore[attr-defined]


def test_an_entry_recorded_with_the_command_names_the_person_who_recorded_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    shown = chronology_entries(capsys, PRACTITIONER, "C-0001")["police-north:P-1"]
    assert (shown["recorded_by"], shown["imported_for_review"]) == (PRACTITIONER, "")
    capsys.readouterr()
    assert cli("--as", PRACTITIONER, "chronology", "C-0001", "--format", "csv") == 0
    header, row = capsys.readouterr().out.splitlines()[:2]
    columns = dict(zip(header.split(","), row.split(","), strict=False))
    assert columns["recorded_by"] == PRACTITIONER


def test_who_recorded_an_entry_cannot_be_typed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.builders import share

    for field in AUTHORSHIP_FIELDS:
        capsys.readouterr()
        data = {**share(entry_ref=f"P-{field}", child_ref="C-0001"), field: "someone-else"}
        assert record(PRACTITIONER, data, tmp_path) != 0
        err = capsys.readouterr().err
        assert f"{field}: is set by FullPicture" in err, err


def test_an_import_names_the_person_who_imported_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = sheet(tmp_path, "P-8,C-0001,concern,2025-05-01,police-north,Seen out late.,")
    assert cli("--as", PRACTITIONER, "import", str(rows)) == 0
    shown = chronology_entries(capsys, PRACTITIONER, "C-0001")["police-north:P-8"]
    assert (shown["recorded_by"], shown["imported_for_review"]) == (PRACTITIONER, "")


def test_a_case_reviewer_s_import_is_the_review_s_and_never_on_the_agency_s_feed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = sheet(tmp_path, "S-5,C-0002,concern,2025-05-01,school-elm,Came in hungry.,neglect")
    assert cli("--as", REVIEWER, "import", str(rows)) == 0
    # It appears in the review's chronology, marked as imported for the review by the reviewer
    shown = chronology_entries(capsys, REVIEWER, "C-0002")["school-elm:S-5"]
    assert (shown["recorded_by"], shown["imported_for_review"]) == (REVIEWER, "CSPR-1")
    # and the feed router sends it to no agency, not even the one it names as its source
    app = Partnership(env=event_store_env(load_settings()))
    try:
        stored = {
            r["entry_id"]: r
            for _, r in records_from_notifications(
                app.mapper, app.recorder.select_notifications(start=1, limit=1000)
            )
            if "entry_id" in r
        }
    finally:
        app.close()
    assert agencies_allowed_to_see(stored["school-elm:S-5"]) == []
    assert agencies_allowed_to_see(stored["police-north:P-1"]) == ["police-north", "school-elm"]


def test_a_reviewer_s_import_spanning_no_single_review_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # C-0003 is in no grant of the reviewer: refused before anything is recorded
    rows = sheet(
        tmp_path,
        "S-5,C-0002,concern,2025-05-01,school-elm,Came in hungry.,neglect",
        "S-6,C-0003,concern,2025-05-01,school-elm,Came in hungry.,neglect",
    )
    assert cli("--as", REVIEWER, "import", str(rows)) != 0
    assert "school-elm:S-5" not in chronology_entries(capsys, REVIEWER, "C-0002")
