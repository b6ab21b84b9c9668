"""Scope holes closed (TRUST.md, "Roles" and "The access log"): a case reviewer's lists name only
their grant's children in its period; `child register` never tells a stored date of birth; a
refused read leaves a trace; an error never tells what another agency recorded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from consumers.store_feed import catch_up
from domain.application import EntriesRejected
from domain.errors import BirthDateConflict
from domain.scopes import AccessRefused
from fullpicture import config
from fullpicture.bootstrap import Wiring
from fullpicture.config import load_settings
from fullpicture.queries import REFUSED_SCOPE
from tests.builders import register_agencies, request, share


@pytest.fixture
def wiring(tmp_path: Path) -> Iterator[Wiring]:
    """A reviewer granted C-0001 for the first half of 2025; requests about C-0001 and its
    sibling C-0002 inside and after that period."""
    built = Wiring(
        load_settings({config.STATE_DIR: str(tmp_path / "state")}),
        now=lambda: datetime(2025, 9, 30, 9, 0, 0),
    )
    app = built.partnership
    register_agencies(app)
    app.record(request(entry_ref="R-1", child_ref="C-0001;C-0002", occurred_at="2025-03-02"))
    app.record(request(entry_ref="R-2", child_ref="C-0001", occurred_at="2025-08-01"))
    app.record(request(entry_ref="R-3", child_ref="C-0002", occurred_at="2025-03-05"))
    app.record(share(entry_ref="P-1", child_ref="C-0003", to_agencies="school-elm"))
    app.record(share(entry_ref="P-2", child_ref="C-0001;C-0002", occurred_at="2025-04-01"))
    directory = built.directory
    directory.register_person("adm", "Ada Administrator", ["administrator"])
    directory.register_person("pat", "Pat", ["practitioner"], agency="health-visiting")
    directory.register_person("rev", "Rev", ["case_reviewer"], by="adm")
    directory.grant_review(
        "CSPR-3", "rev", ["C-0001"], "2025-01-01", "2025-06-30", "2999-12-31", by="adm"
    )
    directory.approve_review("CSPR-3", by="adm.second")
    catch_up(built.partnership, built.read_models)
    yield built
    built.close()


def test_a_reviewer_s_requests_list_holds_their_grant_s_children_in_its_period_only(
    wiring: Wiring,
) -> None:
    listed = wiring.queries.requests("rev", "2025-09-30")
    assert [(r.request_id, r.child_refs) for r in listed] == [("csc-north:R-1", ["C-0001"])]
    [logged] = [a for a in wiring.access_log.accesses() if a.view == "requests"]
    assert logged.child_refs == ("C-0001",)


def test_a_reviewer_s_follow_ups_list_names_their_grant_s_children_only(wiring: Wiring) -> None:
    waiting = wiring.queries.pending_followups("rev", "2025-09-30")
    assert [(s.share_id, s.child_refs) for s in waiting] == [("police-north:P-2", ["C-0001"])]


def test_an_agency_s_requests_list_is_unchanged(wiring: Wiring) -> None:
    listed = wiring.queries.requests("pat", "2025-09-30")
    found = {r.request_id: r.child_refs for r in listed}
    assert sorted(found) == ["csc-north:R-1", "csc-north:R-2", "csc-north:R-3"]
    assert found["csc-north:R-1"] == ["C-0001", "C-0002"]


def test_a_conflicting_date_of_birth_is_refused_without_the_stored_one(wiring: Wiring) -> None:
    wiring.recorder.register_child("C-0001", "2019-04-12", "health-visiting")
    with pytest.raises(BirthDateConflict) as refused:
        wiring.recorder.register_child("C-0001", "2019-04-13", "health-visiting")
    assert "2019-04-12" not in str(refused.value)
    assert "different date of birth" in str(refused.value)


def test_a_conflicting_date_of_birth_is_recorded_in_the_access_log(
    wiring: Wiring,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from fullpicture.cli import USER_ERROR, main

    wiring.recorder.register_child("C-0001", "2019-04-12", "health-visiting")
    monkeypatch.setenv(config.STATE_DIR, str(tmp_path / "state"))
    wiring.close()
    born = ["child", "register", "C-0001", "--date-of-birth", "2019-04-13"]
    assert main(["--as", "pat", *born]) == USER_ERROR
    assert "2019-04-12" not in capsys.readouterr().err
    reopened = Wiring(load_settings({config.STATE_DIR: str(tmp_path / "state")}))
    try:
        [logged] = [a for a in reopened.access_log.accesses() if a.view == "child register"]
    finally:
        reopened.close()
    assert (logged.user, logged.child_refs) == ("pat", ("C-0001",))
    assert logged.scope.startswith(REFUSED_SCOPE)


def test_a_refused_read_is_recorded_in_the_access_log(wiring: Wiring) -> None:
    with pytest.raises(AccessRefused):
        wiring.queries.open_child("pat", "C-0003", "chronology")
    with pytest.raises(AccessRefused):
        wiring.queries.alert_list("adm")
    refused = [(a.user, a.view, a.child_refs) for a in wiring.access_log.accesses()]
    assert refused == [("pat", "chronology", ("C-0003",)), ("adm", "alert list", ())]
    assert all(a.scope.startswith(REFUSED_SCOPE) for a in wiring.access_log.accesses())


def test_an_answer_to_a_request_another_agency_never_knew_tells_nothing_about_it(
    wiring: Wiring,
) -> None:
    answer = {
        "kind": "response",
        "agency": "school-elm",
        "entry_ref": "S-1",
        "child_ref": "C-0001",
        "occurred_at": "2025-03-03",
        "summary": "Answered.",
        "refers_to": "csc-north:R-1",
        "channel": "secure_email",
    }
    with pytest.raises(EntriesRejected) as refused:
        wiring.partnership.record(answer)
    said = str(refused.value)
    assert "no such entry" in said
    assert "health-visiting" not in said and "request" not in said.replace("refers_to", "")
