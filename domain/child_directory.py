"""Every child reference the store holds, by look-alike key: what a new reference must not look
like (`LookalikeIdentity`).

Where the store keeps an index of the keys (PostgreSQL: `fullpicture.event_store.
ChronologyRecorder`, filled in each batch's own transaction), a batch asks it only for the keys
it holds, so the check costs the same in a partnership of any size. Otherwise (SQLite, or a store
whose owner has not made the index) the notification log is read: all of it on the first batch,
then only what was stored since.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from eventsourcing.application import Application
from eventsourcing.persistence import Recording

from domain.identities import lookalike_key
from domain.notification_log import notifications
from domain.sealing import ERASED_CHILD

# Keys the index confirmed, remembered (a stored key never changes hands); emptied when full, so
# an importer's memory does not grow with the partnership.
KEYS_KEPT = 100_000


class LookalikeIndex(Protocol):
    """What the check needs of a store's index of child references by look-alike key."""

    lookalike_index_available: bool

    def known_lookalike_keys(self, keys: Sequence[str]) -> dict[str, str]: ...

    def lookalike_index_filled(self) -> bool: ...

    def fill_lookalike_index(
        self, lookalike_keys: Sequence[tuple[str, str]], through: int
    ) -> None: ...


class KnownChildren(dict[str, str]):
    """Known references by key, each key asked of the index once, on its first `get` (for one
    batch: the store's children are read as they were when the batch began)."""

    def __init__(self, ask: Callable[[str], str | None]) -> None:
        super().__init__()
        self._ask = ask
        self._unknown: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self and key not in self._unknown:
            known = self._ask(key)
            if known is None:
                self._unknown.add(key)
            else:
                self[key] = known
        return super().get(key, default)


class ChildDirectory:
    def __init__(self, application: Application[Any]) -> None:
        self._application = application
        recorder = application.recorder
        self._index: LookalikeIndex | None = (
            recorder if getattr(recorder, "lookalike_index_available", False) else None  # type: ignore[assignment]
        )
        self._index_filled = False
        self._position = 0
        self._by_key: dict[str, str] = {}
        self._key_of: dict[str, str] = {}

    def known(self) -> dict[str, str]:
        """Known references by look-alike key, as the store holds them now."""
        if self._index is None:
            return self._read_log()
        self._fill_index_once()
        return KnownChildren(self._ask_index)

    def key_of(self, ref: str) -> str:
        """`lookalike_key(ref)`, remembered for references the store holds (asked for every
        child of every entry, and most entries are about children already known)."""
        return self._key_of.get(ref) or lookalike_key(ref)

    def keys_for(self, child_refs: Iterable[Sequence[str]]) -> list[tuple[str, str]]:
        """(key, reference) of each reference, in order, for the index (`lookalike_keys=`)."""
        return [(self.key_of(ref), ref) for refs in child_refs for ref in refs if ref]

    def saw_own(
        self, recordings: Sequence[Recording[Any]], child_refs: Sequence[Sequence[str]]
    ) -> None:
        """Take in what this process just stored without reading it back: with the index,
        always; from the log, when its notifications follow straight on from what was read
        (otherwise the next read takes them in)."""
        if self._index is None:
            ids = [recording.notification.id for recording in recordings]
            if ids != list(range(self._position + 1, self._position + 1 + len(ids))):
                return
            self._position = ids[-1]
        for refs in child_refs:
            for ref in refs:
                self._take_in(ref)

    def _ask_index(self, key: str) -> str | None:
        known = self._by_key.get(key)
        if known is None and self._index is not None:
            known = self._index.known_lookalike_keys([key]).get(key)
            if known is not None:
                self._take_in(known)
        return known

    def _fill_index_once(self) -> None:
        """A store older than the index is read once, and the index filled from it."""
        if self._index_filled or self._index is None:
            return
        if not self._index.lookalike_index_filled():
            by_key = self._read_log()
            self._index.fill_lookalike_index(list(by_key.items()), through=self._position)
        self._index_filled = True

    def _read_log(self) -> dict[str, str]:
        app = self._application
        for notification in notifications(
            app.recorder, app.log_section_size, start=self._position + 1
        ):
            event = app.mapper.to_domain_event(notification)
            refs = getattr(event, "child_refs", None) or [getattr(event, "child_ref", "")]
            for ref in refs:
                if ref and ref != ERASED_CHILD:
                    self._take_in(ref)
            self._position = notification.id
        return self._by_key

    def _take_in(self, ref: str) -> None:
        if ref in self._key_of:
            return
        if self._index is not None and len(self._key_of) >= KEYS_KEPT:
            self._key_of.clear()
            self._by_key.clear()
        self._key_of[ref] = key = lookalike_key(ref)
        self._by_key.setdefault(key, ref)
