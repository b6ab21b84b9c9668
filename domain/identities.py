"""Child references and agency codes: one documented shape, and no two that look the same.

An identity is 1 to 64 ASCII letters, digits, `-`, `_` or `.`, starting with a letter or digit.
That keeps an agency code valid inside a Kafka topic name (`<prefix>.feed.<agency>`) and keeps a
child reference free of spaces, separators, path parts and characters that only look like others.
A new identity that differs from a known one only by case, spaces or look-alike characters
(Cyrillic `С` for Latin `C`) would silently split one child's chronology in two, so it is refused.
"""

from __future__ import annotations

import re
import unicodedata

from domain.errors import DomainError

IDENTITY_MAX_LENGTH = 64
IDENTITY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", re.ASCII)
IDENTITY_RULE = (
    "may hold only ASCII letters, digits, '-', '_' and '.', starting with a letter or digit, "
    f"at most {IDENTITY_MAX_LENGTH} characters"
)
# Letters from other scripts that render like Latin ones (after case folding), and dashes.
_LOOK_ALIKES = str.maketrans(
    {
        **dict(zip("авсдеһіјкмнорѕтухуԁӏ", "abcdehijkmhopstyxydl", strict=True)),
        **dict(zip("αβεικνορτυχ", "abeikvoptux", strict=True)),
        **dict.fromkeys("‐‑‒–—―−", "-"),
    }
)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


def shown(value: str, limit: int = 40) -> str:
    """A value as an error message may quote it: escaped, and cut short when long."""
    return repr(value) if len(value) <= limit else repr(value[:limit]) + f"… ({len(value):,} chars)"


class InvalidIdentity(DomainError):
    """A reference or code outside the one documented shape; `value` is what was given."""

    def __init__(self, field: str, value: str, message: str) -> None:
        super().__init__(field, message)
        self.value = value


def identity_problem(field: str, value: str) -> DomainError | None:
    """Why `value` is not a valid identity, or None."""
    if IDENTITY_PATTERN.fullmatch(value):
        return None
    if len(value) > IDENTITY_MAX_LENGTH:
        return InvalidIdentity(field, value, f"{shown(value)} is too long: {IDENTITY_RULE}")
    hint = ""
    if ";" in value and field == "child_ref":
        hint = "; give several children as separate values (repeat --child, or a JSON list)"
    return InvalidIdentity(field, value, f"{shown(value)} is not valid: it {IDENTITY_RULE}{hint}")


def with_lookalike_hint(problem: DomainError, known: dict[str, str]) -> str:
    """The problem's message, naming the known identity the given one looks like, if any
    (`known` maps look-alike keys to identities)."""
    given = getattr(problem, "value", None) or getattr(problem, "code", None)
    existing = known.get(lookalike_key(given)) if given else None
    if existing is None or existing == given:
        return problem.message
    return f"{problem.message}; it looks like {existing!r}, which is known already"


def lookalike_key(value: str) -> str:
    """What a reference looks like to a reader: case, spaces, invisible and look-alike letters
    folded away. Two references with the same key are the same to a person."""
    folded = unicodedata.normalize("NFKC", value).casefold().translate(_INVISIBLE)
    return "".join(folded.split()).translate(_LOOK_ALIKES)


class LookalikeIdentity(DomainError):
    """A new identity that a reader could not tell from one already known."""

    def __init__(self, field: str, given: str, existing: str) -> None:
        super().__init__(
            field,
            f"{shown(given)} looks like {existing!r}, which is known already "
            f"(it differs only by case, spaces or look-alike characters); use {existing!r}",
        )
        self.existing = existing
