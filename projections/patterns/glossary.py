"""The acronym glossary for the plain-language check; a partnership can add its own rows."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_GLOSSARY = Path(__file__).with_name("glossary.csv")
CHECKED_LIMIT = 100_000


@dataclass(frozen=True)
class Acronym:
    acronym: str
    expansion: str
    ambiguous: str  # another common meaning, if the acronym is ambiguous

    def expanded_in(self, text: str) -> bool:
        lowered = text.lower()
        meanings = [self.expansion] + ([self.ambiguous] if self.ambiguous else [])
        return any(meaning.lower() in lowered for meaning in meanings)


@dataclass(frozen=True)
class Glossary:
    acronyms: dict[str, Acronym]
    pattern: re.Pattern[str]
    # Summaries already checked: gaps stay open, so every refresh checks a child's every shared
    # summary again, and most were checked before.
    _checked: dict[str, list[Acronym]] = field(default_factory=dict, compare=False, repr=False)

    def unexplained(self, text: str) -> list[Acronym]:
        """Acronyms used as whole words in the text with no expansion alongside."""
        known = self._checked.get(text)
        if known is not None:
            return known
        found = dict.fromkeys(self.pattern.findall(text))
        unexplained = [self.acronyms[a] for a in found if not self.acronyms[a].expanded_in(text)]
        if len(self._checked) >= CHECKED_LIMIT:
            self._checked.clear()
        self._checked[text] = unexplained
        return unexplained


def load_glossary(extra_path: Path | None = None) -> Glossary:
    acronyms: dict[str, Acronym] = {}
    for path in (DEFAULT_GLOSSARY, extra_path):
        if path is None:
            continue
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                acronym = row["acronym"].strip()
                acronyms[acronym] = Acronym(
                    acronym, row["expansion"].strip(), (row.get("ambiguous") or "").strip()
                )
    words = sorted(acronyms, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, words)) + r")(?![\w-])")
    return Glossary(acronyms, pattern)
