"""Stored events: older versions still load, and encryption at rest works by configuration."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.cipher import AESCipher
from eventsourcing.persistence import IntegrityError
from psycopg import pq

from domain.access_log import AccessLog
from domain.application import Partnership
from fullpicture import config
from fullpicture.bootstrap import ACCESS_LOG_RECORDER_TOPIC, event_store_env
from fullpicture.config import Settings, load_settings
from fullpicture.event_store import BinaryBatchRecorder, OneTripRecorder
from tests.builders import entry, register_agencies, stored_before_sealing


def database_bytes(path: Path) -> bytes:
    """The database file and its write-ahead log, wherever the rows currently are."""
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_a_version_1_child_voice_event_still_loads(embedded_partnership: Partnership) -> None:
    # Given a voice event stored in its version 1 shape ("words", no "captured_how")
    app = embedded_partnership
    register_agencies(app)
    app.record(entry("voice", entry_ref="V-OLD"))
    [stored] = app.recorder.select_events(app.find_entry_uuid("school-elm:V-OLD"))
    state = stored_before_sealing(app, stored)
    state.pop("class_version", None)
    state["words"] = state.pop("child_words")
    del state["captured_how"]
    old = replace(stored, state=json.dumps(state).encode(), originator_version=1)
    app.recorder.insert_events([replace(old, originator_id=app.find_entry_uuid("school-elm:V-V1"))])
    # When it is loaded, Then it reads as version 2
    loaded = app.find_entry("school-elm:V-V1")
    assert loaded is not None
    assert (loaded.child_words, loaded.captured_how) == (
        "I don't like it when they shout.",
        "other",
    )


def test_events_are_encrypted_at_rest_when_a_cipher_key_is_set(
    tmp_path: Path,
    clock,  # type: ignore[no-untyped-def]
) -> None:
    key = AESCipher.create_key(num_bytes=32)
    settings = load_settings({config.STATE_DIR: str(tmp_path), config.CIPHER_KEY: key})
    app = Partnership(env=event_store_env(settings), now=clock)
    register_agencies(app)
    app.record(entry("voice", child_words="A distinctive synthetic phrase"))
    assert app.find_entry("school-elm:VOICE-1").child_words == "A distinctive synthetic phrase"
    app.close()
    assert b"distinctive synthetic phrase" not in database_bytes(settings.database.sqlite_path)
    wrong_key = load_settings(
        {config.STATE_DIR: str(tmp_path), config.CIPHER_KEY: AESCipher.create_key(num_bytes=32)}
    )
    with pytest.raises(Exception):  # noqa: B017 - any decryption failure will do
        Partnership(env=event_store_env(wrong_key), now=clock).find_entry("school-elm:VOICE-1")


def test_without_a_cipher_key_events_are_plain_json_with_personal_content_sealed(
    tmp_path: Path,
    clock,  # type: ignore[no-untyped-def]
) -> None:
    settings = load_settings({config.STATE_DIR: str(tmp_path)})
    app = Partnership(env=event_store_env(settings), now=clock)
    register_agencies(app)
    app.record(entry("voice", child_words="A distinctive synthetic phrase"))
    assert app.find_entry("school-elm:VOICE-1").child_words == "A distinctive synthetic phrase"
    app.close()
    stored = database_bytes(settings.database.sqlite_path)
    assert b'"entry_ref":"VOICE-1"' in stored.replace(b" ", b"")
    assert b"distinctive synthetic phrase" not in stored


@pytest.mark.postgres
def test_a_batch_sent_to_postgresql_in_binary_reads_back_byte_for_byte(
    postgres_settings,
    clock,  # type: ignore[no-untyped-def]
) -> None:
    # Given the PostgreSQL store, whose recorder sends each batch in binary
    app = Partnership(env=event_store_env(postgres_settings), now=clock)
    try:
        assert isinstance(app.recorder, BinaryBatchRecorder)
        register_agencies(app)
        # When a batch with quotes, backslashes and non-ASCII text is recorded
        summary = 'She said "it\'s fine" \\ then cried; café, naïve, 🙂'
        rows = [(n, entry("concern", entry_ref=f"B-{n}", summary=summary)) for n in range(50)]
        app.record_all(rows)
        # Then every event reads back as recorded
        stored = app.recorder.select_events(app.find_entry_uuid("school-elm:B-49"))
        # (the stored JSON holds the summary sealed: the mapper opens it, checking every byte)
        assert "summary" not in json.loads(stored[0].state)
        assert app.mapper.to_domain_event(stored[0]).summary == summary  # type: ignore[attr-defined]
        assert app.find_entry("school-elm:B-0").summary == summary  # type: ignore[union-attr]
        assert app.recorder.max_notification_id() == len(app.recorder.select_notifications(1, 1000))
    finally:
        app.close()


def an_access(child: str) -> dict[str, Any]:
    return {"user": "rev", "role": "case_reviewer", "child_refs": [child], "view": "chronology"}


@pytest.mark.postgres
def test_an_access_event_is_written_to_postgresql_in_one_round_trip(
    postgres_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the access log on PostgreSQL, which has read where its hash chain ends (once per
    # process, with its first access), every message its connections send traced
    log = AccessLog(
        env=event_store_env(postgres_settings, recorder_topic=ACCESS_LOG_RECORDER_TOPIC)
    )
    assert isinstance(log.recorder, OneTripRecorder)
    log.record(**an_access("C-0000"))
    datastore = log.recorder.datastore
    untraced = datastore.get_connection
    trace_path = tmp_path / "protocol.trace"

    @contextmanager
    def traced() -> Iterator[Any]:
        with untraced() as conn, trace_path.open("a") as trace:
            conn.pgconn.trace(trace.fileno())
            conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
            try:
                yield conn
            finally:
                conn.pgconn.untrace()

    monkeypatch.setattr(datastore, "get_connection", traced)
    try:
        # When one access is recorded
        log.record(**an_access("C-0001"))
        # Then the client waited for the server once (one Sync), and the event is stored
        sent = [line for line in trace_path.read_text().splitlines() if line.startswith("F")]
        assert sum("\tSync" in line for line in sent) == 1
        assert any("\tQuery\t" in line or "\tParse\t" in line for line in sent)
        assert [a.child_refs for a in log.accesses()] == [("C-0000",), ("C-0001",)]
    finally:
        log.close()


@pytest.mark.postgres
def test_an_access_event_that_clashes_is_refused_and_the_log_goes_on(
    postgres_settings: Settings,
) -> None:
    # Given an access log on PostgreSQL holding one access
    log = AccessLog(
        env=event_store_env(postgres_settings, recorder_topic=ACCESS_LOG_RECORDER_TOPIC)
    )
    try:
        log.record(**an_access("C-0001"))
        # When the same event is written again, Then it is refused, and the next access is kept
        [stored] = log.recorder.select_notifications(start=1, limit=10)
        with pytest.raises(IntegrityError):
            log.recorder.insert_events([stored])
        log.record(**an_access("C-0002"))
        assert [a.child_refs for a in log.accesses()] == [("C-0001",), ("C-0002",)]
    finally:
        log.close()
