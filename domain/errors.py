"""Errors with domain names; each carries the field that is wrong, for every entry point to say."""

from __future__ import annotations

from collections.abc import Sequence


class DomainError(Exception):
    """Something a practitioner asked for breaks a rule; `field` names the input that is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class MissingField(DomainError):
    """A field the rules require is empty."""

    def __init__(self, field: str, why: str = "is required") -> None:
        super().__init__(field, why)


class MissingLawfulBasis(MissingField):
    """A share without a lawful basis (rule 3: consent is not needed, a lawful basis is)."""

    def __init__(self) -> None:
        super().__init__("lawful_basis", "is required: every share needs a lawful basis")


class NotInVocabulary(DomainError):
    """A controlled field holds a word the partnership does not use."""

    def __init__(self, field: str, value: str, allowed: Sequence[str]) -> None:
        suggestion = nearest_word(value, allowed)
        hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
        super().__init__(field, f"{value!r} is not one of: {', '.join(allowed)}{hint}")
        self.value = value


def nearest_word(word: str, words: Sequence[str]) -> str | None:
    """The allowed word closest to a mistyped one (case aside), if one is close enough."""
    import difflib

    by_lower = {w.lower(): w for w in words}
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[close[0]] if close else None


class InvalidDate(DomainError):
    """A date that is not ISO 8601, or one in the future where only the past makes sense."""


class UnknownAgency(DomainError):
    """An agency code that was never registered."""

    def __init__(self, field: str, code: str) -> None:
        super().__init__(field, f"agency {code!r} is not registered")
        self.code = code


class UnknownAdult(DomainError):
    """An adult reference that was never registered (`fullpicture adult register`)."""

    def __init__(self, field: str, adult_ref: str) -> None:
        super().__init__(field, f"adult {adult_ref!r} is not registered")
        self.adult_ref = adult_ref


class UnknownEntry(DomainError):
    """`refers_to` names an entry that does not exist (yet)."""

    def __init__(self, field: str, entry_id: str, why: str = "no such entry") -> None:
        super().__init__(field, f"{entry_id!r}: {why}")
        self.entry_id = entry_id


class ConflictingEntry(DomainError):
    """The agency already recorded this `entry_ref` with different content; record a correction."""


class BirthDateNotAddable(ConflictingEntry):
    """A child registered without a date of birth (by NHS number only) is given one later. A
    registration is one event, kept as recorded, and no event adds a date of birth to it yet."""

    def __init__(self, child_ref: str) -> None:
        super().__init__(
            "date_of_birth",
            f"{child_ref} is registered without a date of birth, and one cannot be added to a "
            "registration afterwards (the chronology is kept without it)",
        )


class BirthDateConflict(ConflictingEntry):
    """A child is registered already with another date of birth. The stored date is never
    said: an answer naming it would tell anyone who guesses a child's reference their birthday."""

    def __init__(self, child_ref: str) -> None:
        super().__init__(
            "date_of_birth",
            f"{child_ref} is registered already with a different date of birth; the agency "
            "that registered it can check it (this attempt is recorded in the access log)",
        )
        self.child_ref = child_ref


class AgencyConflict(DomainError):
    """The agency code is registered already with different details."""


class InvalidEntry(Exception):
    """One entry broke one or more rules; nothing of it was recorded."""

    def __init__(self, problems: Sequence[DomainError]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))
