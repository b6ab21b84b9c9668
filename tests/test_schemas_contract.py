"""The Avro contracts are a public interface: complete, documented, evolvable, readable by all."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path
from typing import Any

import avro.io
import avro.schema
import pytest
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType
from fastavro import schemaless_writer

from consumers.erasure_notices import notice
from domain.access_log import AccessLog, AccessRecorded
from domain.agencies import AgencyRegistered
from domain.alert_reviews import AlertReviewed
from domain.application import Partnership
from domain.children import ChildRegistered
from domain.drafts import AUTHORSHIP_FIELDS
from domain.entries import ENTRY_EVENTS
from domain.erasures import ChildErased
from domain.records import EventRecord, records_from_notifications
from domain.tasks import TASK_EVENTS, checked_task
from fullpicture.bootstrap import event_store_env
from fullpicture.config import STATE_DIR, load_settings
from schemas.codec import (
    HEADER_SIZE,
    MAGIC,
    NotSingleObjectEncoded,
    UnknownSchema,
    decode,
    decode_as_sent,
    encode,
)
from schemas.registry import all_schemas, latest, versions
from tests.builders import (
    entry,
    record_every_disclosure_field,
    record_every_kind,
    register_agencies,
)

EVENT_TYPES = sorted(
    [cls.__name__ for cls in ENTRY_EVENTS.values()]
    + [AgencyRegistered.__name__, ChildRegistered.__name__, AlertReviewed.__name__]
    + [ChildErased.__name__]
    + [event.__name__ for event in TASK_EVENTS]
)
REQUIRED_FIELDS = {
    "event_id",
    "event_type",
    "child_refs",
    "agency",
    "entry_ref",
    "occurred_at",
    "recorded_at",
}
ADDRESSED = {
    "EntryCorrected",
    "InformationShared",
    "WrittenFollowUpRecorded",
    "InformationRequested",
    "RequestAnswered",
    "RequestDeclined",
    "AcknowledgementRecorded",
}


@pytest.fixture
def records(embedded_partnership: Partnership) -> dict[str, EventRecord]:
    """One real record of every event type, made through the domain."""
    app = embedded_partnership
    register_agencies(app)
    app.register_child("C-0001", "2021-07-14", "csc-north")
    record_every_kind(app, practitioner="")
    app.record(
        entry(
            "acknowledgement",
            agency="csc-north",
            entry_ref="ACK-1",
            refers_to="health-visiting:RESPONSE-1",
            outcome="action_planned",
        )
    )
    app.review_alert(
        "A-0123456789ab", "C-0001", "jargon", ["police-north:P-1"], "noted", "Seen.", "analyst"
    )
    app.record_erasure("C-0002", "", "RD-1", "dpo.lee", "caldicott.khan", ["police-north"])
    task_id = app.add_task(
        checked_task("C-0001", "A-0123456789ab", "sam.patel", "2025-07-01", "Call the school."),
        "csc-north",
        "lead",
    )
    app.reassign_task(task_id, "pat.jones", "csc-north", "lead")
    app.finish_task(task_id, "Spoke to the class teacher.", "pat.jones")
    notifications = app.recorder.select_notifications(start=1, limit=1000)
    return {r["event_type"]: r for _, r in records_from_notifications(app.mapper, notifications)}


def test_the_entry_events_that_had_a_version_before_acknowledgements_all_still_evolve() -> None:
    new_in_this_release = {"AcknowledgementRecorded"}
    assert (
        set(EVOLVED_ENTRY_EVENTS)
        == {cls.__name__ for cls in ENTRY_EVENTS.values()} - new_in_this_release
    )


def test_every_event_type_has_a_schema() -> None:
    # An agency feed's erasure notice is not a stored event: FullPicture sends it (Article 19).
    not_stored = [AccessRecorded.__name__, "RecordsErased"]
    assert sorted(latest()) == sorted([*EVENT_TYPES, *not_stored])


def test_an_access_event_round_trips_and_decodes_with_the_official_avro_library(
    tmp_path: Path,
) -> None:
    log = AccessLog(env=event_store_env(load_settings({STATE_DIR: str(tmp_path)}), "access.db"))
    log.record(
        user="pat",
        role="practitioner",
        agency="school-elm",
        child_refs=["C-0001"],
        view="chronology",
        scope="known by school-elm",
    )
    [(_, record)] = records_from_notifications(
        log.mapper, log.recorder.select_notifications(start=1, limit=10)
    )
    assert {f["name"] for f in latest()["AccessRecorded"].expanded["fields"]} == set(record)
    data = encode(record)
    assert decode(data) == record
    assert avro_decode(data, latest()["AccessRecorded"].expanded) == record


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_schema_carries_the_common_fields(event_type: str) -> None:
    names = {f["name"] for f in latest()[event_type].expanded["fields"]}
    assert names >= REQUIRED_FIELDS
    assert ("to_agencies" in names) == (event_type in ADDRESSED)


def test_every_schema_and_field_is_documented_and_namespaced() -> None:
    for schema in all_schemas():
        assert schema.expanded["namespace"] == "org.fullpicture.events"
        assert schema.expanded.get("doc")
        undocumented = [f["name"] for f in schema.expanded["fields"] if not f.get("doc")]
        assert undocumented == [], f"{schema.event_type} v{schema.version}"


def test_schema_fields_are_exactly_the_record_fields(records: dict[str, EventRecord]) -> None:
    assert sorted(records) == EVENT_TYPES
    for event_type, record in records.items():
        names = {f["name"] for f in latest()[event_type].expanded["fields"]}
        assert names == set(record), event_type


def test_every_record_round_trips_through_the_codec(records: dict[str, EventRecord]) -> None:
    for record in records.values():
        assert decode(encode(record)) == record


def test_messages_use_avro_single_object_encoding(records: dict[str, EventRecord]) -> None:
    data = encode(records["InformationShared"])
    assert data[:2] == b"\xc3\x01"
    assert data[2:HEADER_SIZE] == latest()["InformationShared"].fingerprint


def avro_decode(data: bytes, expanded_schema: dict[str, Any]) -> Any:
    schema = avro.schema.parse(json.dumps(expanded_schema))
    reader = avro.io.DatumReader(schema)
    return reader.read(avro.io.BinaryDecoder(io.BytesIO(data[HEADER_SIZE:])))


def as_sent(record: EventRecord) -> EventRecord:
    """The record as any Avro library reads it: an optional vocabulary value not given is null."""
    nullable = latest()[record["event_type"]].nullable_fields
    return {
        name: None if name in nullable and value == "" else value for name, value in record.items()
    }


def test_every_event_type_decodes_with_the_official_avro_library(
    records: dict[str, EventRecord],
) -> None:
    for event_type, record in records.items():
        data = encode(record)
        assert avro_decode(data, latest()[event_type].expanded) == as_sent(record), event_type
        assert decode_as_sent(data) == as_sent(record), event_type


def test_only_optional_vocabulary_values_and_an_unknown_author_are_null_on_the_wire(
    records: dict[str, EventRecord],
) -> None:
    vocabulary = {
        "InformationRequested": ("channel",),
        "RequestDeclined": ("channel",),
        "RequestAnswered": ("channel", "lawful_basis", "consent", "family_informed"),
        "WrittenFollowUpRecorded": ("lawful_basis", "consent", "family_informed"),
    }
    assert {t: s.nullable_fields for t, s in latest().items() if s.nullable_fields} == {
        cls.__name__: (*vocabulary.get(cls.__name__, ()), "recorded_by")
        for cls in ENTRY_EVENTS.values()
    }
    answer = as_sent(records["RequestAnswered"])
    assert (answer["lawful_basis"], answer["channel"]) == (None, None)


# Entry events with an earlier version (an event type new in this release has none yet).
EVOLVED_ENTRY_EVENTS = sorted(
    cls.__name__ for cls in ENTRY_EVENTS.values() if len(versions(cls.__name__)) > 1
)


@pytest.mark.parametrize("event_type", EVOLVED_ENTRY_EVENTS)
def test_a_reader_that_knows_only_the_previous_version_reads_the_new_one(
    event_type: str, records: dict[str, EventRecord]
) -> None:
    # Given an agency's reader that knows the version before the newest, and a message written
    # with the newest (every entry event gained recorded_by and imported_for_review)
    newer = latest()[event_type]
    older = versions(event_type)[newer.version - 2]
    assert older.version == newer.version - 1
    data = encode(records[event_type])
    # When it reads the message with the writer's schema (from the exported kit) into its own
    reader = avro.io.DatumReader(
        avro.schema.parse(json.dumps(newer.expanded)), avro.schema.parse(json.dumps(older.expanded))
    )
    read = reader.read(avro.io.BinaryDecoder(io.BytesIO(data[HEADER_SIZE:])))
    # Then it reads every field it knew, as written, and nothing else
    known = {f["name"] for f in older.expanded["fields"]}
    assert read == {k: v for k, v in as_sent(records[event_type]).items() if k in known}
    compatible = ReaderWriterCompatibilityChecker().get_compatibility(
        avro.schema.parse(json.dumps(older.expanded)), avro.schema.parse(json.dumps(newer.expanded))
    )
    assert compatible.compatibility is SchemaCompatibilityType.compatible


@pytest.fixture
def disclosure_records(embedded_partnership: Partnership) -> dict[str, EventRecord]:
    """A request, answer, decline, follow-up and transfer with every field their kind carries."""
    app = embedded_partnership
    register_agencies(app)
    record_every_disclosure_field(app)
    notifications = app.recorder.select_notifications(start=1, limit=1000)
    return {r["event_type"]: r for _, r in records_from_notifications(app.mapper, notifications)}


def test_new_fields_round_trip_with_their_values(
    disclosure_records: dict[str, EventRecord],
) -> None:
    answer = disclosure_records["RequestAnswered"]
    assert (answer["channel"], answer["lawful_basis"], answer["consent"]) == (
        "secure_email",
        "public_task",
        "not_needed",
    )
    assert disclosure_records["TransferPointRecorded"]["reason"] == "No further concerns."
    for event_type, record in disclosure_records.items():
        data = encode(record)
        assert decode(data) == record, event_type
        assert avro_decode(data, latest()[event_type].expanded) == record, event_type


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_each_new_version_can_read_every_message_of_the_previous_one(event_type: str) -> None:
    checker = ReaderWriterCompatibilityChecker()
    known = versions(event_type)
    for older, newer in zip(known, known[1:], strict=False):
        result = checker.get_compatibility(
            avro.schema.parse(json.dumps(newer.expanded)),
            avro.schema.parse(json.dumps(older.expanded)),
        )
        assert result.compatibility is SchemaCompatibilityType.compatible, (
            f"{event_type} v{newer.version} cannot read v{older.version}: {result.messages}"
        )


def test_the_compatibility_check_catches_a_breaking_change() -> None:
    older = latest()["ConcernRecorded"].expanded
    breaking = {
        **older,
        "fields": older["fields"]
        + [{"name": "new_required", "type": "string", "doc": "no default"}],
    }
    result = ReaderWriterCompatibilityChecker().get_compatibility(
        avro.schema.parse(json.dumps(breaking)), avro.schema.parse(json.dumps(older))
    )
    assert result.compatibility is SchemaCompatibilityType.incompatible


def _written_with(schema: Any, record: EventRecord) -> bytes:
    out = io.BytesIO()
    out.write(MAGIC + schema.fingerprint)
    schemaless_writer(out, schema.parsed, record)
    return out.getvalue()


def test_a_version_1_voice_message_reads_as_the_latest(records: dict[str, EventRecord]) -> None:
    v1 = versions("ChildVoiceRecorded")[0]
    current = {**records["ChildVoiceRecorded"], "agency_recorded_at": ""}
    old = {k: v for k, v in current.items() if k not in ("child_words", "captured_how")}
    old["words"] = current["child_words"]
    assert decode(_written_with(v1, old)) == {**current, "captured_how": "other"}


def test_a_version_1_correction_reads_as_one_that_reached_nobody(
    records: dict[str, EventRecord],
) -> None:
    v1 = versions("EntryCorrected")[0]
    current = {**records["EntryCorrected"], "agency_recorded_at": "", "to_agencies": []}
    old = {k: v for k, v in current.items() if k not in ("agency_recorded_at", "to_agencies")}
    assert decode(_written_with(v1, old)) == current


def test_bytes_that_are_not_single_object_encoded_are_refused() -> None:
    with pytest.raises(NotSingleObjectEncoded):
        decode(b'{"json": true}')


def test_an_unknown_fingerprint_is_refused() -> None:
    with pytest.raises(UnknownSchema):
        decode(MAGIC + b"\x00" * 8 + b"\x00")


def test_a_version_2_answer_message_reads_with_the_new_fields_empty(
    disclosure_records: dict[str, EventRecord],
) -> None:
    v2 = versions("RequestAnswered")[1]
    current = disclosure_records["RequestAnswered"]
    new_fields = ("channel", "lawful_basis", "consent", "family_informed", *AUTHORSHIP_FIELDS)
    old = {k: v for k, v in current.items() if k not in new_fields}
    assert decode(_written_with(v2, old)) == {**current, **dict.fromkeys(new_fields, "")}


def test_a_version_3_message_of_every_entry_event_reads_with_its_author_unknown(
    records: dict[str, EventRecord],
) -> None:
    # Given each entry event's message written with the version before authors were recorded
    for event_type, record in records.items():
        if event_type not in ENTRY_EVENT_TYPES:
            continue
        newest = latest()[event_type]
        before = versions(event_type)[newest.version - 2]
        old = {k: v for k, v in as_sent(record).items() if k not in AUTHORSHIP_FIELDS}
        # Then FullPicture reads it with the author unknown and not imported for a review
        read = decode(_written_with(before, old))
        assert (read["recorded_by"], read["imported_for_review"]) == ("", ""), event_type
        # and any Avro library reads the unknown author as null
        assert decode_as_sent(_written_with(before, old))["recorded_by"] is None, event_type


ENTRY_EVENT_TYPES = frozenset(cls.__name__ for cls in ENTRY_EVENTS.values())


def test_a_records_erased_notice_round_trips_and_decodes_with_the_official_avro_library(
    records: dict[str, EventRecord],
) -> None:
    ledger = records["ChildErased"]
    record = notice(str(uuid.uuid4()), "police-north", ledger, ["police-north:P-100"])
    schema = latest()["RecordsErased"]
    assert {f["name"] for f in schema.expanded["fields"]} == set(record)
    data = encode(record)
    assert decode(data) == record
    assert avro_decode(data, schema.expanded) == record
