"""Erasure proven byte by byte: a child's canaries are nowhere after the child is erased.

A unique canary is seeded in every personal field of a child's entries (and of an entry shared
with a sibling); the child is erased; the read models are rebuilt from the store (embedded) or
from the events topic (distributed), so that a key left behind would bring the content back; what
the servers keep is forced to disk; and every byte store (the whole PostgreSQL data directory,
write-ahead log included, a pg_dump, the Kafka log of the events topic, the state directory) is
scanned for the canaries, in plain text, base64 and Avro string form, and for the child's data
keys as stored. None may be found, while the sibling's entries read whole. The same scenario
with the key deletion disabled must find them.
"""

from __future__ import annotations

import base64
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from kafka.admin import ConfigResource, ConfigResourceType

from consumers import kafka_io
from consumers.feed_router import FeedRouter
from consumers.kafka_projector import KafkaProjector
from consumers.relay import Relay
from domain.child_keys import ChildKeys
from domain.drafts import Authorship
from domain.sealing import ERASED_CHILD
from fullpicture.bootstrap import Wiring
from fullpicture.config import Settings
from fullpicture.erasure import ErasureReport, shred_child
from projections.chronology import chronology_for
from schemas.codec import decode
from tests.builders import register_agencies
from tests.conftest import SERVICES
from tests.kafka_helpers import read_topic

ERASED, SIBLING = "C-0001", "C-0002"


def erase(wiring: Wiring, child_ref: str) -> ErasureReport:
    """The one way these tests erase: as `fullpicture erase` does, under a destroy decided by
    one administrator and approved by another, with no legal hold covering it."""
    directory, office = wiring.directory, wiring.records_office
    for user, by in (("dpo.lee", ""), ("caldicott.khan", "dpo.lee")):
        if directory.person(user) is None:
            directory.register_person(user, "Records Officer", ["administrator"], by=by)
    decision = office.decide("dpo.lee", child_ref, "destroy", "due under the schedule")
    office.approve("caldicott.khan", decision.decision_id)
    reports: list[ErasureReport] = []

    def shred(child: str, **decided: Any) -> ErasureReport:
        reports.append(shred_child(wiring, child, **decided))
        return reports[-1]

    office.erase("dpo.lee", child_ref, decision.decision_id, shred=shred)
    return reports[0]


@dataclass
class Canaries:
    """Unique strings, one per personal field, so a hit names the field it came from."""

    run: str = field(default_factory=lambda: uuid.uuid4().hex[:10])

    def __call__(self, name: str) -> str:
        return f"Canary{self.run}{name}"

    def seeded(self) -> list[str]:
        """The erased child's alone (the shared entry, and the author of the sibling's
        entries, stay with the sibling's record)."""
        return [self(name) for name in SEEDED_FIELDS if name not in SIBLINGS_TOO]


SEEDED_FIELDS = (
    "ShareSummary",
    "SharePractitioner",
    "ShareReason",
    "RequestSummary",
    "RequestReason",
    "VoiceWords",
    "VoiceSummary",
    "ConsentReason",
    "TransferReason",
    "DeclineReason",
    "SiblingSummary",
    "SiblingPractitioner",
    "Author",
)
SIBLINGS_TOO = ("SiblingSummary", "SiblingPractitioner", "Author")


def seed(wiring: Wiring, canary: Canaries) -> None:
    """The erased child's entries of every kind that carries free text, each personal field
    holding its canary; one entry shared with the sibling; the sibling's own entry."""
    app = wiring.partnership
    register_agencies(app)
    app.register_child(ERASED, "2014-02-11", "csc-north")
    app.register_child(SIBLING, "2016-09-23", "csc-north")
    author = Authorship(canary("Author"))
    rows = [
        {
            "kind": "share",
            "agency": "police-north",
            "entry_ref": "P-1",
            "child_ref": ERASED,
            "occurred_at": "2025-03-01",
            "summary": canary("ShareSummary"),
            "practitioner": canary("SharePractitioner"),
            "reason": canary("ShareReason"),
            "to_agencies": "school-elm",
            "channel": "written",
            "lawful_basis": "public_task",
            "consent": "not_sought_unsafe",
            "family_informed": "no_unsafe",
            "concerns": "domestic_abuse",
            "significance": "high",
        },
        {
            "kind": "request",
            "agency": "csc-north",
            "entry_ref": "R-1",
            "child_ref": ERASED,
            "occurred_at": "2025-03-02",
            "summary": canary("RequestSummary"),
            "reason": canary("RequestReason"),
            "to_agencies": "health-visiting",
        },
        {
            "kind": "decline",
            "agency": "health-visiting",
            "entry_ref": "D-1",
            "child_ref": ERASED,
            "occurred_at": "2025-03-03",
            "summary": "Declined.",
            "refers_to": "csc-north:R-1",
            "reason": canary("DeclineReason"),
        },
        {
            "kind": "voice",
            "agency": "school-elm",
            "entry_ref": "V-1",
            "child_ref": ERASED,
            "occurred_at": "2025-03-04",
            "summary": canary("VoiceSummary"),
            "child_words": canary("VoiceWords"),
            "captured_how": "direct_words",
        },
        {
            "kind": "consent",
            "agency": "csc-north",
            "entry_ref": "CD-1",
            "child_ref": ERASED,
            "occurred_at": "2025-03-05",
            "summary": "Consent decided.",
            "consent": "refused",
            "lawful_basis": "public_task",
            "reason": canary("ConsentReason"),
        },
        {
            "kind": "transfer",
            "agency": "csc-north",
            "entry_ref": "T-1",
            "child_ref": ERASED,
            "occurred_at": "2025-03-06",
            "summary": "Case closed.",
            "transfer": "closure",
            "reason": canary("TransferReason"),
        },
        {
            "kind": "concern",
            "agency": "school-elm",
            "entry_ref": "S-1",
            "child_ref": f"{ERASED};{SIBLING}",
            "occurred_at": "2025-03-07",
            "summary": canary("SiblingSummary"),
            "practitioner": canary("SiblingPractitioner"),
        },
        {
            "kind": "concern",
            "agency": "school-elm",
            "entry_ref": "S-2",
            "child_ref": SIBLING,
            "occurred_at": "2025-03-08",
            "summary": "The sibling's own entry stays.",
        },
    ]
    wiring.partnership.record_all(list(enumerate(rows, start=1)), author=author)


def forms(canary: str) -> list[bytes]:
    """The canary as plain text, as base64 (at each of the three alignments, less the edge
    characters that depend on neighbouring bytes) and as an Avro string (length, then UTF-8)."""
    raw = canary.encode()
    found = [raw]
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw)
        found.append(encoded[4 : len(encoded) - 4])
    found.append(_zigzag_varint(len(raw)) + raw)
    return found


def _zigzag_varint(n: int) -> bytes:
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while n & ~0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def hits(stores: dict[str, list[Path]], canaries: list[str]) -> list[str]:
    """`store file: canary` for each canary found in any form in any file of any store."""
    return found_in(stores, {canary: forms(canary) for canary in canaries})


def key_hits(stores: dict[str, list[Path]], stored_keys: list[str]) -> list[str]:
    """`store file: data key …` for each of the erased child's data keys still found, as stored
    (base64 of the key, wrapped where a cipher key is set) or as its bytes: a key left in any
    byte store opens every copy of the sealed events."""
    return found_in(
        stores,
        {f"data key {key[:8]}…": [key.encode(), base64.b64decode(key)] for key in stored_keys},
    )


def found_in(stores: dict[str, list[Path]], wanted: dict[str, list[bytes]]) -> list[str]:
    """`store file: name` for each wanted name any of whose forms is in a file of a store."""
    found = []
    for store, files in stores.items():
        for path in files:
            try:
                data = path.read_bytes()
            except FileNotFoundError:  # removed by the server since listed: it holds nothing now
                continue
            found.extend(
                f"{store} {path.name}: {name}"
                for name, variants in wanted.items()
                if any(v in data for v in variants)
            )
    return found


def files_under(*roots: Path) -> list[Path]:
    return [p for root in roots for p in sorted(root.rglob("*")) if p.is_file()]


def sibling_reads_whole(wiring: Wiring, canary: Canaries) -> None:
    rows = chronology_for(wiring.read_models.db, SIBLING)
    shared = next(r for r in rows if r.id == "school-elm:S-1")
    assert shared.summary == canary("SiblingSummary")
    assert shared.practitioner == canary("SiblingPractitioner")
    assert list(shared.child_refs) == [ERASED_CHILD, SIBLING]
    assert [r.id for r in rows] == ["school-elm:S-1", "school-elm:S-2"]
    assert chronology_for(wiring.read_models.db, ERASED) == []


@pytest.fixture
def key_deletion_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """The erasure with its one essential step left out: the keys stay."""
    monkeypatch.setattr(ChildKeys, "delete", lambda self, *args, **kwargs: 0)


# Embedded ---------------------------------------------------------------------------------------


def embedded_sweep(wiring: Wiring, canary: Canaries) -> list[str]:
    seed(wiring, canary)
    wiring.projection.catch_up()
    state = wiring.settings.state_dir
    assert hits({"state": files_under(state)}, canary.seeded()), "the sweep finds nothing to find"
    keys = embedded_stored_keys(state, ERASED)
    assert key_hits({"state": files_under(state)}, keys), "the sweep finds no key to find"
    erase(wiring, ERASED)
    wiring.projection.rebuild()
    wiring.close()
    for database in state.glob("*.sqlite"):
        force_sqlite_to_disk(database)
    stores = {"state": files_under(state)}
    found = hits(stores, canary.seeded()) + key_hits(stores, keys)
    if not found:
        sibling_reads_whole(wiring, canary)
    return found


def embedded_stored_keys(state: Path, child_ref: str) -> list[str]:
    """The child's data keys as the embedded key table holds them."""
    import sqlite3

    for database in state.glob("*.sqlite"):
        connection = sqlite3.connect(database)
        try:
            return [
                key
                for (key,) in connection.execute(
                    "SELECT data_key FROM child_data_keys WHERE child_ref = ?", (child_ref,)
                )
            ]
        except sqlite3.OperationalError:
            continue
        finally:
            connection.close()
    raise AssertionError(f"no key table under {state}")


def force_sqlite_to_disk(path: Path) -> None:
    """SQLite's equivalent of VACUUM FULL and a checkpoint: the file rewritten without its free
    pages, the write-ahead log folded in and emptied."""
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        connection.execute("VACUUM")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def test_an_erased_embedded_childs_canaries_are_in_no_byte_while_the_sibling_reads_whole(
    embedded_settings: Settings, wiring_for: Callable[[Settings], Wiring]
) -> None:
    assert embedded_sweep(wiring_for(embedded_settings), Canaries()) == []


def test_the_embedded_sweep_finds_the_canaries_when_the_key_deletion_is_skipped(
    embedded_settings: Settings,
    wiring_for: Callable[[Settings], Wiring],
    key_deletion_skipped: None,
) -> None:
    found = embedded_sweep(wiring_for(embedded_settings), Canaries())
    assert any("VoiceWords" in hit for hit in found), found
    assert any("data key" in hit for hit in found), found


# PostgreSQL and Kafka ---------------------------------------------------------------------------


def kafka_log_dir() -> Path:
    """The broker's log directory (scripts/services.sh: `log.dirs=$KAFKA_RUN/data`)."""
    port = SERVICES["FULLPICTURE_KAFKA_BOOTSTRAP"].rpartition(":")[2]
    cache = Path.home() / ".cache" / "fullpicture"
    return cache / f"kafka-run-{port}" / "data"


def postgres_data_dir(url: str) -> Path:
    """The server's whole data directory: every database's relation files, the write-ahead log
    (`pg_wal`), the commit log and the rest."""
    clusters = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout
    port = url.rpartition(":")[2].partition("/")[0]
    return Path(next(line.split()[5] for line in clusters.splitlines() if line.split()[2] == port))


def postgres_stored_keys(url: str, child_ref: str) -> list[str]:
    """The child's data keys as the key table holds them (read as the server's superuser)."""
    sql = f"SELECT data_key FROM child_data_keys WHERE child_ref = '{child_ref}'"
    return as_server_superuser("psql", url, "-At", "-c", sql).decode().split()


def as_server_superuser(program: str, url: str, *args: str, given: bytes | None = None) -> bytes:
    """A PostgreSQL client run as the server's own superuser (peer authentication on the local
    socket), as the server's administrator takes a backup: no application role may read every
    table and sequence, nor force a checkpoint."""
    port = url.rpartition(":")[2].partition("/")[0]
    command = ["runuser", "-u", "postgres", "--", program, "-h", "/var/run/postgresql"]
    command += ["-p", port, "-d", url.rpartition("/")[2], *args]
    done = subprocess.run(command, capture_output=True, input=given)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def force_postgres_to_disk(url: str) -> None:
    """Dead rows rewritten away (VACUUM FULL), then the write-ahead log that recorded them
    closed and passed by a checkpoint, so the server removes its segment: what an erasure
    leaves in the live WAL until the server's next checkpoint after a segment switch (with
    `wal_recycle = off`, scripts/services.sh: a recycled segment would keep its old bytes
    under a new name until overwritten)."""
    recycling = as_server_superuser("psql", url, "-At", "-c", "SHOW wal_recycle").strip()
    assert recycling == b"off", "the server reuses WAL segments: start it by scripts/services.sh"
    as_server_superuser(
        "psql",
        url,
        *("-c", "VACUUM FULL", "-c", "CHECKPOINT"),
        *("-c", "SELECT pg_switch_wal()", "-c", "CHECKPOINT"),
    )


def roll_segments(settings: Settings, topics: list[str]) -> None:
    """Close each partition's active segment (Kafka forgets only closed segments): a segment
    older than a few milliseconds is rolled as the next message arrives."""
    admin = kafka_io.admin(settings)
    try:
        admin.alter_configs(
            [
                ConfigResource(ConfigResourceType.TOPIC, t, configs={"segment.ms": "10"})
                for t in topics
            ]
        )
    finally:
        admin.close()


def pg_dump(url: str, into: Path) -> Path:
    into.write_bytes(as_server_superuser("pg_dump", url))
    return into


def distributed_sweep(wiring: Wiring, canary: Canaries, tmp_path: Path) -> list[str]:
    settings = wiring.settings
    url = settings.database.url
    seed(wiring, canary)
    Relay(settings, wiring.partnership, wiring.read_model_database()).run(once=True)
    KafkaProjector(settings, wiring.read_models).run(once=True)
    FeedRouter(settings).run(once=True)
    before = pg_dump(url, tmp_path / "before.sql")
    assert hits({"pg_dump": [before]}, canary.seeded()), "the sweep finds nothing to find"
    before.unlink()
    keys = postgres_stored_keys(url, ERASED)
    assert keys, "the sweep finds no key to find"
    events = settings.topics.events
    roll_segments(settings, [events])

    report = erase(wiring, ERASED)
    assert report.feeds_told == ["csc-north", "health-visiting", "police-north", "school-elm"]
    # The ledger event reaches the topic (after segment.ms: the active segments roll).
    Relay(settings, wiring.partnership, wiring.read_model_database()).run(once=True)
    wiring.projection.rebuild()
    force_postgres_to_disk(url)

    topic_logs = [d for d in kafka_log_dir().iterdir() if d.name.startswith(f"{events}-")]
    assert topic_logs, f"no log directory for {events} under {kafka_log_dir()}"
    stores = {
        "postgresql": files_under(postgres_data_dir(url)),
        "pg_dump": [pg_dump(url, tmp_path / "after.sql")],
        "kafka events log": files_under(*topic_logs),
        "state": files_under(settings.state_dir),
    }
    assert all(stores.values()), {store: len(files) for store, files in stores.items()}
    found = hits(stores, canary.seeded()) + key_hits(stores, keys)
    if not found:
        sibling_reads_whole(wiring, canary)
    return found


@pytest.mark.postgres
@pytest.mark.kafka
def test_an_erased_childs_canaries_are_in_no_byte_of_postgresql_or_kafka(
    distributed_settings: Settings, wiring_for: Callable[[Settings], Wiring], tmp_path: Path
) -> None:
    wiring = wiring_for(distributed_settings)
    assert distributed_sweep(wiring, Canaries(), tmp_path) == []


@pytest.mark.postgres
@pytest.mark.kafka
def test_the_postgresql_and_kafka_sweep_finds_the_canaries_when_the_key_deletion_is_skipped(
    distributed_settings: Settings,
    wiring_for: Callable[[Settings], Wiring],
    tmp_path: Path,
    key_deletion_skipped: None,
) -> None:
    found = distributed_sweep(wiring_for(distributed_settings), Canaries(), tmp_path)
    assert any("VoiceWords" in hit for hit in found), found
    assert any("data key" in hit for hit in found), found


# What the feeds and the ledger topic are told ---------------------------------------------------


@pytest.mark.postgres
@pytest.mark.kafka
def test_each_feed_that_carried_the_childs_entries_is_told_and_the_ledger_is_kept_on_its_topic(
    distributed_settings: Settings, wiring_for: Callable[[Settings], Wiring]
) -> None:
    # Given a child whose entries reached the police's and the school's feeds
    wiring = wiring_for(distributed_settings)
    seed(wiring, Canaries())
    Relay(distributed_settings, wiring.partnership, wiring.read_model_database()).run(once=True)
    KafkaProjector(distributed_settings, wiring.read_models).run(once=True)
    FeedRouter(distributed_settings).run(once=True)
    # When the child is erased, twice (an erasure is idempotent)
    first = erase(wiring, ERASED)
    again = shred_child(
        wiring,
        ERASED,
        decision_id=first.decision_id,
        decided_by="dpo.lee",
        approved_by="caldicott.khan",
    )
    # Then the police's feed has a RecordsErased notice naming the entries it carried
    topics = distributed_settings.topics
    notices = [
        decode(m.value)
        for m in read_topic(distributed_settings, topics.feed("police-north"))
        if kafka_io.header(m.headers, "event_type") == "RecordsErased"
    ]
    assert notices and notices[0]["entry_ids"] == ["police-north:P-1"]
    assert {n["event_id"] for n in notices} == {notices[0]["event_id"]}  # the same notice
    assert notices[0]["child_ref"] == ERASED and notices[0]["decision_id"] == first.decision_id
    # And the ledger is on <prefix>.erasures, once per erasure (a compacted topic's key)
    ledger = read_topic(distributed_settings, topics.erasures)
    assert {m.key.decode() for m in ledger} == {first.ledger_id}
    assert (again.ledger_id, again.already_recorded, again.keys_deleted) == (
        first.ledger_id,
        True,
        0,
    )
    assert first.keys_deleted == 4  # one per agency that recorded about the child
