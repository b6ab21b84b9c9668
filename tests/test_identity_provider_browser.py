"""Identity bound to the provider, in a real browser against a real provider (Keycloak, started
by scripts/keycloak.sh): a person is linked to the provider's (`iss`, `sub`) once, by a verified
e-mail at first sign-in, and after that only the link counts; local passwords are off when the
provider is configured."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from fullpicture import config
from fullpicture.bootstrap import bootstrap
from fullpicture.config import load_settings
from fullpicture.tools.dashboard_bench import free_port, serving
from tests.keycloak import KeycloakAdmin, Realm, keycloak_url  # noqa: F401 - a session fixture
from tests.test_dashboard import demo_state  # noqa: F401 - the same synthetic partnership
from tests.test_dashboard_browser import (
    WAIT_MS,
    body_when,
    browser,  # noqa: F401 - a module fixture
    new_page,
    sign_in_at_provider,
)

NOT_LINKED = "not linked to anyone who is registered in FullPicture"


@contextmanager
def provider_and_dashboard(
    keycloak_url: str,  # noqa: F811
    state: Path,
    settings: dict[str, str] | None = None,
) -> Iterator[tuple[KeycloakAdmin, Realm, str]]:
    """A fresh realm whose client redirects to a dashboard served from `state` for the block."""
    port = free_port()
    admin = KeycloakAdmin(keycloak_url)
    realm = admin.create_realm(f"http://127.0.0.1:{port}/oauth2callback")
    oidc = {
        config.OIDC_ISSUER: realm.issuer,
        config.OIDC_CLIENT_ID: realm.client_id,
        config.OIDC_CLIENT_SECRET: realm.client_secret,
    }
    try:
        with serving(state, port, {**oidc, **(settings or {})}) as url:
            yield admin, realm, url
    finally:
        admin.delete_realm(realm)


def register(state: Path, user: str, name: str, email: str) -> None:
    wiring = bootstrap(load_settings({config.STATE_DIR: str(state)}))
    wiring.directory.register_person(
        user, name, ["safeguarding_lead"], agency="school-elm", email=email, by="test"
    )
    wiring.close()


def linked_identities(state: Path, user: str) -> list[tuple[str, str]]:
    wiring = bootstrap(load_settings({config.STATE_DIR: str(state)}))
    found = wiring.directory.linked_identities(user)
    wiring.close()
    return found


def test_a_provider_user_with_another_persons_unverified_email_is_refused(
    browser: Browser,  # noqa: F811
    keycloak_url: str,  # noqa: F811
    demo_state: Path,  # noqa: F811
) -> None:
    with provider_and_dashboard(keycloak_url, demo_state) as (admin, realm, url):
        admin.create_user(
            realm, "kc-impostor", "admin@demo.invalid", "Kc-password-3", email_verified=False
        )
        page = new_page(browser)
        sign_in_at_provider(page, url, "kc-impostor", "Kc-password-3")
        body = body_when(page, NOT_LINKED)
        assert "Demo Administrator" not in body and "Sign out of the identity provider" in body
        assert linked_identities(demo_state, "admin") == []
        page.context.close()


def test_a_linked_identity_still_signs_in_as_its_person_after_its_email_changes(
    browser: Browser,  # noqa: F811
    keycloak_url: str,  # noqa: F811
    demo_state: Path,  # noqa: F811
) -> None:
    register(demo_state, "linked.lead", "Linked School Lead", "linked.lead@demo.invalid")
    with provider_and_dashboard(keycloak_url, demo_state) as (admin, realm, url):
        admin.create_user(realm, "kc-linked", "linked.lead@demo.invalid", "Kc-password-4")
        page = new_page(browser)
        sign_in_at_provider(page, url, "kc-linked", "Kc-password-4")
        assert "Linked School Lead" in body_when(page, "Linked School Lead")
        subject = admin.subject(realm, "kc-linked")
        assert linked_identities(demo_state, "linked.lead") == [(realm.issuer, subject)]
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("heading", name="Sign in to FullPicture").wait_for(timeout=WAIT_MS)

        admin.change_email(realm, "kc-linked", "moved.lead@elsewhere.invalid")
        sign_in_at_provider(page, url, "kc-linked", "Kc-password-4")
        assert "Linked School Lead" in body_when(page, "Linked School Lead")
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("heading", name="Sign in to FullPicture").wait_for(timeout=WAIT_MS)
        page.context.close()

        # The person's old e-mail, verified on another provider account, counts for nothing now.
        admin.create_user(realm, "kc-second", "linked.lead@demo.invalid", "Kc-password-5")
        second = new_page(browser)
        sign_in_at_provider(second, url, "kc-second", "Kc-password-5")
        body = body_when(second, NOT_LINKED)
        assert "Linked School Lead" not in body
        assert linked_identities(demo_state, "linked.lead") == [(realm.issuer, subject)]
        second.context.close()


@pytest.mark.parametrize("setting", [{config.LOCAL_SIGNIN: "off"}, {}], ids=["off", "default"])
def test_local_sign_in_is_refused_when_local_sign_in_is_off(
    browser: Browser,  # noqa: F811
    keycloak_url: str,  # noqa: F811
    demo_state: Path,  # noqa: F811
    setting: dict[str, str],
) -> None:
    with provider_and_dashboard(keycloak_url, demo_state, setting) as (_, _, url):
        page = new_page(browser)
        page.goto(url)
        body = body_when(page, "Sign in with the partnership's identity provider")
        assert "Local passwords are switched off" in body
        assert page.get_by_label("Password", exact=True).count() == 0
        assert page.get_by_role("button", name="Sign in", exact=True).count() == 0
        page.context.close()
