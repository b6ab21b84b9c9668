"""The sealing rule and the Avro contracts agree: what the relay sends empty can be empty."""

from __future__ import annotations

from typing import Any

from domain.personal_fields import STRUCTURAL_FIELDS, personal_part
from schemas.registry import all_schemas


def _is_enum(avro_type: Any) -> bool:
    if isinstance(avro_type, list):
        return any(_is_enum(t) for t in avro_type if t != "null")
    if isinstance(avro_type, dict):
        if avro_type.get("type") == "array":
            return _is_enum(avro_type["items"])
        return avro_type.get("type") == "enum"
    return False


def test_every_enum_of_an_event_is_structural_so_a_sealed_message_still_encodes() -> None:
    sealed_enums = [
        f"{schema.event_type}.v{schema.version}.{field['name']}"
        for schema in all_schemas()
        for field in schema.expanded["fields"]
        if _is_enum(field["type"])
        and field["name"] not in STRUCTURAL_FIELDS
        and "child_refs" in {f["name"] for f in schema.expanded["fields"]}
        and schema.event_type != "AgencyRegistered"  # about an agency, never a child
    ]
    assert sealed_enums == []


def test_free_text_of_a_task_and_a_household_link_are_personal_and_sealed() -> None:
    task_done = {"task_id": "T-1", "child_ref": "C-1", "outcome": "Spoke to the class teacher."}
    joined = {"child_ref": "C-1", "adult_ref": "A-1", "relationship": "partner_of_parent"}
    assert personal_part(task_done)["outcome"] == "Spoke to the class teacher."
    assert personal_part(joined) == {"adult_ref": "A-1"}
