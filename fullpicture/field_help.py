"""What each field of an entry means, and the words a controlled field allows, for `--help`.

The allowed words come from the partnership's configured vocabulary (FULLPICTURE_VOCABULARY_FILE
adds to the shared defaults), so help never lists a word the partnership would refuse.
"""

from __future__ import annotations

from domain.vocabulary import DEFAULT_VOCABULARY, Vocabulary

FIELD_HELP = {
    "agency": "the agency recording it (default: your own)",
    "entry_ref": "your agency's own reference for the entry (recording it again changes nothing)",
    "occurred_at": "when it happened (ISO 8601 date or date and time)",
    "agency_recorded_at": "when your agency recorded it in its own system (ISO 8601)",
    "practitioner": "who recorded it",
    "summary": "what happened, in plain words",
    "concerns": "the concern categories (repeat, or ';'-separated)",
    "significance": "how significant it is (default medium)",
    "to_agencies": "the agencies it was shared with or asked of (repeat, or ';'-separated)",
    "channel": "how it was shared",
    "reason": "why it was shared, requested or declined",
    "lawful_basis": "the lawful basis for sharing",
    "consent": "the family's consent to sharing",
    "family_informed": "whether the family was told of the sharing",
    "child_words": "the child's own words (voice entries)",
    "captured_how": "how the child's voice was captured",
    "refers_to": "the id (AGENCY:REF) of the entry this one answers, follows up or corrects",
    "due_by": "when a response or action is due (ISO 8601)",
    "transfer": "what kind of transfer (transfer entries)",
    "outcome": "what your agency did with what it acknowledges (acknowledgement entries)",
    "agency_type": "what kind of agency",
}


def allowed_values(field: str, vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> tuple[str, ...]:
    """The words a controlled field allows; () for a free field."""
    if field == "channel":
        return vocabulary.channels
    if field in vocabulary.__dataclass_fields__:
        return tuple(getattr(vocabulary, field))
    return ()


def field_help(field: str, vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> str:
    text = FIELD_HELP.get(field, field.replace("_", " "))
    allowed = allowed_values(field, vocabulary)
    return f"{text}; one of: {', '.join(allowed)}" if allowed else text
