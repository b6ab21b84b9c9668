"""The safeguarding rules an entry must keep before it may become an event.

Pure functions over a draft and what is already recorded; they return the completed draft
(defaults and derived recipients filled in) or raise `InvalidEntry` listing every broken rule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from domain.clock import add_days, day_of
from domain.drafts import (
    ACKNOWLEDGED_KINDS,
    DISCLOSURE_DECISION_FIELDS,
    DRAFT_FIELDS,
    EntryDraft,
)
from domain.entries import ENTRY_EVENTS, event_fields
from domain.errors import (
    DomainError,
    InvalidDate,
    InvalidEntry,
    MissingField,
    MissingLawfulBasis,
    NotInVocabulary,
    UnknownAgency,
    UnknownEntry,
)
from domain.records import agency_knows
from domain.vocabulary import Vocabulary

DEFAULT_REQUEST_DAYS = 5


@dataclass(frozen=True)
class RecordedFacts:
    """What the rules may ask about the partnership's records."""

    agency_is_registered: Callable[[str], bool]
    find_entry: Callable[[str], EntryDraft | None]
    today: date
    vocabulary: Vocabulary


def check_entry(draft: EntryDraft, facts: RecordedFacts) -> EntryDraft:
    """Apply every rule; return the completed draft or raise `InvalidEntry`."""
    problems: list[DomainError] = []
    completed = _complete(draft, facts, problems)
    problems.extend(_common_problems(completed, facts))
    problems.extend(KIND_RULES[completed.kind](completed, facts))
    if problems:
        raise InvalidEntry(problems)
    return completed


def _common_problems(draft: EntryDraft, facts: RecordedFacts) -> list[DomainError]:
    vocabulary = facts.vocabulary
    problems: list[DomainError] = []
    if not facts.agency_is_registered(draft.agency):
        problems.append(UnknownAgency("agency", draft.agency))
    problems.extend(
        UnknownAgency("to_agencies", code)
        for code in draft.to_agencies
        if not facts.agency_is_registered(code)
    )
    if not draft.summary:
        problems.append(MissingField("summary", "is required: what happened, in plain language"))
    problems.extend(_outside("concerns", draft.concerns, vocabulary.concerns))
    problems.extend(_outside("significance", (draft.significance,), vocabulary.significance))
    if day_of(draft.occurred_at) > facts.today:
        problems.append(InvalidDate("occurred_at", f"{draft.occurred_at} is in the future"))
    if draft.agency_recorded_at:
        if day_of(draft.agency_recorded_at) > facts.today:
            problems.append(
                InvalidDate("agency_recorded_at", f"{draft.agency_recorded_at} is in the future")
            )
        if day_of(draft.agency_recorded_at) < day_of(draft.occurred_at):
            problems.append(
                InvalidDate(
                    "agency_recorded_at", f"{draft.agency_recorded_at} is before occurred_at"
                )
            )
    return problems


def _complete(draft: EntryDraft, facts: RecordedFacts, problems: list[DomainError]) -> EntryDraft:
    """Fill in what a practitioner may leave out: defaults, and recipients that follow from the
    entry referred to."""
    changes: dict[str, object] = {}
    if draft.kind == "request" and not draft.due_by:
        changes["due_by"] = add_days(draft.occurred_at, DEFAULT_REQUEST_DAYS)
    if draft.kind == "voice" and not draft.summary and draft.child_words:
        changes["summary"] = draft.child_words
    if draft.kind == "followup" and not draft.channel:
        changes["channel"] = "written"
    problems.extend(_fields_not_carried(draft))
    target = _referred_entry(draft, facts, problems)
    if target is not None:
        routed = _routed_recipients(draft, target, problems)
        if routed is not None:
            changes["to_agencies"] = routed
    return replace(draft, **changes) if changes else draft  # type: ignore[arg-type]


# For each kind, the draft fields its event does not carry, in the draft's order.
_NOT_CARRIED = {
    kind: tuple(name for name in DRAFT_FIELDS if name not in {"kind", *event_fields(event)})
    for kind, event in ENTRY_EVENTS.items()
}


# For each draft field, the kinds whose events carry it, in the order kinds are listed.
_CARRIED_BY = {
    name: tuple(kind for kind, event in ENTRY_EVENTS.items() if name in event_fields(event))
    for name in DRAFT_FIELDS
}


def _fields_not_carried(draft: EntryDraft) -> list[DomainError]:
    """A value in a field the kind does not carry would be dropped without a word: refuse it,
    saying which kinds do carry it."""
    problems: list[DomainError] = []
    for name in _NOT_CARRIED[draft.kind]:
        if not getattr(draft, name):
            continue
        carriers = ", ".join(_CARRIED_BY[name])
        message = f"a {draft.kind} does not carry {name}: only {carriers} carry it"
        if name == "to_agencies":
            message += "; to tell another agency, record a share (with its own lawful basis)"
        problems.append(DomainError(name, message))
    return problems


def _routed_recipients(
    draft: EntryDraft, target: EntryDraft, problems: list[DomainError]
) -> tuple[str, ...] | None:
    """Who an answer, decline, follow-up or correction goes to: it follows from the entry it
    refers to (TRUST.md, "Known by an agency"), never from free choice."""
    if draft.kind in ("response", "decline"):
        routed: tuple[str, ...] = (target.agency,)
        rule = "an answer or decline goes only to the agency that asked"
    elif draft.kind == "acknowledgement":
        routed = (target.agency,)
        rule = "an acknowledgement goes only to the agency that sent what it acknowledges"
    elif draft.kind == "followup":
        routed = target.to_agencies
        rule = "a written follow-up goes to the recipients of the verbal share it follows up"
    elif draft.kind == "correction":
        routed = tuple(code for code in target.to_agencies if code != draft.agency)
        rule = "a correction reaches every agency that knew the corrected entry"
    else:
        return None
    if draft.to_agencies and set(draft.to_agencies) != set(routed):
        listed = ", ".join(routed) or "no other agency"
        problems.append(
            DomainError(
                "to_agencies",
                f"{rule} ({listed}); telling anyone else is a new share with its own lawful basis",
            )
        )
    return routed


# Kinds only an agency the referred entry was addressed to may record.
_RECIPIENT_ONLY = ("response", "decline", "acknowledgement")


# What each linking kind may refer to, and whether it must be the same agency's own entry.
REFERS_TO_RULES: dict[str, tuple[tuple[str, ...], bool]] = {
    "followup": (("share",), True),
    "response": (("request",), False),
    "decline": (("request",), False),
    "correction": (tuple(), True),
    "acknowledgement": (ACKNOWLEDGED_KINDS, False),
}


def _referred_entry(
    draft: EntryDraft, facts: RecordedFacts, problems: list[DomainError]
) -> EntryDraft | None:
    if draft.kind not in REFERS_TO_RULES:
        return None
    if not draft.refers_to:
        problems.append(MissingField("refers_to", "is required: the entry id <agency>:<entry_ref>"))
        return None
    target = facts.find_entry(draft.refers_to)
    if target is None or not agency_knows(draft.agency, target.agency, target.to_agencies):
        # Another agency's entry this one never knew is answered as if it did not exist: an
        # error message must not tell what others recorded (its kind, whom it went to).
        problems.append(UnknownEntry("refers_to", draft.refers_to))
        return None
    kinds, same_agency = REFERS_TO_RULES[draft.kind]
    if kinds and target.kind not in kinds:
        problems.append(
            UnknownEntry(
                "refers_to", draft.refers_to, f"is a {target.kind}, not a {' or '.join(kinds)}"
            )
        )
    if same_agency and target.agency != draft.agency:
        problems.append(
            UnknownEntry(
                "refers_to",
                draft.refers_to,
                f"was recorded by {target.agency}; only {target.agency} may "
                f"{'correct' if draft.kind == 'correction' else 'follow up'} it",
            )
        )
        return None
    if draft.kind in _RECIPIENT_ONLY and draft.agency not in target.to_agencies:
        problems.append(
            UnknownEntry("refers_to", draft.refers_to, f"was not addressed to {draft.agency}")
        )
    if draft.kind == "followup" and not facts.vocabulary.is_spoken(target.channel):
        problems.append(
            UnknownEntry("refers_to", draft.refers_to, "is not a verbal share to follow up")
        )
    return target


def _outside(field: str, values: Sequence[str], allowed: Sequence[str]) -> list[DomainError]:
    return [NotInVocabulary(field, value, allowed) for value in values if value not in allowed]


def _required(draft: EntryDraft, *names: str) -> list[DomainError]:
    return [MissingField(name) for name in names if not getattr(draft, name)]


def _share_rules(draft: EntryDraft, facts: RecordedFacts) -> list[DomainError]:
    vocabulary = facts.vocabulary
    problems = _required(draft, "to_agencies", "channel", "reason", "consent", "family_informed")
    if not draft.lawful_basis:
        problems.append(MissingLawfulBasis())
    problems += _vocabulary_problems(draft, vocabulary, "channel", "lawful_basis", "consent")
    problems += _outside(
        "family_informed", _given(draft.family_informed), vocabulary.family_informed
    )
    if draft.agency in draft.to_agencies:
        problems.append(DomainError("to_agencies", "an agency does not share with itself"))
    return problems


def _followup_rules(draft: EntryDraft, facts: RecordedFacts) -> list[DomainError]:
    written = facts.vocabulary.written_channels
    problems = _outside("channel", (draft.channel,), written)
    return problems + _vocabulary_problems(draft, facts.vocabulary, *DISCLOSURE_DECISION_FIELDS)


def _response_rules(draft: EntryDraft, facts: RecordedFacts) -> list[DomainError]:
    """An answer is a disclosure, but one recorded without a lawful basis is kept (a case review
    imports what agencies wrote, gaps included): `disclosure_warnings` says so instead."""
    return _vocabulary_problems(draft, facts.vocabulary, "channel", *DISCLOSURE_DECISION_FIELDS)


def _request_rules(draft: EntryDraft, facts: RecordedFacts) -> list[DomainError]:
    problems = _required(draft, "to_agencies", "reason")
    problems += _vocabulary_problems(draft, facts.vocabulary, "channel")
    if draft.due_by and draft.due_by < draft.occurred_at[:10]:
        problems.append(InvalidDate("due_by", f"{draft.due_by} is before occurred_at"))
    if draft.agency in draft.to_agencies:
        problems.append(DomainError("to_agencies", "an agency does not ask itself"))
    return problems


def _decline_rules(draft: EntryDraft, facts: RecordedFacts) -> list[DomainError]:
    problems = _vocabulary_problems(draft, facts.vocabulary, "channel")
    if not draft.reason:
        problems.append(
            MissingField("reason", "is required: a decision not to share is recorded with why")
        )
    return problems


def _consent_rules(draft: EntryDraft, facts: RecordedFacts) -> list[DomainError]:
    problems = _required(draft, "consent", "reason")
    if not draft.lawful_basis:
        problems.append(MissingLawfulBasis())
    return problems + _vocabulary_problems(draft, facts.vocabulary, "lawful_basis", "consent")


def _voice_rules(draft: EntryDraft, facts: RecordedFacts) -> list[DomainError]:
    problems = _required(draft, "child_words", "captured_how")
    return problems + _vocabulary_problems(draft, facts.vocabulary, "captured_how")


def _transfer_rules(draft: EntryDraft, facts: RecordedFacts) -> list[DomainError]:
    return _required(draft, "transfer") + _vocabulary_problems(draft, facts.vocabulary, "transfer")


def _acknowledgement_rules(draft: EntryDraft, facts: RecordedFacts) -> list[DomainError]:
    problems = _required(draft, "outcome")
    return problems + _vocabulary_problems(draft, facts.vocabulary, "outcome")


def _no_extra_rules(draft: EntryDraft, facts: RecordedFacts) -> list[DomainError]:
    return []


def _vocabulary_problems(
    draft: EntryDraft, vocabulary: Vocabulary, *names: str
) -> list[DomainError]:
    problems: list[DomainError] = []
    for name in names:
        allowed = vocabulary.channels if name == "channel" else getattr(vocabulary, name)
        problems += _outside(name, _given(getattr(draft, name)), allowed)
    return problems


LAWFUL_BASIS_NOT_RECORDED = (
    "not recorded: an answer is a disclosure, so record the lawful basis it was shared on; "
    'it is kept and shown as "lawful basis not recorded"'
)


def disclosure_warnings(draft: EntryDraft) -> list[DomainError]:
    """What is kept but should be put right: an answer recorded without a lawful basis (DOMAIN.md,
    rule 7). A follow-up without one states its share's; a share cannot be recorded without."""
    if draft.kind == "response" and not draft.lawful_basis:
        return [DomainError("lawful_basis", LAWFUL_BASIS_NOT_RECORDED)]
    return []


def _given(value: str) -> tuple[str, ...]:
    return (value,) if value else ()


KIND_RULES: dict[str, Callable[[EntryDraft, RecordedFacts], list[DomainError]]] = {
    "concern": _no_extra_rules,
    "share": _share_rules,
    "followup": _followup_rules,
    "request": _request_rules,
    "response": _response_rules,
    "decline": _decline_rules,
    "consent": _consent_rules,
    "voice": _voice_rules,
    "action": _no_extra_rules,
    "transfer": _transfer_rules,
    "correction": _no_extra_rules,
    "acknowledgement": _acknowledgement_rules,
}
