"""Free-text fields: no control characters, and a length a person can read.

Control characters in a summary can rewrite a terminal, forge a table row or hide text; NUL breaks
databases and exports. Newlines are allowed only where a practitioner writes paragraphs (the
summary and the child's words).
"""

from __future__ import annotations

import re
import unicodedata

from domain.errors import DomainError

MULTILINE_FIELDS = ("summary", "child_words")
TEXT_LIMITS = {"summary": 10_000, "child_words": 10_000, "reason": 2_000, "practitioner": 200}
DEFAULT_TEXT_LIMIT = 200
# Bidirectional embeddings, overrides and isolates reorder how the text around them is shown.
_REORDERING = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_CONTROL_NAMES = {
    "\x00": "NUL",
    "\t": "TAB",
    "\n": "LINE FEED",
    "\r": "CARRIAGE RETURN",
    "\x1b": "ESCAPE",
    "\x7f": "DELETE",
}


# Every character the loop below refuses (category Cc is exactly U+0000-001F and U+007F-009F, Cs
# the surrogates): most text has none, and one search is ~20 times cheaper than the loop.
_SUSPECT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_SUSPECT_BUT_NEWLINE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]"
)


def normalise_newlines(value: str) -> str:
    return value.replace("\r\n", "\n")


def text_problem(field: str, value: str) -> DomainError | None:
    """Why a free-text value is refused, or None."""
    limit = TEXT_LIMITS.get(field, DEFAULT_TEXT_LIMIT)
    if len(value) > limit:
        return DomainError(field, f"is {len(value):,} characters long; at most {limit:,}")
    newline_allowed = field in MULTILINE_FIELDS
    if not (_SUSPECT_BUT_NEWLINE if newline_allowed else _SUSPECT).search(value):
        return None
    for position, character in enumerate(value, start=1):
        if character == "\n" and newline_allowed:
            continue
        category = unicodedata.category(character)
        if category in ("Cc", "Cs") or character in _REORDERING:
            fallback = "LONE SURROGATE" if category == "Cs" else "CONTROL"
            name = _CONTROL_NAMES.get(character) or unicodedata.name(character, fallback)
            lines = character in "\r\n" and not newline_allowed
            where = " (only the summary and child_words may hold line breaks)" if lines else ""
            return DomainError(
                field,
                f"holds a control character (U+{ord(character):04X} {name}) at character "
                f"{position}{where}",
            )
    return None
