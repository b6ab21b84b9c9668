"""Controlled vocabularies: the words every agency's entries are recorded in.

A partnership may extend any of them by configuration (see `Vocabulary.extended`); the defaults
are the ones the whole partnership shares.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

CONCERN_CATEGORIES = (
    "neglect",
    "physical_abuse",
    "emotional_abuse",
    "sexual_abuse",
    "domestic_abuse",
    "parental_mental_health",
    "parental_substance_misuse",
    "child_mental_health",
    "self_harm",
    "missing",
    "exploitation",
    "online_harm",
    "education_attendance",
    "missed_health_appointment",
    "housing",
    "injury",
    "change_of_address",
    "change_of_school",
    "other",
)
SPOKEN_CHANNELS = ("verbal", "phone", "meeting")
WRITTEN_CHANNELS = ("written", "secure_email", "portal", "letter")
CONSENT_STATUSES = ("given", "refused", "not_sought_unsafe", "not_needed")
FAMILY_INFORMED = ("yes", "no_unsafe", "no")
LAWFUL_BASES = (
    "public_task",
    "legal_obligation",
    "vital_interests",
    "consent",
    "legitimate_interests",
)
AGENCY_TYPES = (
    "police",
    "health",
    "education",
    "social_care",
    "housing",
    "probation",
    "youth_justice",
    "voluntary",
    "other",
)
VOICE_CAPTURED_HOW = ("direct_words", "observation", "advocate", "other")
TRANSFER_TYPES = ("assessment", "closure", "team_transfer", "step_down")
SIGNIFICANCE_LEVELS = ("low", "medium", "high")
# What a recipient did with a share, follow-up or answer it acknowledges.
ACKNOWLEDGEMENT_OUTCOMES = ("noted", "action_planned", "passed_on", "not_for_us")


@dataclass(frozen=True)
class Vocabulary:
    """The allowed values for each controlled field, keyed by the field's name."""

    concerns: tuple[str, ...] = CONCERN_CATEGORIES
    spoken_channels: tuple[str, ...] = SPOKEN_CHANNELS
    written_channels: tuple[str, ...] = WRITTEN_CHANNELS
    consent: tuple[str, ...] = CONSENT_STATUSES
    family_informed: tuple[str, ...] = FAMILY_INFORMED
    lawful_basis: tuple[str, ...] = LAWFUL_BASES
    agency_type: tuple[str, ...] = AGENCY_TYPES
    captured_how: tuple[str, ...] = VOICE_CAPTURED_HOW
    transfer: tuple[str, ...] = TRANSFER_TYPES
    significance: tuple[str, ...] = SIGNIFICANCE_LEVELS
    outcome: tuple[str, ...] = ACKNOWLEDGEMENT_OUTCOMES

    @property
    def channels(self) -> tuple[str, ...]:
        return self.spoken_channels + self.written_channels

    def is_spoken(self, channel: str) -> bool:
        return channel in self.spoken_channels

    def extended(self, extra: Mapping[str, Iterable[str]]) -> Vocabulary:
        """A copy with more allowed values; unknown vocabulary names are an error."""
        changes: dict[str, tuple[str, ...]] = {}
        for name, values in extra.items():
            if name not in self.__dataclass_fields__:
                raise KeyError(f"unknown vocabulary {name!r}")
            current: tuple[str, ...] = getattr(self, name)
            changes[name] = current + tuple(v for v in values if v not in current)
        return replace(self, **changes)


DEFAULT_VOCABULARY = Vocabulary()
