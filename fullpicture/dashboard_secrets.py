"""The dashboard's secrets file: Streamlit reads its OpenID Connect settings (`[auth]`) from a
secrets.toml, so the dashboard command writes one from FullPicture's own settings, readable by
its owner only, and points Streamlit at it."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from fullpicture.config import Settings

SECRETS_FILE = "dashboard-secrets.toml"
COOKIE_SECRET_FILE = "cookie-secret"
OWNER_ONLY = 0o600


def write_private(path: Path, text: str) -> None:
    """Write a file nobody but its owner may read, even for a moment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, OWNER_ONLY)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)
    path.chmod(OWNER_ONLY)


def cookie_secret(settings: Settings) -> str:
    """The configured secret that signs the identity cookie, or one generated once and kept in
    the state folder (so sign-ins survive a restart of the dashboard)."""
    if settings.cookie_secret:
        return settings.cookie_secret
    path = settings.state_dir / COOKIE_SECRET_FILE
    if path.exists():
        kept = path.read_text(encoding="utf-8").strip()
        if kept:
            path.chmod(OWNER_ONLY)
            return kept
    generated = secrets.token_urlsafe(48)
    write_private(path, generated + "\n")
    return generated


def auth_section(settings: Settings) -> str:
    """Streamlit's `[auth]` section for the configured provider; empty without one."""
    provider = settings.oidc
    if provider is None:
        return ""
    values = {
        "redirect_uri": provider.redirect_uri,
        "cookie_secret": cookie_secret(settings),
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
        "server_metadata_url": provider.metadata_url,
    }
    # A TOML basic string is a JSON string (the same escapes).
    lines = ["[auth]", *(f"{key} = {json.dumps(value)}" for key, value in values.items())]
    lines += ["", "[auth.client_kwargs]", 'scope = "openid email profile"', 'prompt = "login"']
    return "\n".join(lines) + "\n"


def write_dashboard_secrets(settings: Settings) -> Path:
    """Write the secrets file the dashboard's Streamlit server reads (mode 0600)."""
    path = (settings.state_dir / SECRETS_FILE).resolve()
    header = "# Written by `fullpicture dashboard` from FULLPICTURE_OIDC_* settings; do not edit.\n"
    write_private(path, header + auth_section(settings))
    return path
