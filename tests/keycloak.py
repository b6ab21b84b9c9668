"""A real OpenID Connect provider for the dashboard's sign-in tests: the Keycloak that
`scripts/keycloak.sh` runs, set up through its admin REST API (a realm, a confidential client
with the dashboard's redirect URI, and users)."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "keycloak.sh"
# The loopback test server's admin, as scripts/keycloak.sh creates it.
ADMIN = os.environ.get("FULLPICTURE_KEYCLOAK_ADMIN", "admin")
ADMIN_PASSWORD = os.environ.get("FULLPICTURE_KEYCLOAK_ADMIN_PASSWORD", "fullpicture-keycloak-admin")


@dataclass(frozen=True)
class Realm:
    base_url: str
    name: str
    client_id: str
    client_secret: str

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/realms/{self.name}"


class KeycloakAdmin:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._token = self._admin_token()

    def _admin_token(self) -> str:
        form = urllib.parse.urlencode(
            {
                "grant_type": "password",
                "client_id": "admin-cli",
                "username": ADMIN,
                "password": ADMIN_PASSWORD,
            }
        ).encode()
        url = f"{self.base_url}/realms/master/protocol/openid-connect/token"
        with urllib.request.urlopen(url, data=form, timeout=30) as answer:
            return str(json.load(answer)["access_token"])

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One admin REST call; its JSON answer, if it has one. The admin token lives a minute:
        a call after a longer test gets a fresh one."""
        try:
            return self._call(method, path, body)
        except urllib.error.HTTPError as refused:
            if refused.code != 401:
                raise
            self._token = self._admin_token()
            return self._call(method, path, body)

    def _call(self, method: str, path: str, body: dict[str, Any] | None) -> Any:
        request = urllib.request.Request(
            f"{self.base_url}/admin/realms{path}",
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            text = answer.read()
        return json.loads(text) if text else None

    def create_realm(self, redirect_uri: str) -> Realm:
        realm = Realm(
            self.base_url,
            f"fullpicture-{uuid.uuid4().hex[:8]}",
            "fullpicture-dashboard",
            uuid.uuid4().hex,
        )
        self.call("POST", "", {"realm": realm.name, "enabled": True})
        self.call(
            "POST",
            f"/{realm.name}/clients",
            {
                "clientId": realm.client_id,
                "enabled": True,
                "protocol": "openid-connect",
                "publicClient": False,
                "clientAuthenticatorType": "client-secret",
                "secret": realm.client_secret,
                "standardFlowEnabled": True,
                "directAccessGrantsEnabled": False,
                "redirectUris": [redirect_uri],
                "attributes": {"post.logout.redirect.uris": redirect_uri},
            },
        )
        return realm

    def create_user(
        self, realm: Realm, user: str, email: str, password: str, email_verified: bool = True
    ) -> None:
        self.call(
            "POST",
            f"/{realm.name}/users",
            {
                "username": user,
                "email": email,
                "emailVerified": email_verified,
                "enabled": True,
                "firstName": "Synthetic",
                "lastName": user.title(),
                "credentials": [{"type": "password", "value": password, "temporary": False}],
            },
        )

    def subject(self, realm: Realm, user: str) -> str:
        """The provider's `sub` for a user: Keycloak's own id for them."""
        query = urllib.parse.urlencode({"username": user, "exact": "true"})
        return str(self.call("GET", f"/{realm.name}/users?{query}")[0]["id"])

    def change_email(self, realm: Realm, user: str, email: str) -> None:
        """The user's e-mail changed at the provider (and verified there)."""
        path = f"/{realm.name}/users/{self.subject(realm, user)}"
        self.call("PUT", path, {**self.call("GET", path), "email": email, "emailVerified": True})

    def delete_realm(self, realm: Realm) -> None:
        self.call("DELETE", f"/{realm.name}")


@pytest.fixture(scope="session")
def keycloak_url() -> Iterator[str]:
    """Keycloak on loopback: started by scripts/keycloak.sh (fetched from Maven Central on
    first use) and stopped again if this session started it."""
    was_up = subprocess.run(["bash", str(SCRIPT), "status"], capture_output=True).returncode == 0
    started = subprocess.run(
        ["bash", str(SCRIPT), "up"], capture_output=True, text=True, timeout=600
    )
    if started.returncode != 0:
        pytest.fail(f"scripts/keycloak.sh up failed:\n{started.stderr[-3000:]}")
    yield started.stdout.strip().splitlines()[-1]
    if not was_up:
        subprocess.run(["bash", str(SCRIPT), "down"], capture_output=True, timeout=120)
