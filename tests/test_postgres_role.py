"""The application's PostgreSQL role may read and append to the event stores and nothing more;
an owner role makes them (TRUST.md, "Servers")."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from domain import child_keys
from fullpicture import config
from fullpicture.bootstrap import ACCESS_LOG_STORE, Wiring, open_event_store
from fullpicture.cli import main
from fullpicture.config import Settings, load_settings
from fullpicture.event_store import EventTableMissing
from fullpicture.store_privileges import event_table_names
from tests.builders import entry, register_agencies
from tests.conftest import SERVICES_ENV, in_database, postgres_app_url, postgres_owner_url

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


def test_the_owner_role_owns_the_databases_and_the_application_role_makes_its_own_read_models(
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
        assert (owner, me) == ("fullpicture_owner", "fullpicture")


def stores_holding_events(settings: Settings, wiring_for: Callable[[Settings], Wiring]) -> None:
    """Each event store with an event in it, written as the application role."""
    wiring = wiring_for(settings)
    register_agencies(wiring.partnership)
    wiring.partnership.record(entry("concern", entry_ref="R-1"))
    wiring.directory.register_person("admin1", "Ada Admin", ["administrator"], by="admin1")
    wiring.access_log.record(user="admin1", child_refs=["C-0001"], view="chronology")
    wiring.disposition.place_hold("HOLD-1", "an inquiry's notice", by="admin1", everything=True)
    wiring.close()


CHANGES = {
    "DELETE": "DELETE FROM {table}",
    "UPDATE": "UPDATE {table} SET topic = topic",
    "TRUNCATE": "TRUNCATE {table}",
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_as_the_application_role_no_event_table_can_be_changed_or_emptied(
    change: str, postgres_settings: Settings, wiring_for: Callable[[Settings], Wiring]
) -> None:
    # Given every event store holding events the application role wrote
    stores_holding_events(postgres_settings, wiring_for)
    # When the application role tries to change or empty any event table,
    # Then PostgreSQL refuses with a permission error and every event is still there
    for table in event_table_names():
        with psycopg.connect(postgres_settings.database.url) as connection:
            before = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
                connection.execute(CHANGES[change].format(table=table))
            connection.rollback()
            assert before is not None and before[0] >= 1
            assert connection.execute(f"SELECT count(*) FROM {table}").fetchone() == before


def test_the_shared_database_s_event_tables_refuse_changes_by_the_application_role() -> None:
    with psycopg.connect(postgres_app_url()) as connection:
        for table in event_table_names():
            for statement in CHANGES.values():
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    connection.execute(statement.format(table=table))
                connection.rollback()


def test_the_application_role_does_not_make_event_tables_in_a_database_it_does_not_own(
    new_postgres_database: Callable[[], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a database whose access log table the owner has not made (yet)
    url = new_postgres_database()
    owner_url = in_database(postgres_owner_url(), url.rpartition("/")[2])
    with (
        psycopg.connect(url, autocommit=True) as connection,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="must be owner"),
    ):
        connection.execute("DROP TABLE accesslog_events")
    with psycopg.connect(owner_url, autocommit=True) as connection:
        connection.execute("DROP TABLE accesslog_events")
    settings = load_settings({config.DATABASE_URL: url, config.STATE_DIR: str(tmp_path)})
    # When the application opens the access log, Then it is told to run `init` as the owner
    with pytest.raises(EventTableMissing, match="fullpicture init"):
        open_event_store(ACCESS_LOG_STORE, settings)
    # And `fullpicture init` with the owner's URL makes it, appendable only
    monkeypatch.setenv(config.DATABASE_URL, url)
    monkeypatch.setenv(config.OWNER_DATABASE_URL, owner_url)
    monkeypatch.setenv(config.STATE_DIR, str(tmp_path))
    assert main(["init", "--administrator", "admin1"]) == 0
    log = open_event_store(ACCESS_LOG_STORE, settings)
    log.record(user="admin1", child_refs=["C-0001"], view="chronology")
    log.close()
    with psycopg.connect(url) as connection, pytest.raises(psycopg.errors.InsufficientPrivilege):
        connection.execute("DELETE FROM accesslog_events")


def test_the_servers_postgresql_asks_every_role_for_a_generated_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the PostgreSQL `make services` started, and no password file or variable to fall on
    monkeypatch.setenv("PGPASSFILE", "/dev/null")
    monkeypatch.delenv("PGPASSWORD", raising=False)
    for url in (postgres_app_url(), postgres_owner_url()):
        parts = config.Database(url).postgres_parts()
        # Then its password is not the role's name (fixed passwords of an older setup)
        assert len(parts["password"]) >= 24 and parts["password"] != parts["user"]
        # And a connection without it, or with a wrong one, is refused on loopback and socket
        for host in (parts["host"], "/var/run/postgresql"):
            for password in ("", "wrong-" + parts["password"]):
                with pytest.raises(psycopg.OperationalError, match="password"):
                    psycopg.connect(
                        host=host,
                        port=parts["port"],
                        user=parts["user"],
                        dbname=parts["dbname"],
                        password=password,
                        connect_timeout=5,
                    ).close()


def test_the_services_file_holding_the_passwords_is_readable_by_its_owner_only() -> None:
    assert SERVICES_ENV.exists(), "run `make services`"
    assert SERVICES_ENV.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("change", ["UPDATE {table} SET data_key = ''", "TRUNCATE {table}"])
def test_as_the_application_role_a_data_key_may_be_deleted_but_never_replaced_or_all_emptied(
    change: str, postgres_settings: Settings, wiring_for: Callable[[Settings], Wiring]
) -> None:
    # Given a child's data key, made by the application role as the child's entry was recorded
    wiring = wiring_for(postgres_settings)
    register_agencies(wiring.partnership)
    wiring.partnership.record(entry("concern"))
    with psycopg.connect(postgres_settings.database.url) as connection:
        # When the application role tries to replace the keys or empty the table, it is refused
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            connection.execute(change.format(table=child_keys.TABLE))
        connection.rollback()
        # Then deleting one child's keys (an erasure) is allowed
        deleted = connection.execute(
            f"DELETE FROM {child_keys.TABLE} WHERE child_ref = %s RETURNING agency", ("C-0001",)
        ).fetchall()
        assert deleted == [("school-elm",)]
