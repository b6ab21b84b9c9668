"""Disposition and legal holds (RETENTION.md): a destroy needs a second person's approval, a
legal hold blocks every erasure it covers, checked again at the moment of erasure, and every act
is in the access log (`fullpicture audit`)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from fullpicture import config
from fullpicture.bootstrap import Wiring
from fullpicture.cli import USER_ERROR, main
from fullpicture.config import load_settings
from tests.builders import AGENCIES, entry, share

ADMIN, SECOND, LEAD = "adm", "adm2", "lee"
CHILD, SIBLING = "C-0001", "C-0002"


def cli(*argv: str) -> int:
    return main(list(argv))


def out_of(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    assert cli(*argv) == 0
    return capsys.readouterr().out


def error_of(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    assert cli(*argv) == USER_ERROR
    return capsys.readouterr().err


def views_in_audit(capsys: pytest.CaptureFixture[str]) -> list[tuple[str, str, str]]:
    rows = json.loads(out_of(capsys, "--as", ADMIN, "audit", "--format", "json"))
    return [
        (r["view"], r["user"], r["scope"]) for r in rows if r["purpose"] == "records management"
    ]


@pytest.fixture(
    autouse=True, params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def partnership(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A police share about two siblings in 2025 and a school entry about one in 2019, in the
    embedded store or on PostgreSQL."""
    monkeypatch.setenv(config.STATE_DIR, str(tmp_path / "state"))
    if request.param == "postgres":
        monkeypatch.setenv(config.DATABASE_URL, request.getfixturevalue("postgres_url"))
    assert cli("user", "add", ADMIN, "--name", "Ada Administrator", "--role", "administrator") == 0
    for code, (name, agency_type) in AGENCIES.items():
        assert (
            cli("--as", ADMIN, "agency", "register", code, "--name", name, "--type", agency_type)
            == 0
        )
    assert (
        cli("--as", ADMIN, "user", "add", SECOND, "--name", "Bo Second", "--role", "administrator")
        == 0
    )
    assert cli("--as", ADMIN, "user", "add", LEAD, "--name", "Lee Lead", "--agency", "police-north",
               "--role", "safeguarding_lead") == 0  # fmt: skip
    for number, data in enumerate(
        [
            share(entry_ref="P-1", child_ref=[CHILD, SIBLING], occurred_at="2025-03-01"),
            entry("concern", entry_ref="S-1", occurred_at="2019-05-01"),
        ]
    ):
        path = tmp_path / f"entry-{number}.json"
        path.write_text(json.dumps(data))
        assert cli("--as", ADMIN, "user", "add", f"rec{number}", "--name", "Recorder",
                   "--agency", data["agency"], "--role", "practitioner") == 0  # fmt: skip
        assert cli("--as", f"rec{number}", "record", "--json", str(path)) == 0
    for child in (CHILD, SIBLING):
        assert cli("--as", "rec0", "child", "register", child, "--date-of-birth", "2015-01-01") == 0
    return tmp_path


def decide(capsys: pytest.CaptureFixture[str], *extra: str, who: str = ADMIN) -> dict[str, Any]:
    asked = ["retention", "decide", CHILD, "--reason", "due under the schedule", *extra]
    made: dict[str, Any] = json.loads(out_of(capsys, "--as", who, *asked, "--format", "json"))
    return made


def approved_destroy(capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    decision = str(decide(capsys, "--decision", "destroy", *extra)["id"])
    out_of(capsys, "--as", SECOND, "retention", "approve", decision)
    return decision


def test_a_decision_prints_its_id_and_its_json_is_an_object_with_the_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    made = decide(capsys, "--decision", "destroy")
    assert made["id"].startswith("RD-") and made["state"] == "awaiting approval"
    printed = out_of(capsys, "--as", ADMIN, "retention", "decide", CHILD, "--decision", "extend",
                     "--until", "2999-01-01", "--reason", "kept for an ongoing review")  # fmt: skip
    assert printed.strip().startswith("RD-") and len(printed.split()) == 1


def test_nobody_approves_their_own_decision_to_destroy(capsys: pytest.CaptureFixture[str]) -> None:
    decision = decide(capsys, "--decision", "destroy")["id"]
    refusal = error_of(capsys, "--as", ADMIN, "retention", "approve", decision)
    assert "a second person must approve it" in refusal
    approved = json.loads(out_of(capsys, "--as", SECOND, "retention", "approve", decision,
                                 "--format", "json"))  # fmt: skip
    assert approved[0]["approved_by"] == SECOND


def test_an_erasure_needs_an_approved_destroy_for_that_child(
    capsys: pytest.CaptureFixture[str],
) -> None:
    waiting = decide(capsys, "--decision", "destroy")["id"]
    assert "awaits a second person's approval" in error_of(
        capsys, "--as", ADMIN, "erase", CHILD, "--decision", waiting
    )
    assert f"is about {CHILD}, not {SIBLING}" in error_of(
        capsys, "--as", ADMIN, "erase", SIBLING, "--decision", waiting
    )
    kept = decide(capsys, "--decision", "extend", "--until", "2999-01-01")["id"]
    assert "not a destroy decision" in error_of(
        capsys, "--as", ADMIN, "erase", CHILD, "--decision", kept
    )
    assert "is not a retention decision" in error_of(
        capsys, "--as", ADMIN, "erase", CHILD, "--decision", "RD-0000000000"
    )


def test_a_safeguarding_lead_decides_only_on_their_own_agencys_part(
    capsys: pytest.CaptureFixture[str],
) -> None:
    refusal = error_of(capsys, "--as", LEAD, "retention", "decide", CHILD, "--decision",
                       "destroy", "--reason", "due")  # fmt: skip
    assert "only an administrator decides" in refusal
    made = decide(capsys, "--decision", "destroy", "--agency", "police-north", who=LEAD)
    assert made["agency"] == "police-north"
    assert "only an administrator may approve" in error_of(
        capsys, "--as", LEAD, "retention", "approve", made["id"]
    )
    assert "only an administrator may place legal holds" in error_of(
        capsys, "--as", LEAD, "hold", "place", "H-1", "--basis", "notice", "--all"
    )


def test_a_hold_placed_after_approval_blocks_the_erasure_and_both_are_in_the_audit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    decision = approved_destroy(capsys)
    out_of(capsys, "--as", ADMIN, "hold", "place", "INQUIRY-7", "--basis",
           "statutory inquiry retention notice 7", "--child", CHILD)  # fmt: skip
    refusal = error_of(capsys, "--as", ADMIN, "erase", CHILD, "--decision", decision)
    assert "legal hold INQUIRY-7 covers C-0001's records; nothing was erased" in refusal
    due = json.loads(out_of(capsys, "--as", ADMIN, "retention", "due", "--as-at", "2100-01-01",
                            "--format", "json"))  # fmt: skip
    assert {r["agency"]: r["holds"] for r in due if r["child_ref"] == CHILD} == {
        "police-north": ["INQUIRY-7"],
        "school-elm": ["INQUIRY-7"],
    }
    views = [view for view, _, _ in views_in_audit(capsys)]
    assert views[-3:] == ["hold placed", "erasure refused", "retention due"]


def test_an_agency_hold_covers_that_agencys_parts_only(capsys: pytest.CaptureFixture[str]) -> None:
    out_of(capsys, "--as", ADMIN, "hold", "place", "CLAIM-1", "--basis", "civil claim",
           "--agency", "police-north")  # fmt: skip
    whole = approved_destroy(capsys)
    assert "CLAIM-1" in error_of(capsys, "--as", ADMIN, "erase", CHILD, "--decision", whole)
    police = approved_destroy(capsys, "--agency", "police-north")
    assert "CLAIM-1" in error_of(capsys, "--as", ADMIN, "erase", CHILD, "--decision", police)
    holds = json.loads(out_of(capsys, "--as", ADMIN, "hold", "list", "--format", "json"))
    assert [(h["hold"], h["scope"], h["in_force"]) for h in holds] == [
        ("CLAIM-1", "agency police-north", True)
    ]


def test_an_all_records_hold_covers_every_part(capsys: pytest.CaptureFixture[str]) -> None:
    out_of(capsys, "--as", ADMIN, "hold", "place", "MORATORIUM", "--basis", "inquiry moratorium",
           "--all")  # fmt: skip
    school = approved_destroy(capsys, "--agency", "school-elm")
    assert "MORATORIUM" in error_of(capsys, "--as", ADMIN, "erase", CHILD, "--decision", school)


def test_a_hold_with_a_period_covers_the_parts_with_an_entry_within_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out_of(capsys, "--as", ADMIN, "hold", "place", "INQ-2025", "--basis", "inquiry into 2025",
           "--child", CHILD, "--from", "2025-03-01", "--to", "2025-12-31")  # fmt: skip
    police = approved_destroy(capsys, "--agency", "police-north")  # its entry: 2025-03-01
    assert "INQ-2025" in error_of(capsys, "--as", ADMIN, "erase", CHILD, "--decision", police)
    due = json.loads(out_of(capsys, "--as", ADMIN, "retention", "due", "--as-at", "2100-01-01",
                            "--format", "json"))  # fmt: skip
    held = {r["agency"]: r["holds"] for r in due if r["child_ref"] == CHILD}
    assert held == {"police-north": ["INQ-2025"], "school-elm": []}  # its entry: 2019


def test_a_hold_is_refused_without_exactly_one_scope_or_with_a_backward_period(
    capsys: pytest.CaptureFixture[str],
) -> None:
    backward = ["--from", "2025-02-01", "--to", "2025-01-01"]
    assert "to: 2025-01-01 is before" in error_of(
        capsys, "--as", ADMIN, "hold", "place", "H", "--basis", "b", "--all", *backward
    )
    assert "not registered" in error_of(capsys, "--as", ADMIN, "hold", "place", "H", "--basis",
                                        "b", "--agency", "nowhere")  # fmt: skip
    out_of(capsys, "--as", ADMIN, "hold", "place", "H", "--basis", "b", "--all")
    assert "exists already" in error_of(capsys, "--as", ADMIN, "hold", "place", "H", "--basis",
                                        "b", "--all")  # fmt: skip
    out_of(capsys, "--as", ADMIN, "hold", "lift", "H", "--reason", "notice withdrawn")
    assert "lifted already" in error_of(capsys, "--as", ADMIN, "hold", "lift", "H", "--reason", "x")


def test_lifting_the_hold_lets_the_erasure_run_and_its_certificate_names_who_decided(
    capsys: pytest.CaptureFixture[str], partnership: Path
) -> None:
    decision = approved_destroy(capsys)
    out_of(capsys, "--as", ADMIN, "hold", "place", "INQUIRY-7", "--basis", "retention notice 7",
           "--child", CHILD)  # fmt: skip
    assert "INQUIRY-7" in error_of(capsys, "--as", ADMIN, "erase", CHILD, "--decision", decision)
    out_of(capsys, "--as", ADMIN, "hold", "lift", "INQUIRY-7", "--reason", "notice withdrawn")

    certificate_file = partnership / "certificate.json"
    printed = out_of(capsys, "--as", ADMIN, "erase", CHILD, "--decision", decision,
                     "--out", str(certificate_file))  # fmt: skip

    certificate = json.loads(printed)
    assert certificate == json.loads(certificate_file.read_text(encoding="utf-8"))
    assert (certificate["child_ref"], certificate["scope"]) == (CHILD, "the whole record")
    assert certificate["decision"]["id"] == decision
    assert (certificate["decision"]["decided_by"], certificate["decision"]["approved_by"]) == (
        ADMIN,
        SECOND,
    )
    assert certificate["keys_deleted"] >= 1 and certificate["read_models_cleared"]["chronology"]
    assert certificate["feeds_told"] == [] and certificate["ledger_id"]  # embedded: no feeds
    views = [view for view, _, _ in views_in_audit(capsys)]
    assert views[-4:] == ["hold placed", "erasure refused", "hold lifted", "records erased"]
    decisions = json.loads(
        out_of(capsys, "--as", ADMIN, "retention", "decisions", "--format", "json")
    )
    assert decisions[0]["state"] == "erased"
    sibling = out_of(capsys, "--as", "rec0", "chronology", SIBLING, "--format", "json")
    assert "P-1" in sibling
    assert "has no chronology" in error_of(capsys, "--as", "rec0", "chronology", CHILD)


def test_a_hold_placed_while_an_erasure_runs_waits_until_it_is_done(
    capsys: pytest.CaptureFixture[str],
) -> None:
    decision = approved_destroy(capsys)
    erasing, placing = Wiring(load_settings()), Wiring(load_settings())
    shredding, finish = threading.Event(), threading.Event()

    def slow_shred(child: str, **decided: Any) -> dict[str, Any]:
        """The erasure between its checks and its end, held there by the test."""
        shredding.set()
        assert finish.wait(10)
        return {"child_ref": child, **decided}

    try:
        erase = threading.Thread(
            target=erasing.records_office.erase, args=(ADMIN, CHILD, decision, slow_shred)
        )
        erase.start()
        assert shredding.wait(10)
        place = threading.Thread(
            target=placing.records_office.place_hold,
            args=(ADMIN, "LATE-HOLD", "a notice that came during the erasure"),
            kwargs={"children": [CHILD]},
        )
        place.start()
        place.join(0.5)
        assert place.is_alive(), "the hold was placed between the erasure's check and its end"
        finish.set()
        erase.join(10)
        place.join(10)
    finally:
        finish.set()
        erasing.close()
        placing.close()
    states = json.loads(out_of(capsys, "--as", ADMIN, "retention", "decisions", "--format", "json"))
    assert [d["state"] for d in states] == ["erased"]
    holds = json.loads(out_of(capsys, "--as", ADMIN, "hold", "list", "--format", "json"))
    assert [(h["hold"], h["in_force"]) for h in holds] == [("LATE-HOLD", True)]


def test_a_safeguarding_lead_reviews_only_their_own_agencys_parts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    decide(capsys, "--decision", "destroy", "--agency", "school-elm")
    ours = decide(capsys, "--decision", "destroy", "--agency", "police-north", who=LEAD)["id"]
    due = ["--as-at", "2100-01-01", "--format", "json"]
    listed = json.loads(out_of(capsys, "--as", LEAD, "retention", "due", *due))
    assert {(r["child_ref"], r["agency"]) for r in listed} == {
        (CHILD, "police-north"),
        (SIBLING, "police-north"),
    }
    everyone = json.loads(out_of(capsys, "--as", ADMIN, "retention", "due", *due))
    assert {r["agency"] for r in everyone} == {"police-north", "school-elm"}
    decisions = json.loads(
        out_of(capsys, "--as", LEAD, "retention", "decisions", "--format", "json")
    )
    assert [d["id"] for d in decisions] == [ours]
    assert "records due for review are for administrators" in error_of(
        capsys, "--as", "rec1", "retention", "due"
    )
