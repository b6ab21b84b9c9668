"""What an agency's own system needs to read its feed without FullPicture's code: standalone
schemas and the fingerprints that name them; and FullPicture as an installed package."""

from __future__ import annotations

import io
import json
from pathlib import Path

import avro.io
import avro.schema
import pytest

from domain.application import Partnership
from domain.records import records_from_notifications
from fullpicture.cli import main
from schemas.codec import HEADER_SIZE, encode
from schemas.registry import all_schemas
from tests.builders import register_agencies


def test_schemas_export_writes_standalone_schemas_named_by_their_fingerprints(
    tmp_path: Path, embedded_partnership: Partnership
) -> None:
    assert main(["schemas", "export", str(tmp_path / "kit")]) == 0
    kit = tmp_path / "kit"
    fingerprints = json.loads((kit / "fingerprints.json").read_text())
    assert len(fingerprints) == len(all_schemas()) == len(list(kit.glob("*.avsc")))
    register_agencies(embedded_partnership)
    notifications = embedded_partnership.recorder.select_notifications(start=1, limit=1)
    [(_, record)] = records_from_notifications(embedded_partnership.mapper, notifications)
    message = encode(record)
    found = fingerprints[message[2:HEADER_SIZE].hex()]
    assert found["event_type"] == "AgencyRegistered"
    schema = avro.schema.parse((kit / found["file"]).read_text())  # no other file needed
    decoded = avro.io.DatumReader(schema).read(
        avro.io.BinaryDecoder(io.BytesIO(message[HEADER_SIZE:]))
    )
    assert decoded == record


def test_schemas_export_lists_the_disclosure_versions_beside_the_ones_before(
    tmp_path: Path,
) -> None:
    assert main(["schemas", "export", str(tmp_path / "kit")]) == 0
    fingerprints = json.loads((tmp_path / "kit" / "fingerprints.json").read_text())
    listed = {(v["event_type"], v["version"]): v["file"] for v in fingerprints.values()}
    for event_type in (
        "InformationRequested",
        "RequestAnswered",
        "RequestDeclined",
        "TransferPointRecorded",
        "WrittenFollowUpRecorded",
    ):
        for version in (1, 2, 3):
            file = listed[event_type, version]
            assert (tmp_path / "kit" / file).is_file()
    answer = json.loads((tmp_path / "kit" / listed["RequestAnswered", 3]).read_text())
    lawful_basis = next(f for f in answer["fields"] if f["name"] == "lawful_basis")
    assert lawful_basis["type"][0] == "null" and lawful_basis["default"] is None


def test_the_version_is_the_package_s(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"fullpicture {version('fullpicture')}"
