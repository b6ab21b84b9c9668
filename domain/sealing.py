"""The chronology's mapper: each child's personal content sealed under that child's data key.

eventsourcing's `Mapper` turns a domain event into the stored record and back, and sees the whole
event (its own `Cipher` sees only bytes, one key per application); the application is given this
mapper class (`Partnership.construct_mapper`). Before the stored state is transcoded, every field
that is not structural (`domain.personal_fields`) is taken out and sealed, once per child the
event is about, each copy under that child's key for the recording agency: one cipher operation
per event and child. An entry about siblings thus stays readable for one after the other's keys
are deleted. The sealed fields are JSON values (text and lists of text), encoded with orjson:
eventsourcing's transcoder took ~25 µs an event more to read them back.

Read back, the first child whose key remains opens the content. A child whose key is gone is
shown as `ERASED_CHILD` in `child_refs`; when no child's key remains, the event's content is gone
(`content_erased`), its personal fields read empty and projections skip it.
"""

from __future__ import annotations

from base64 import b64decode, b64encode
from collections.abc import Hashable, Sequence
from typing import Any, cast

import orjson
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    find_id_convertor,
)
from eventsourcing.utils import get_topic, resolve_topic

from domain.child_keys import ChildKeys, UnreadableSeal
from domain.personal_fields import STRUCTURAL_FIELDS, emptied, personal_part, subject_children

SEALED = "sealed"  # the stored field holding {child reference: sealed content, base64}
CONTENT_ERASED = "content_erased"
# Not a valid child reference (domain.identities), so never mistaken for one.
ERASED_CHILD = "(erased)"


def content_erased(event: Any) -> bool:
    """No child's key remains: nothing personal of this event can be read any more."""
    return bool(getattr(event, CONTENT_ERASED, False))


class SealingMapper(Mapper[Any]):
    """A `Mapper` that seals personal content per child; `child_keys` is set by the
    application once its store is open."""

    child_keys: ChildKeys | None = None

    def _keys(self) -> ChildKeys:
        if self.child_keys is None:
            raise RuntimeError("the sealing mapper was given no key store")
        return self.child_keys

    def to_stored_event(self, domain_event: DomainEventProtocol[Any]) -> StoredEvent:
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        self._seal(state)
        stored = self.transcoder.encode(state)
        if self.compressor:
            stored = self.compressor.compress(stored)
        if self.cipher:
            stored = self.cipher.encrypt(stored)
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=get_topic(domain_event.__class__),
            state=stored,
        )

    def _seal(self, state: dict[str, Any]) -> None:
        children = subject_children(state)
        personal = personal_part(state) if children else {}
        if not personal:
            return
        for name in personal:
            del state[name]
        plaintext = orjson.dumps(personal)
        keys, agency = self._keys(), state.get("agency") or ""
        state[SEALED] = {
            child: b64encode(keys.for_writing(child, agency).seal(plaintext)).decode("ascii")
            for child in dict.fromkeys(children)
        }

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[Any]:
        cls, state = self._decoded(stored_event)
        return self._completed(cls, stored_event, state)

    def to_domain_events(
        self, stored_events: Sequence[StoredEvent]
    ) -> list[DomainEventProtocol[Any]]:
        """Many stored events, the keys they need read first in a few queries (a relay's or a
        rebuild's batch meets hundreds of children, one query each otherwise)."""
        decoded = [self._decoded(stored) for stored in stored_events]
        self._keys().fetch(
            (child, state.get("agency") or "")
            for _, state in decoded
            for child in state.get(SEALED) or ()
        )
        return [
            self._completed(cls, stored, state)
            for (cls, state), stored in zip(decoded, stored_events, strict=True)
        ]

    def _decoded(self, stored_event: StoredEvent) -> tuple[type[Any], dict[str, Any]]:
        cls = resolve_topic(stored_event.topic)
        stored = stored_event.state
        try:
            if self.cipher:
                stored = self.cipher.decrypt(stored)
            if self.compressor:
                stored = self.compressor.decompress(stored)
            state: dict[str, Any] = self.transcoder.decode(stored)
        except Exception as error:
            raise MapperDeserialisationError(
                f"Failed to deserialise state of stored event with topic "
                f"'{stored_event.topic}', originator_id '{stored_event.originator_id}' and "
                f"originator_version {stored_event.originator_version}: {error}"
            ) from error
        return cls, state

    def _completed(
        self, cls: type[Any], stored_event: StoredEvent, state: dict[str, Any]
    ) -> DomainEventProtocol[Any]:
        sealed = state.pop(SEALED, None)
        if sealed is not None:
            self._open(cls, state, sealed)
        convert = find_id_convertor(cls, cast(Hashable, type(stored_event.originator_id)))
        state["originator_id"] = convert(stored_event.originator_id)
        state["originator_version"] = stored_event.originator_version
        class_version = getattr(cls, "class_version", 1)
        from_version = state.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return cast(DomainEventProtocol[Any], event)

    def _open(self, cls: type[Any], state: dict[str, Any], sealed: dict[str, str]) -> None:
        keys, agency = self._keys(), state.get("agency") or ""
        personal: dict[str, Any] | None = None
        erased: set[str] = set()
        for child, content in sealed.items():
            key = keys.for_reading(child, agency)
            if key is None:
                erased.add(child)
            elif personal is None:
                try:
                    personal = orjson.loads(key.open(b64decode(content)))
                except UnreadableSeal:  # a key made after this child's was deleted
                    erased.add(child)
        if personal is not None:
            state.update(personal)
        else:
            state.update(_emptied_fields(cls, state))
            state[CONTENT_ERASED] = True
        if erased and "child_refs" in state:
            state["child_refs"] = [ERASED_CHILD if c in erased else c for c in state["child_refs"]]
        elif erased and "child_ref" in state:
            state["child_ref"] = ERASED_CHILD


def _emptied_fields(cls: type[Any], state: dict[str, Any]) -> dict[str, Any]:
    """The personal fields of an event whose content is gone, each empty of its type."""
    fields = getattr(cls, "__dataclass_fields__", {})
    empty: dict[str, Any] = {}
    for name, spec in fields.items():
        if name in STRUCTURAL_FIELDS or name in state or name.startswith("originator"):
            continue
        empty[name] = [] if "list" in str(spec.type) else emptied("")
    return empty


def to_domain_events(
    mapper: Mapper[Any], stored_events: Sequence[StoredEvent]
) -> list[DomainEventProtocol[Any]]:
    """`mapper.to_domain_event` for each, in one go where the mapper seals (its keys fetched
    for the whole batch)."""
    if isinstance(mapper, SealingMapper):
        return mapper.to_domain_events(stored_events)
    return [mapper.to_domain_event(stored) for stored in stored_events]
