"""The partnership's agencies as a deployment lists them: a CSV file `fullpicture init` registers.

    code,name,type,contact
    police-north,Northshire Police,police,mash@police.example

`type` is one of the configured agency types; `contact` may be empty. Every row is checked before
any is registered, so a bad file registers nothing.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from domain.errors import DomainError, NotInVocabulary
from domain.identities import identity_problem
from domain.vocabulary import Vocabulary

COLUMNS = ("code", "name", "type", "contact")
REQUIRED = ("code", "name", "type")


@dataclass(frozen=True)
class AgencyRow:
    code: str
    name: str
    agency_type: str
    contact: str


class AgenciesFileError(ValueError):
    """Every problem in the file, each naming its row and column."""


def read_agencies_file(path: Path, vocabulary: Vocabulary) -> list[AgencyRow]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
            header = rows[0].keys() if rows else _header(path)
    except OSError as error:
        raise AgenciesFileError(f"{path}: {error.strerror or error}") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise AgenciesFileError(f"{path}: not a UTF-8 CSV file ({error})") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise AgenciesFileError(
            f"{path}: missing column(s) {', '.join(missing)}; expected {','.join(COLUMNS)}"
        )
    problems: list[str] = []
    agencies: list[AgencyRow] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        values = {c: (row.get(c) or "").strip() for c in COLUMNS}
        found = [f"column {c}: is required" for c in REQUIRED if not values[c]]
        if values["code"]:
            bad = identity_problem("code", values["code"])
            if bad is not None:
                found.append(f"column {bad}")
            elif values["code"] in seen:
                found.append(f"column code: {values['code']!r} is listed twice")
            seen.add(values["code"])
        if values["type"] and values["type"] not in vocabulary.agency_type:
            wrong: DomainError = NotInVocabulary("type", values["type"], vocabulary.agency_type)
            found.append(f"column {wrong}")
        problems += [f"{path}: row {number}, {problem}" for problem in found]
        agencies.append(
            AgencyRow(values["code"], values["name"], values["type"], values["contact"])
        )
    if problems:
        raise AgenciesFileError("\n".join(problems))
    return agencies


def _header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return next(csv.reader(handle), [])
