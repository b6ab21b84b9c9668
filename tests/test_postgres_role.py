"""The application's PostgreSQL role owns its database and may do nothing else (TRUST.md)."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from tests.conftest import postgres_app_url

pytestmark = pytest.mark.postgres


def role_attributes(url: str) -> tuple[str, bool, bool, bool]:
    with psycopg.connect(url) as connection:
        row = connection.execute(
            "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles "
            "WHERE rolname = current_user"
        ).fetchone()
    assert row is not None
    return row


def test_the_application_role_is_not_a_superuser_and_cannot_create_roles_or_databases() -> None:
    url = postgres_app_url()
    _, superuser, create_database, create_role = role_attributes(url)
    assert (superuser, create_database, create_role) == (False, False, False)
    name = f"fp_refused_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as connection:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute(f"CREATE DATABASE {name}")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute(f"CREATE ROLE {name}")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute("ALTER ROLE CURRENT_USER SUPERUSER")


def test_the_application_role_owns_its_database_and_the_databases_made_for_it(
    postgres_url: str,
) -> None:
    for url in (postgres_app_url(), postgres_url):
        with psycopg.connect(url) as connection:
            owner, me = connection.execute(
                "SELECT pg_get_userbyid(datdba), current_user FROM pg_database "
                "WHERE datname = current_database()"
            ).fetchone() or ("", "")
            connection.execute("CREATE TABLE owned_here (n integer)")
            connection.rollback()
        assert owner == me
