"""Signing in to the dashboard, around the pages: the OpenID Connect settings, the secrets file
the dashboard command writes for Streamlit, the idle limit across reloads, and the demo's people."""

from __future__ import annotations

import os
import stat
import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dashboard.session import IdentityActivity
from fullpicture import cli, config
from fullpicture.bootstrap import bootstrap
from fullpicture.config import ConfigurationError, load_settings
from fullpicture.dashboard_secrets import COOKIE_SECRET_FILE, write_dashboard_secrets
from fullpicture.demo_accounts import DEMO_PASSWORD, DEMO_PEOPLE, DEMO_REVIEW

OIDC = {
    config.OIDC_ISSUER: "https://id.partnership.invalid/realms/north",
    config.OIDC_CLIENT_ID: "fullpicture-dashboard",
    config.OIDC_CLIENT_SECRET: "a-synthetic-client-secret",
}
NOON = datetime(2025, 6, 30, 12, 0, 0)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_without_an_identity_provider_only_local_accounts_sign_in(tmp_path: Path) -> None:
    settings = load_settings({config.STATE_DIR: str(tmp_path)})
    assert settings.oidc is None
    secrets = write_dashboard_secrets(settings)
    assert "auth" not in tomllib.loads(secrets.read_text())
    assert mode(secrets) == 0o600


@pytest.mark.parametrize("missing", sorted(OIDC))
def test_an_identity_provider_needs_issuer_client_id_and_secret(missing: str) -> None:
    partial = {k: v for k, v in OIDC.items() if k != missing}
    with pytest.raises(ConfigurationError) as refused:
        load_settings(partial)
    assert refused.value.key == missing


def test_the_redirect_uri_must_be_streamlits_callback() -> None:
    with pytest.raises(ConfigurationError) as refused:
        load_settings({**OIDC, config.OIDC_REDIRECT_URI: "https://dash.invalid/callback"})
    assert refused.value.key == config.OIDC_REDIRECT_URI


def test_the_secrets_file_carries_the_provider_and_a_kept_cookie_secret(tmp_path: Path) -> None:
    settings = load_settings({config.STATE_DIR: str(tmp_path), **OIDC})
    auth = tomllib.loads(write_dashboard_secrets(settings).read_text())["auth"]
    assert auth["server_metadata_url"] == (
        "https://id.partnership.invalid/realms/north/.well-known/openid-configuration"
    )
    assert auth["client_id"] == "fullpicture-dashboard"
    assert auth["client_secret"] == "a-synthetic-client-secret"
    assert auth["redirect_uri"] == "http://127.0.0.1:{port}/oauth2callback"
    assert len(auth["cookie_secret"]) >= 32
    assert mode(tmp_path / COOKIE_SECRET_FILE) == 0o600
    again = tomllib.loads(write_dashboard_secrets(settings).read_text())["auth"]
    assert again["cookie_secret"] == auth["cookie_secret"]  # sign-ins survive a restart


def test_a_configured_cookie_secret_is_used_and_nothing_is_generated(tmp_path: Path) -> None:
    settings = load_settings(
        {config.STATE_DIR: str(tmp_path), config.COOKIE_SECRET: "x" * 40, **OIDC}
    )
    auth = tomllib.loads(write_dashboard_secrets(settings).read_text())["auth"]
    assert auth["cookie_secret"] == "x" * 40
    assert not (tmp_path / COOKIE_SECRET_FILE).exists()


def test_an_identity_used_within_thirty_minutes_resumes_after_a_reload() -> None:
    activity = IdentityActivity()
    assert activity.resume("subject:1", issued_at=NOON, now=NOON + timedelta(minutes=20))
    assert activity.resume("subject:1", issued_at=NOON, now=NOON + timedelta(minutes=45))


def test_an_identity_idle_for_thirty_minutes_needs_a_new_sign_in_at_the_provider() -> None:
    activity = IdentityActivity()
    assert activity.resume("subject:1", issued_at=NOON, now=NOON + timedelta(minutes=5))
    assert not activity.resume("subject:1", issued_at=NOON, now=NOON + timedelta(minutes=36))
    assert not activity.resume("subject:1", issued_at=NOON, now=NOON + timedelta(minutes=37))
    assert activity.resume(
        "subject:2", issued_at=NOON + timedelta(minutes=37), now=NOON + timedelta(minutes=37)
    )


def test_a_signed_out_identity_cannot_resume_from_its_cookie() -> None:
    activity = IdentityActivity()
    assert activity.resume("subject:1", issued_at=NOON, now=NOON)
    activity.end("subject:1")
    assert not activity.resume("subject:1", issued_at=NOON, now=NOON + timedelta(minutes=1))


def test_the_demo_registers_every_role_once_and_only_its_dashboard_is_in_demo_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(config.STATE_DIR, str(tmp_path / "state"))
    monkeypatch.setenv(config.DEMO, "1")  # set by hand: `fullpicture dashboard` clears it
    started: list[tuple[list[str], dict[str, Any]]] = []
    monkeypatch.setattr(os, "execve", lambda _, argv, env: started.append((argv, env)))
    demo = ["demo", "--children", "12", "--seed", "3", "--port", "8599"]
    assert cli.main(demo) == 0
    assert cli.main(demo) == 0  # again: the same people, the same grant
    assert cli.main(["dashboard", "--port", "8599"]) == 0

    wiring = bootstrap(load_settings({config.STATE_DIR: str(tmp_path / "state")}))
    people = wiring.directory.people()
    assert sorted(p.user for p in people) == sorted(u for u, *_ in DEMO_PEOPLE)
    assert {r for p in people for r in p.roles} == {
        "practitioner",
        "safeguarding_lead",
        "case_reviewer",
        "analyst",
        "administrator",
    }
    assert wiring.directory.authenticate("police.lead", DEMO_PASSWORD).agency == "police-north"
    grants = wiring.directory.reviews_for("reviewer")
    assert [(g.review, len(g.children)) for g in grants] == [(DEMO_REVIEW, 3)]
    # No repeats: each person and password once, the grant and its approval, the sign-in above.
    assert wiring.directory.recorder.max_notification_id() == len(people) * 2 + 3
    wiring.close()

    (demo_argv, demo_env), _, (plain_argv, plain_env) = started
    assert demo_env[config.DEMO] == "1"
    assert config.DEMO not in plain_env
    secrets = Path(plain_argv[plain_argv.index("--secrets.files") + 1])
    assert secrets.exists() and mode(secrets) == 0o600
