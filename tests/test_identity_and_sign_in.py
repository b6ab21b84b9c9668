"""Who a sign-in stands for: an identity provider's account (`iss`, `sub`) linked once to a
person, by an administrator or by a verified e-mail at first sign-in; local passwords only for
whom FULLPICTURE_LOCAL_SIGNIN allows; the same refusal, in the same time, for an unknown user
and a wrong password."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from domain.directory import Directory, SignInRefused
from domain.errors import DomainError
from fullpicture import config
from fullpicture.bootstrap import Wiring
from fullpicture.cli import main
from fullpicture.config import ConfigurationError, load_settings

ISSUER = "https://id.partnership.invalid/realms/north"
OIDC = {
    config.OIDC_ISSUER: ISSUER,
    config.OIDC_CLIENT_ID: "fullpicture-dashboard",
    config.OIDC_CLIENT_SECRET: "a-synthetic-client-secret",
}


def wiring_with(state: Path, **settings: str) -> Wiring:
    built = Wiring(load_settings({config.STATE_DIR: str(state), **settings}))
    directory = built.directory
    directory.register_person("adm", "Ada Administrator", ["administrator"])
    directory.register_person("ana", "Ana Analyst", ["analyst"], email="Ana@North.invalid")
    directory.register_person("twin.one", "Twin One", ["analyst"], email="shared@north.invalid")
    directory.register_person("twin.two", "Twin Two", ["analyst"], email="shared@north.invalid")
    for user in ("adm", "ana"):
        directory.set_password(user, "a long passphrase", by="adm")
    return built


@pytest.fixture
def wiring(tmp_path: Path) -> Iterator[Wiring]:
    built = wiring_with(tmp_path / "state")
    yield built
    built.close()


@pytest.fixture
def directory(wiring: Wiring) -> Directory:
    return wiring.directory


def test_an_unverified_email_matching_a_person_signs_in_no_one(directory: Directory) -> None:
    found = directory.person_for_identity(ISSUER, "sub-impostor", "ana@north.invalid", False)
    assert found is None
    assert directory.linked_identities("ana") == []


def test_a_verified_email_at_first_sign_in_links_the_account_to_its_one_person(
    directory: Directory,
) -> None:
    found = directory.person_for_identity(ISSUER, "sub-ana", "ana@north.invalid", True)
    assert found is not None and found.user == "ana"
    assert directory.linked_identities("ana") == [(ISSUER, "sub-ana")]


def test_a_linked_account_signs_in_as_its_person_whatever_its_email_becomes(
    directory: Directory,
) -> None:
    directory.person_for_identity(ISSUER, "sub-ana", "ana@north.invalid", True)
    found = directory.person_for_identity(ISSUER + "/", "sub-ana", "moved@else.invalid", False)
    assert found is not None and found.user == "ana"


def test_once_linked_a_persons_email_on_another_account_counts_for_nothing(
    directory: Directory,
) -> None:
    directory.person_for_identity(ISSUER, "sub-ana", "ana@north.invalid", True)
    assert directory.person_for_identity(ISSUER, "sub-other", "ana@north.invalid", True) is None


def test_two_first_sign_ins_of_one_account_at_once_both_sign_in_as_its_person(
    wiring: Wiring, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = wiring.directory, Wiring(wiring.settings).directory
    link = second._link

    def lose_the_race(*args: Any, **kwargs: Any) -> None:
        first.person_for_identity(ISSUER, "sub-ana", "ana@north.invalid", True)
        link(*args, **kwargs)

    monkeypatch.setattr(second, "_link", lose_the_race)
    found = second.person_for_identity(ISSUER, "sub-ana", "ana@north.invalid", True)
    assert found is not None and found.user == "ana"
    assert first.linked_identities("ana") == [(ISSUER, "sub-ana")]
    second.close()


def test_a_verified_email_shared_by_two_people_signs_in_no_one(directory: Directory) -> None:
    assert directory.person_for_identity(ISSUER, "sub-x", "shared@north.invalid", True) is None
    assert directory.linked_identities("twin.one") == directory.linked_identities("twin.two") == []


def test_a_user_name_alone_never_signs_anyone_in(directory: Directory) -> None:
    assert directory.person_for_identity(ISSUER, "ana", "", True) is None
    assert directory.person_for_identity("", "sub-ana", "ana@north.invalid", True) is None


def test_an_administrator_links_a_person_and_only_that_account_counts_then(
    wiring: Wiring, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(config.STATE_DIR, str(wiring.settings.state_dir))
    link = ["user", "link", "twin.one", "--issuer", ISSUER, "--subject", "sub-twin"]
    assert main(["--as", "adm", *link]) == 0
    assert "linked: twin.one to sub-twin" in capsys.readouterr().out
    reopened = Wiring(wiring.settings)  # what the command wrote, as another process reads it
    found = reopened.directory.person_for_identity(ISSUER, "sub-twin", "", False)
    reopened.close()
    assert found is not None and found.user == "twin.one"
    assert main(["--as", "adm", "user", "list", "--format", "json"]) == 0
    listed = {p["user"]: p["identities"] for p in json.loads(capsys.readouterr().out)}
    assert listed["twin.one"] == [{"issuer": ISSUER, "subject": "sub-twin"}]
    assert listed["twin.two"] == []


def test_only_an_administrator_links_an_identity(
    wiring: Wiring, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(config.STATE_DIR, str(wiring.settings.state_dir))
    link = ["user", "link", "ana", "--issuer", ISSUER, "--subject", "sub-self"]
    assert main(["--as", "ana", *link]) != 0
    assert "administrator" in capsys.readouterr().err


def test_an_account_linked_to_one_person_cannot_be_linked_to_another(
    directory: Directory,
) -> None:
    directory.link_identity("ana", ISSUER, "sub-ana", by="adm")
    with pytest.raises(DomainError) as refused:
        directory.link_identity("twin.one", ISSUER, "sub-ana", by="adm")
    assert refused.value.field == "subject" and "'ana'" in str(refused.value)
    with pytest.raises(DomainError) as again:
        directory.link_identity("ana", ISSUER, "sub-second", by="adm")
    assert again.value.field == "issuer"
    with pytest.raises(DomainError) as not_a_url:
        directory.link_identity("twin.two", "north", "sub-twin", by="adm")
    assert not_a_url.value.field == "issuer"


def timed_refusal(directory: Directory, user: str, address: str) -> float:
    started = time.perf_counter()
    with pytest.raises(SignInRefused) as refused:
        directory.authenticate(user, "not the passphrase", address=address)
    elapsed = time.perf_counter() - started
    assert str(refused.value) == "wrong user name or password"
    return elapsed


def test_an_unknown_user_and_a_wrong_password_get_the_same_refusal_in_the_same_time(
    directory: Directory,
) -> None:
    timed_refusal(directory, "nobody.here", "warm-up")  # the throwaway hash is made once
    unknown, wrong = [], []
    for attempt in range(6):
        unknown.append(timed_refusal(directory, "nobody.here", f"198.51.100.{attempt}"))
        wrong.append(timed_refusal(directory, "ana", f"203.0.113.{attempt}"))
    ratio = statistics.median(unknown) / statistics.median(wrong)
    assert 0.5 < ratio < 2, (unknown, wrong)  # a password check costs ~tens of ms; none ~0


def test_local_passwords_for_administrators_only_refuse_others_after_the_password(
    tmp_path: Path,
) -> None:
    wiring = wiring_with(tmp_path / "state", **{config.LOCAL_SIGNIN: "administrators"})
    directory = wiring.directory
    assert directory.authenticate("adm", "a long passphrase").user == "adm"
    with pytest.raises(SignInRefused, match="for administrators only"):
        directory.authenticate("ana", "a long passphrase")
    with pytest.raises(SignInRefused, match="^wrong user name or password$"):
        directory.authenticate("ana", "not the passphrase")
    wiring.close()


def test_local_passwords_switched_off_refuse_everyone(tmp_path: Path) -> None:
    wiring = wiring_with(tmp_path / "state", **{config.LOCAL_SIGNIN: "off"})
    with pytest.raises(SignInRefused, match="switched off"):
        wiring.directory.authenticate("adm", "a long passphrase")
    wiring.close()


def test_local_sign_in_is_off_by_default_with_an_identity_provider_and_on_without() -> None:
    assert load_settings(OIDC).local_signin == "off"
    assert load_settings({}).local_signin == "all"
    assert load_settings({**OIDC, config.LOCAL_SIGNIN: "Administrators"}).local_signin == (
        "administrators"
    )


def test_an_unknown_local_sign_in_setting_is_refused_naming_it() -> None:
    with pytest.raises(ConfigurationError) as refused:
        load_settings({config.LOCAL_SIGNIN: "sometimes"})
    assert refused.value.key == config.LOCAL_SIGNIN
