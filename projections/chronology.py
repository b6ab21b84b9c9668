"""The multi-agency chronology: one row per (child, entry), in world-time order.

Queries answer the replay questions: "as at" a day (world time), "known by" an agency (what it
recorded plus what was addressed to it), and "as the system held it" at a moment (recorded_at).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from domain.collector import no_cycle_collection
from domain.drafts import DISCLOSURE_DECISION_FIELDS, DISCLOSURE_KINDS
from domain.records import EventRecord, agency_knows, projected_children
from domain.sealing import ERASED_CHILD
from projections.children import TABLE as CHILD_DETAILS
from projections.children import age_at
from projections.database import Cursor, Query, ReadModelDatabase, Row
from projections.patterns.timeline import Item, entry_item
from projections.sql import Staging, Upsert, as_json, from_json

TABLE = "chronology"
CREATE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    child_ref TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    agency TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    summary TEXT NOT NULL,
    concerns TEXT NOT NULL,
    significance TEXT NOT NULL,
    to_agencies TEXT NOT NULL,
    child_refs TEXT NOT NULL,
    practitioner TEXT NOT NULL,
    refers_to TEXT NOT NULL,
    channel TEXT NOT NULL,
    due_by TEXT NOT NULL,
    consent TEXT NOT NULL,
    transfer TEXT NOT NULL,
    agency_recorded_at TEXT NOT NULL,
    lawful_basis TEXT NOT NULL,
    family_informed TEXT NOT NULL,
    reason TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    imported_for_review TEXT NOT NULL,
    outcome TEXT NOT NULL,
    adults TEXT NOT NULL,
    PRIMARY KEY (child_ref, entry_id)
)"""
# No full index beyond the key: queries read one child's rows by the key's first column and sort
# them in Python, and a second index cost a tenth of the database's work in a rebuild. The few
# rows naming adults have a partial one: the alerts refresh reads them for every chunk of children
# (a scan of 277,584 rows took 44 ms, the index 4 ms), and a rebuild writes it for those rows only.
NAMING_ADULTS = "adults <> '[]'"
CREATE = (
    CREATE,
    f"CREATE INDEX IF NOT EXISTS {TABLE}_naming_adults ON {TABLE} (adults) WHERE {NAMING_ADULTS}",
)
DROP = (f"DROP TABLE IF EXISTS {TABLE}",)

# The columns every entry's row has, first in the table (the key leads).
ENTRY_COLUMNS = (
    "child_ref, entry_id, kind, agency, occurred_at, recorded_at, summary, concerns, "
    "significance, to_agencies, child_refs, practitioner, refers_to"
)
# The kind-specific fields the pattern detectors also read (empty where a kind has none). Only
# these are kept, not the whole event: a rebuild wrote and an alert refresh parsed ~500 bytes of
# JSON per row, for four short fields.
DETAIL_FIELDS = ("channel", "due_by", "consent", "transfer")
# What a disclosure states besides (DOMAIN.md, rule 7), and the reason of a share, request,
# decline, consent decision or transfer point: shown in the chronology, not read by detectors.
DISCLOSURE_FIELDS = ("lawful_basis", "family_informed", "reason")
# Who recorded the entry (TRUST.md, "Who wrote it"): the person, and the review a case reviewer
# imported it for.
AUTHORSHIP_COLUMNS = ("recorded_by", "imported_for_review")
# What a recipient did with what it acknowledges (acknowledgements only); the adults the
# entry names (a JSON list of references), for the household view.
OUTCOME_COLUMN = "outcome"
COLUMNS = (
    f"{ENTRY_COLUMNS}, {', '.join(DETAIL_FIELDS)}, agency_recorded_at, "
    f"{', '.join(DISCLOSURE_FIELDS)}, {', '.join(AUTHORSHIP_COLUMNS)}, {OUTCOME_COLUMN}, adults"
)
# What a query reads of each row (not child_ref: the query names it). The six columns that few
# distinct values cover (codes, vocabulary and JSON lists: none can hold the unit separator) come
# joined as one text, split and decoded once per distinct text: a 5,000-entry read brings 8 values
# a row instead of 13 and decodes no list, and kept rows hold fewer objects (fetching and building
# alone: ~30 % less CPU; a whole read through the query layer: within the machine's noise).
_SEPARATOR = "\x1f"
_JOINED = f" || '{_SEPARATOR}' || "
_SHAPE_FIELDS = ("kind", "agency", "to_agencies", "child_refs", "concerns", "significance")
SHOWN_COLUMNS = ", ".join(
    (
        "entry_id",
        "occurred_at",
        "recorded_at",
        _JOINED.join(_SHAPE_FIELDS),
        "summary",
        "practitioner",
        "refers_to",
        "agency_recorded_at",
        _JOINED.join(("channel", "lawful_basis", "consent", "family_informed", "transfer")),
        "reason",
        *AUTHORSHIP_COLUMNS,
        OUTCOME_COLUMN,
        "adults",
    )
)
# `chronology_for` reads the child's date of birth after them.
BORN = len(SHOWN_COLUMNS.split(", "))
UPSERT = Upsert(
    TABLE, tuple(COLUMNS.split(", ")), ("child_ref", "entry_id"), rows_are_mostly_new=True
)
# What `pattern_items_by_child` reads: the low-variety columns joined, as for a shown chronology.
_PATTERN_SHAPE_FIELDS = (
    "kind",
    "agency",
    "to_agencies",
    "concerns",
    "significance",
    "channel",
    "consent",
    "transfer",
)
# ... and every column as ONE text a row, split in Python: fetching one value instead of eight
# took 0.2 CPU s less for 360,000 entries (a refresh reads every entry of the children it
# evaluates). The fields between `_ROW_SEPARATOR`s are identities, codes and dates (no control
# character passes the domain's checks); the summary, free text, comes last and is not split.
_ROW_SEPARATOR = "\x1e"
PATTERN_ROW = f" || '{_ROW_SEPARATOR}' || ".join(
    (
        "child_ref",
        "entry_id",
        _JOINED.join(_PATTERN_SHAPE_FIELDS),
        "occurred_at",
        "refers_to",
        "due_by",
        "recorded_at",
        "summary",
    )
)
_PATTERN_ROW_FIELDS = PATTERN_ROW.count(_ROW_SEPARATOR) + 1


@dataclass(slots=True)
class ChronologyEntry:
    """One entry of a child's chronology as shown.

    A long chronology builds thousands of these, so they are cheap to build: slotted, not frozen
    (a frozen dataclass takes three times as long), and their lists are shared tuples.
    """

    id: str
    kind: str
    occurred_at: str
    recorded_at: str
    agency: str
    to_agencies: tuple[str, ...]
    child_refs: tuple[str, ...]
    summary: str
    concerns: tuple[str, ...]
    significance: str
    practitioner: str
    refers_to: str
    corrected_by: tuple[str, ...] = ()
    answered_by: tuple[str, ...] = ()
    followed_up_by: tuple[str, ...] = ()
    child_age: str = ""
    agency_recorded_at: str = ""  # when the agency says it recorded it; never system time
    channel: str = ""
    lawful_basis: str = ""  # a follow-up's own, or its share's when `inherited` says so
    consent: str = ""
    family_informed: str = ""
    transfer: str = ""
    reason: str = ""
    # Of a follow-up that did not state them: the decision fields shown from its share.
    inherited: tuple[str, ...] = ()
    # For a disclosure: "recorded", "inherited" (a follow-up's, from its share) or "not
    # recorded" (kept as the agency wrote it, DOMAIN.md rule 7); "" for any other kind.
    lawful_basis_status: str = ""
    # The person who recorded it ("" for an entry stored before authors were recorded: unknown),
    # and the review a case reviewer imported it for ("" for an agency's own entry).
    recorded_by: str = ""
    imported_for_review: str = ""
    outcome: str = ""  # an acknowledgement's: what the recipient did with it
    acknowledged_by: tuple[str, ...] = ()
    # The adults the entry names; and, in a household view, whom the entry is about (the child,
    # or the adults of the household it names, with their relationship).
    adults: tuple[str, ...] = ()
    about: str = ""

    def lawful_basis_shown(self) -> str:
        """The lawful basis as a reader should see it, gaps and inheritance said in words."""
        if self.lawful_basis_status == "not recorded":
            return LAWFUL_BASIS_NOT_RECORDED
        if self.lawful_basis_status == "inherited":
            return f"{self.lawful_basis} (inherited from {self.refers_to})"
        return self.lawful_basis

    def recorded_by_shown(self) -> str:
        """Who recorded it, in words: unknown for an entry stored before authors were
        recorded, and a case reviewer's import named as such."""
        who = self.recorded_by or AUTHOR_UNKNOWN
        if self.imported_for_review:
            return f"{who}, imported for review {self.imported_for_review}"
        return who


LAWFUL_BASIS_NOT_RECORDED = "lawful basis not recorded"
AUTHOR_UNKNOWN = "unknown"


@dataclass(frozen=True)
class ChildSummary:
    child_ref: str
    entries: int
    agencies: int
    first_occurred_at: str
    last_occurred_at: str


# Which list on the target an entry of each linking kind appears in.
LINK_FIELDS = {
    "correction": "corrected_by",
    "response": "answered_by",
    "decline": "answered_by",
    "followup": "followed_up_by",
    "acknowledgement": "acknowledged_by",
}


KINDS = None  # every record (those without an entry are skipped)


# A batch's entries are staged once, a row per (child, entry): the chronology's columns, the few
# fields other read models keep besides, and whether the row is the entry's first copy (the one
# that writes the rows kept once per entry: its first child's). Every entry read model then
# fills its rows from them in SQL (`FROM_STAGED`, all sent in one round trip) instead of building
# its own in Python and sending them in a copy of its own: the projector's writer thread spent
# most of its time waiting for the interpreter's lock after each of ~15 round trips a batch.
STAGED_FIELDS = ("captured_how", "child_words")
STAGING = Staging(
    "staged_entries",
    (*UPSERT.columns, *STAGED_FIELDS, "first_copy"),
    ("TEXT",) * (len(UPSERT.columns) + len(STAGED_FIELDS)) + ("BOOLEAN",),
)
FROM_STAGED = (STAGING.select(UPSERT, COLUMNS),)


def staged_rows(records: Sequence[EventRecord]) -> list[tuple[Any, ...]]:
    """The batch's entries as `STAGING` rows, the last copy of a (child, entry) winning, as
    writing them one by one would (one statement may not upsert a row twice).

    Each row is built field by field in `STAGING` order, in one tuple: a rebuild builds one per
    entry copy (building the entry's fields first and the child's row from them took ~10 % more
    of the writer's time)."""
    rows: dict[tuple[str, str], tuple[Any, ...]] = {}
    for record in records:
        if "entry_id" not in record:
            continue
        get = record.get
        entry_id = record["entry_id"]
        child_refs = record["child_refs"]
        concerns, to_agencies = as_json(get("concerns")), as_json(get("to_agencies"))
        children = as_json(child_refs)
        first = child_refs[0]
        if first == ERASED_CHILD:  # the first child erased: the next one's copy is the first
            first = next((c for c in child_refs if c != ERASED_CHILD), "")
        for child in projected_children(record):
            rows[child, entry_id] = (
                child,
                entry_id,
                record["kind"],
                record["agency"],
                record["occurred_at"],
                record["recorded_at"],
                record["summary"],
                concerns,
                record["significance"],
                to_agencies,
                children,
                get("practitioner") or "",
                get("refers_to") or "",
                get("channel") or "",  # DETAIL_FIELDS
                get("due_by") or "",
                get("consent") or "",
                get("transfer") or "",
                get("agency_recorded_at") or "",
                get("lawful_basis") or "",  # DISCLOSURE_FIELDS
                get("family_informed") or "",
                get("reason") or "",
                get("recorded_by") or "",  # AUTHORSHIP_COLUMNS
                get("imported_for_review") or "",
                get("outcome") or "",  # OUTCOME_COLUMN
                as_json(get("adults") or []),
                get("captured_how") or "",  # STAGED_FIELDS
                get("child_words") or "",
                child == first,  # first_copy
            )
    return list(rows.values())


# A child's rows, sorted in world-time order, and its date of birth (None when unknown).
ChildRows = tuple[list[Row], str | None]


def chronology_for(
    db: ReadModelDatabase,
    child_ref: str,
    as_at: str | None = None,
    known_by: str | None = None,
    system_time: str | None = None,
    period: tuple[str, str] | None = None,
    rows_of: Callable[[ReadModelDatabase, str], ChildRows] | None = None,
) -> list[ChronologyEntry]:
    """A child's merged chronology in world-time order, optionally replayed, or only the
    entries of a review period (days, inclusive), linked among themselves.

    Every scope is narrowed here, in code-point order whatever the database's collation, from
    the child's rows: kept by the query layer while nothing new was projected (`rows_of`), or
    read now with the agency's view narrowed by the database first; `knows` decides, as
    everywhere."""
    with no_cycle_collection():
        if rows_of is None:
            rows, born = child_rows(db, child_ref, known_by)
        else:
            rows, born = rows_of(db, child_ref)
        every_row = rows
        if as_at is not None:
            rows = [r for r in rows if r[1] <= as_at]
        if system_time is not None:
            rows = [r for r in rows if r[2] <= system_time]
        if period is not None:
            first, last = period
            rows = [r for r in rows if first <= r[1][:10] <= last]
        return with_links(_with_inherited(_entries(rows, born, known_by), every_row))


def child_rows(db: ReadModelDatabase, child_ref: str, known_by: str | None = None) -> ChildRows:
    """The rows of the child's chronology, sorted, with its date of birth: every row, or at
    least those an agency knows (an agency's view of a long chronology is often a quarter of it:
    fewer rows sent, decoded and sorted; `knows` still decides)."""
    # The date of birth comes with every row (one scalar subquery, evaluated once): one round
    # trip fewer than asking for it apart.
    sql = (
        f"SELECT {SHOWN_COLUMNS}, (SELECT date_of_birth FROM {CHILD_DETAILS} WHERE child_ref = ?)"
        f" FROM {TABLE} WHERE child_ref = ?"
    )
    params = [child_ref, child_ref]
    if known_by is not None:
        sql += f" AND {KNOWN_BY_SQL}"
        params.extend(_known_by_params(known_by))
    rows = db.query(sql, params)
    # Sorted here, not in SQL: code-point order on every database whatever its collation, and
    # cheaper than PostgreSQL's sort (5,000 rows: ~1 ms here, ~5 ms in the server).
    rows.sort(key=_in_world_time_order)
    return rows, rows[0][BORN] if rows else None


def _entries(
    rows: Sequence[Sequence[Any]], born: str | None, known_by: str | None
) -> list[ChronologyEntry]:
    """The rows as entries, in their order, without those `known_by` does not know."""
    entries = []
    for (
        entry_id,
        occurred_at,
        recorded_at,
        shape,
        summary,
        practitioner,
        refers_to,
        agency_recorded_at,
        decisions,
        reason,
        recorded_by,
        imported_for_review,
        outcome,
        adults,
        _born,
    ) in rows:
        kind, agency, to_agencies, child_refs, concerns, significance = _shape(shape)
        if known_by is not None and not agency_knows(known_by, agency, to_agencies):
            continue
        age = _age_on(born, occurred_at[:10]) if born else ""
        entries.append(
            ChronologyEntry(
                entry_id,
                kind,
                occurred_at,
                recorded_at,
                agency,
                to_agencies,
                child_refs,
                summary,
                concerns,
                significance,
                practitioner,
                refers_to,
                (),  # corrected_by
                (),  # answered_by
                (),  # followed_up_by
                age,
                agency_recorded_at,
                *_decisions(decisions),
                reason,
                (),  # inherited
                _lawful_basis_status(kind, decisions),
                recorded_by,
                imported_for_review,
                outcome,
                adults=listed(adults),
            )
        )
    return entries


def _lawful_basis_status(kind: str, decisions: str) -> str:
    if kind not in DISCLOSURE_KINDS:
        return ""
    return "recorded" if _decisions(decisions)[1] else "not recorded"


@lru_cache(maxsize=1024)
def _decisions(text: str) -> tuple[str, str, str, str, str]:
    """channel, lawful basis, consent, family informed and transfer type from their joined
    text: a handful of combinations recur."""
    channel, lawful_basis, consent, family_informed, transfer = text.split(_SEPARATOR)
    return channel, lawful_basis, consent, family_informed, transfer


def _with_inherited(
    entries: list[ChronologyEntry], every_row: Sequence[Sequence[Any]]
) -> list[ChronologyEntry]:
    """A written follow-up that did not state a decision shows its verbal share's, marked as
    inherited. The share is looked up among all the child's rows the viewer may see (whoever
    knows a follow-up knows its share), not only those shown: a review period or replay date
    may leave the share out."""
    silent = [
        e
        for e in entries
        if e.kind == "followup" and not all(getattr(e, f) for f in DISCLOSURE_DECISION_FIELDS)
    ]
    if not silent:
        return entries
    wanted = {e.refers_to for e in silent}
    shares = {row[0]: _decisions(row[8]) for row in every_row if row[0] in wanted}
    for entry in silent:
        share = shares.get(entry.refers_to)
        if share is None:
            continue
        stated = dict(zip(DISCLOSURE_DECISION_FIELDS, share[1:4], strict=True))
        inherited = tuple(
            f for f in DISCLOSURE_DECISION_FIELDS if not getattr(entry, f) and stated[f]
        )
        for name in inherited:
            setattr(entry, name, stated[name])
        entry.inherited = inherited
        if "lawful_basis" in inherited:
            entry.lawful_basis_status = "inherited"
    return entries


@lru_cache(maxsize=8192)
def _shape(text: str) -> tuple[str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...], str]:
    """kind, agency, recipients, children, concerns and significance from their joined text."""
    kind, agency, to_agencies, child_refs, concerns, significance = text.split(_SEPARATOR)
    return kind, agency, listed(to_agencies), listed(child_refs), listed(concerns), significance


def with_links(entries: list[ChronologyEntry]) -> list[ChronologyEntry]:
    """Link each entry to what answers, follows up or corrects it, among the entries shown.

    Links are worked out when asked, not stored, so they hold whatever order events arrive in.
    """
    linking = [e for e in entries if e.refers_to and e.kind in LINK_FIELDS]
    if not linking:
        return entries
    by_id = {e.id: e for e in entries}
    for entry in linking:
        target = by_id.get(entry.refers_to)
        if target is not None:
            links = LINK_FIELDS[entry.kind]
            setattr(target, links, (*getattr(target, links), entry.id))
    return entries


def children_with_entries(db: ReadModelDatabase) -> list[ChildSummary]:
    """Every child with a chronology, with how much is known and over what period."""
    rows = db.query(
        f"SELECT child_ref, COUNT(*), COUNT(DISTINCT agency), MIN(occurred_at), MAX(occurred_at) "
        f"FROM {TABLE} GROUP BY child_ref ORDER BY child_ref"
    )
    return [ChildSummary(r[0], int(r[1]), int(r[2]), r[3], r[4]) for r in rows]


def how_known(agency: str, recorder: str, to_agencies: str) -> str:
    """ "recorded" or "received" when the agency knows an entry (its own, or addressed to it:
    `to_agencies` is the stored JSON list), "" when it does not."""
    if recorder == agency:
        return "recorded"
    return "received" if agency_knows(agency, recorder, listed(to_agencies)) else ""


def _in_world_time_order(row: Sequence[Any]) -> str:
    """occurred_at, recorded_at, entry_id joined by NUL, the lowest character: this orders rows
    exactly as the tuple of the three would, and sorts 5,000 rows in ~60 % of the time."""
    return f"{row[1]}\0{row[2]}\0{row[0]}"


@lru_cache(maxsize=8192)
def listed(text: str) -> tuple[str, ...]:
    """A stored JSON list; the same few lists recur, so each text is decoded once and shared."""
    return tuple(from_json(text))


@lru_cache(maxsize=8192)
def _age_on(born: str, day: str) -> str:
    """The child's age on a day: many entries share a day, and working an age out costs ~1 µs
    (a 5,000-entry chronology: ~5 ms)."""
    return age_at(born, day)


def pattern_items_by_child(
    cursor_or_db: Cursor | ReadModelDatabase,
    child_refs: Sequence[str] | None = None,
    in_database_order: bool = False,
) -> dict[str, list[Item]]:
    """Each child's entries as the pattern detectors see them, for all children or some.

    Built straight from the columns (no JSON, no dict per row): an alert refresh reads every
    entry of the children it evaluates. Children given `in_database_order` (as an ORDER BY
    child_ref gave them) are also bounded by the first and last: right after a rebuild, before
    the table has statistics, PostgreSQL then reads a chunk of 500 children through the key
    instead of scanning every row (360,000 entries, 8 chunks: 1.24 -> 0.95 s)."""
    if child_refs is not None and not child_refs:
        return {}
    sql, params = pattern_items_query(child_refs, in_database_order)
    if isinstance(cursor_or_db, ReadModelDatabase):
        rows = cursor_or_db.query(sql, params)
    else:
        cursor_or_db.execute(sql, params)
        rows = cursor_or_db.fetchall()
    return pattern_items_from_rows(rows)


def pattern_items_query(
    child_refs: Sequence[str] | None, in_database_order: bool = False
) -> tuple[str, list[str]]:
    """The statement `pattern_items_by_child` runs, and its parameters (some children, at least
    one, or all)."""
    sql = f"SELECT {PATTERN_ROW} FROM {TABLE}"
    params: list[str] = []
    if child_refs is not None:
        sql += f" WHERE child_ref IN ({', '.join('?' for _ in child_refs)})"
        params = list(child_refs)
        if in_database_order:
            sql += " AND child_ref BETWEEN ? AND ?"
            params += [child_refs[0], child_refs[-1]]
            # Each child's items then come together, not scattered over the chunk's: building
            # their timelines took 0.35 CPU s instead of 0.50 for 3,551 children (also ordering
            # by time saved a little more in Python and cost the database more than it saved).
            # The database's sort (~0.05 s a chunk) runs while the chunk before is evaluated.
            sql += " ORDER BY child_ref"
    return sql, params


def pattern_items_from_rows(rows: Sequence[Row]) -> dict[str, list[Item]]:
    """Each child's items from the rows of `pattern_items_query`."""
    with no_cycle_collection():  # ~50,000 items for a refresh's chunk, and no cycle
        return _grouped_items(rows)


def _grouped_items(rows: Sequence[Row]) -> dict[str, list[Item]]:
    grouped: dict[str, list[Item]] = {}
    last_field = _PATTERN_ROW_FIELDS - 1
    for (row,) in rows:
        child, entry_id, shape, occurred_at, refers_to, due_by, recorded_at, summary = row.split(
            _ROW_SEPARATOR, last_field
        )
        kind, agency, to_agencies, concerns, significance, channel, consent, transfer = (
            _pattern_shape(shape)
        )
        item = entry_item(
            entry_id,
            kind,
            agency,
            to_agencies,
            occurred_at,
            concerns,
            significance,
            summary,
            refers_to,
            channel,
            due_by,
            consent,
            transfer,
            recorded_at,
        )
        grouped.setdefault(child, []).append(item)
    return grouped


@lru_cache(maxsize=8192)
def _pattern_shape(text: str) -> tuple[Any, ...]:
    """The pattern columns joined in `PATTERN_ROW`, lists decoded: the same few recur."""
    kind, agency, to_agencies, concerns, significance, channel, consent, transfer = text.split(
        _SEPARATOR
    )
    return (
        kind,
        agency,
        listed(to_agencies),
        listed(concerns),
        significance,
        channel,
        consent,
        transfer,
    )


# "Known by" in SQL, for questions over many children at once. The same rule as `agency_knows`
# (the recorder, or an agency in the entry's stored JSON list of recipients); `\` escapes the
# LIKE wildcards an agency code may hold (`_`).
KNOWN_BY_SQL = "(agency = ? OR to_agencies LIKE ? ESCAPE '\\')"


def _known_by_params(agency: str) -> list[str]:
    return [agency, f'%"{_like_escaped(agency)}"%']


def known_by_filter(agency: str) -> tuple[str, list[str]]:
    """The SQL condition, and its parameters, that keeps the rows an agency knows."""
    return KNOWN_BY_SQL, _known_by_params(agency)


def agency_knows_child(db: ReadModelDatabase, child_ref: str, agency: str) -> bool:
    rows = db.query(
        f"SELECT 1 FROM {TABLE} WHERE child_ref = ? AND {KNOWN_BY_SQL} LIMIT 1",
        [child_ref, *_known_by_params(agency)],
    )
    return bool(rows)


def children_known_by(db: ReadModelDatabase, agency: str) -> list[ChildSummary]:
    """The children an agency knows, summarised from the entries it knows (no more)."""
    rows = db.query(
        f"SELECT child_ref, COUNT(*), COUNT(DISTINCT agency), MIN(occurred_at), "
        f"MAX(occurred_at) FROM {TABLE} WHERE {KNOWN_BY_SQL} GROUP BY child_ref "
        "ORDER BY child_ref",
        _known_by_params(agency),
    )
    return [ChildSummary(r[0], int(r[1]), int(r[2]), r[3], r[4]) for r in rows]


def entries_known_by(db: ReadModelDatabase, agency: str) -> set[tuple[str, str]]:
    """(child, entry id) of every entry an agency knows."""
    rows = db.query(
        f"SELECT child_ref, entry_id FROM {TABLE} WHERE {KNOWN_BY_SQL}", _known_by_params(agency)
    )
    return {(r[0], r[1]) for r in rows}


def entry_dates(db: ReadModelDatabase, child_refs: Sequence[str]) -> list[tuple[str, str, str]]:
    """(child, entry id, occurred_at) of every entry about these children."""
    if not child_refs:
        return []
    marks = ", ".join("?" for _ in child_refs)
    rows = db.query(
        f"SELECT child_ref, entry_id, occurred_at FROM {TABLE} WHERE child_ref IN ({marks})",
        list(child_refs),
    )
    return [(r[0], r[1], r[2]) for r in rows]


def child_is_known(db: ReadModelDatabase, child_ref: str) -> bool:
    return bool(db.query(f"SELECT 1 FROM {TABLE} WHERE child_ref = ? LIMIT 1", [child_ref]))


def entries_naming_adults(
    query: Query, adult_refs: Sequence[str], known_by: str | None = None
) -> list[ChronologyEntry]:
    """Every entry naming any of these adults, once each, in world-time order (only those an
    agency knows, with `known_by`), read with `query` (a database's, or a unit of work's:
    `query_on`). An entry is kept once per child it concerns; one copy is enough here."""
    if not adult_refs:
        return []
    named = " OR ".join("adults LIKE ? ESCAPE '\\'" for _ in adult_refs)
    # The partial index holds the rows naming an adult (its condition, word for word).
    sql = f"SELECT {SHOWN_COLUMNS}, NULL FROM {TABLE} WHERE {NAMING_ADULTS} AND ({named})"
    params = [f'%"{_like_escaped(ref)}"%' for ref in adult_refs]
    if known_by is not None:
        sql += f" AND {KNOWN_BY_SQL}"
        params.extend(_known_by_params(known_by))
    rows = list({row[0]: row for row in query(sql, params)}.values())
    rows.sort(key=_in_world_time_order)
    return _entries(rows, None, known_by)


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
