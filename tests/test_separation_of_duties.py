"""Separation of duties (TRUST.md, "Roles"): nobody grants themselves a role or a review, a review
grant opens nothing until a second administrator approves it, an administrator's password reset
must be changed at the next sign-in, and approvals and resets are in the access log."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from domain.directory import Directory
from domain.errors import DomainError
from fullpicture import config
from fullpicture.cli import USER_ERROR, main
from tests.builders import AGENCIES, share

ADMIN, SECOND, LEAD, REVIEWER = "adm", "adm2", "lee", "rev"
GRANT = ["--child", "C-0001", "--from", "2025-01-01", "--to", "2025-12-31"]


def cli(*argv: str) -> int:
    return main(list(argv))


def error_of(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    assert cli(*argv) == USER_ERROR
    return capsys.readouterr().err


def audit(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    capsys.readouterr()
    assert cli("--as", ADMIN, "audit", "--format", "json") == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


@pytest.fixture(autouse=True)
def partnership(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(config.STATE_DIR, str(tmp_path / "state"))
    assert cli("user", "add", ADMIN, "--name", "Ada Administrator", "--role", "administrator") == 0
    for code, (name, agency_type) in AGENCIES.items():
        register = ["agency", "register", code, "--name", name, "--type", agency_type]
        assert cli("--as", ADMIN, *register) == 0
    people = {
        SECOND: ["--role", "administrator"],
        LEAD: ["--agency", "police-north", "--role", "safeguarding_lead"],
        REVIEWER: ["--role", "case_reviewer"],
    }
    for user, flags in people.items():
        assert cli("--as", ADMIN, "user", "add", user, "--name", f"{user} Example", *flags) == 0
    entry = tmp_path / "share.json"
    entry.write_text(json.dumps(share(entry_ref="P-1", child_ref="C-0001")))
    assert cli("--as", LEAD, "record", "--json", str(entry)) == 0
    return tmp_path


def propose(*extra: str) -> int:
    return cli("--as", ADMIN, "review", "grant", "CSPR-9", "--reviewer", REVIEWER, *GRANT,
               "--expires", "2999-12-31", *extra)  # fmt: skip


def test_nobody_grants_a_role_to_themselves(capsys: pytest.CaptureFixture[str]) -> None:
    refusal = error_of(capsys, "--as", LEAD, "user", "grant", LEAD, "--role", "practitioner")
    assert "themselves" in refusal
    refusal = error_of(capsys, "--as", ADMIN, "user", "grant", ADMIN, "--role", "case_reviewer")
    assert "themselves" in refusal


def test_an_administrator_holds_no_role_that_sees_child_data(
    capsys: pytest.CaptureFixture[str],
) -> None:
    refusal = error_of(capsys, "--as", SECOND, "user", "grant", ADMIN, "--role", "case_reviewer")
    assert "an administrator holds no other role" in refusal


def test_nobody_is_granted_a_review_by_themselves(partnership: Path) -> None:
    directory = Directory({"PERSISTENCE_MODULE": "eventsourcing.popo"})
    directory.register_person(REVIEWER, "Rev", ["case_reviewer"], by=ADMIN)
    with pytest.raises(DomainError, match="themselves"):
        directory.grant_review(
            "CSPR-9", REVIEWER, ["C-0001"], "2025-01-01", "2025-12-31", "2999-12-31", by=REVIEWER
        )


def test_a_review_grant_opens_nothing_until_a_second_administrator_approves_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert propose() == 0
    assert "outside your scope" in error_of(capsys, "--as", REVIEWER, "chronology", "C-0001")
    assert cli("--as", SECOND, "review", "approve", "CSPR-9") == 0
    capsys.readouterr()
    assert cli("--as", REVIEWER, "chronology", "C-0001", "--format", "json") == 0
    assert [e["id"] for e in json.loads(capsys.readouterr().out)] == ["police-north:P-1"]


def test_whoever_proposed_a_review_grant_cannot_approve_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert propose() == 0
    assert "a second administrator approves it" in error_of(
        capsys, "--as", ADMIN, "review", "approve", "CSPR-9"
    )
    assert "only an administrator" in error_of(capsys, "--as", LEAD, "review", "approve", "CSPR-9")


def test_a_changed_review_grant_needs_approving_again(capsys: pytest.CaptureFixture[str]) -> None:
    assert propose() == 0
    assert cli("--as", SECOND, "review", "approve", "CSPR-9") == 0
    assert propose() == 0
    assert "outside your scope" in error_of(capsys, "--as", REVIEWER, "chronology", "C-0001")


def test_a_review_approval_is_in_the_access_log_naming_the_children(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert propose() == 0
    assert cli("--as", SECOND, "review", "approve", "CSPR-9") == 0
    logged = [(a["user"], a["view"], a["child_refs"]) for a in audit(capsys)]
    assert logged == [
        (ADMIN, "review proposed", ["C-0001"]),
        (SECOND, "review approved", ["C-0001"]),
    ]


def test_an_administrator_s_password_reset_must_be_changed_and_is_logged(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("reset by admin\n"))
    assert cli("--as", ADMIN, "user", "password", LEAD, "--password-stdin") == 0
    assert "must change it at their next sign-in" in capsys.readouterr().out
    logged = [(a["user"], a["view"], a["scope"]) for a in audit(capsys)]
    assert logged[-1] == (ADMIN, "password reset", f"{LEAD}: must change at next sign-in")
    monkeypatch.setattr("sys.stdin", io.StringIO("reset by admin\n"))
    assert "not the one you were given" in error_of(
        capsys, "--as", LEAD, "user", "password", LEAD, "--password-stdin"
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("my own passphrase\n"))
    assert cli("--as", LEAD, "user", "password", LEAD, "--password-stdin") == 0


def test_an_administrator_reads_no_chronology_without_a_purpose(
    capsys: pytest.CaptureFixture[str],
) -> None:
    refusal = error_of(capsys, "--as", ADMIN, "chronology", "C-0001")
    assert "an administrator sees no child data" in refusal
    assert cli("--as", ADMIN, "chronology", "C-0001", "--purpose", "checking a complaint") == 0
    assert audit(capsys)[-1]["break_glass"] is True
