"""A partnership's own additions to the controlled vocabularies, from a TOML file.

    [vocabulary]
    concerns = ["county_lines"]
    agency_type = ["early_years"]

Additions only: the shared defaults always stay. In distributed mode, values that the published
Avro contract does not know are refused at start-up, because agencies' systems could not read
them; publish a new schema version first.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from domain.vocabulary import DEFAULT_VOCABULARY, Vocabulary
from fullpicture.config import VOCABULARY_FILE, ConfigurationError

# Vocabulary field -> the Avro enum that carries it in the contract.
CONTRACT_ENUMS = {
    "concerns": "ConcernCategory",
    "spoken_channels": "Channel",
    "written_channels": "Channel",
    "consent": "ConsentStatus",
    "family_informed": "FamilyInformed",
    "lawful_basis": "LawfulBasis",
    "agency_type": "AgencyType",
    "captured_how": "CapturedHow",
    "transfer": "TransferType",
    "significance": "Significance",
}


def load_vocabulary(path: Path | None, within_contract: bool) -> Vocabulary:
    """The default vocabulary and the file's additions; `within_contract`: each one checked
    against the published Avro contract (events then travel over Kafka)."""
    if path is None:
        return DEFAULT_VOCABULARY
    try:
        additions = tomllib.loads(path.read_text(encoding="utf-8")).get("vocabulary", {})
        vocabulary = DEFAULT_VOCABULARY.extended(additions)
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as error:
        raise ConfigurationError(VOCABULARY_FILE, f"{path}: {error}") from None
    if within_contract:
        _check_contract_knows(vocabulary)
    return vocabulary


def _check_contract_knows(vocabulary: Vocabulary) -> None:
    from schemas.registry import enum_symbols

    for field, enum in CONTRACT_ENUMS.items():
        unknown = set(getattr(vocabulary, field)) - set(enum_symbols(enum))
        if unknown:
            raise ConfigurationError(
                VOCABULARY_FILE,
                f"{field} adds {sorted(unknown)}, which the published Avro contract "
                f"({enum}) does not carry; add a new schema version first",
            )
