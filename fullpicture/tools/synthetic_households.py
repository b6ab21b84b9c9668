"""The people around the synthetic children: NHS numbers, schools' pupil numbers, adults and
households, with the two patterns about adults planted and near-missed.

NHS numbers are drawn from 999 000 0000 to 999 999 9999 with valid check digits: a range the NHS
never issues to a person (kept for testing), so no synthetic number can be anyone's.

Plans are laid on families the generator already made, with a random generator of their own, so
the entries of every family stay exactly as they were without households:
- `new_adult_in_household` planted: a partner of a parent joins 30 days before the end, in a
  family with concerns in the year before; near miss: one joined 200 days before (no longer new).
- `adult_known_elsewhere` planted: an adult who has lived with the child for over a year is named
  in a concern about a child of a well-handled family; near miss: the same, but the adult left
  100 days before the end.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from domain.application import Partnership
from domain.clock import SettableClock
from domain.identifiers import check_digit

HOUSEHOLD_PLANTED = ("new_adult_in_household", "adult_known_elsewhere")
NHS_TEST_PREFIX = "999"
SCHOOLS = ("school-elm", "school-oak")
SOCIAL_CARE = "csc-north"


@dataclass
class PeopleAround:
    """What the generator adds around its children (all of it invented)."""

    nhs_numbers: dict[str, str] = field(default_factory=dict)  # person -> NHS number
    aliases: list[tuple[str, str, str]] = field(default_factory=list)  # child, agency, id
    adults: list[str] = field(default_factory=list)
    # (child, adult, relationship, from_date, on_date or "")
    stays: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    planted: dict[str, list[str]] = field(default_factory=dict)
    near_misses: dict[str, list[str]] = field(default_factory=dict)


def nhs_test_numbers() -> Iterator[str]:
    """Valid NHS numbers from the never-issued 999 range, in order."""
    for serial in range(10**6):
        first_nine = f"{NHS_TEST_PREFIX}{serial:06d}"
        digit = check_digit(first_nine)
        if digit is not None:
            yield f"{first_nine}{digit}"


def people_around(
    children: Sequence[str],
    planted_families: Sequence[list[str]],
    well_handled_families: Sequence[list[str]],
    entries: list[dict[str, str]],
    end: date,
    seed: int,
) -> PeopleAround:
    """Identifiers for every child, and adults and households planted on families that have a
    pattern planted already (so well-handled families stay quiet); an adult known elsewhere is
    named in a concern of a well-handled family (which concerns none of its own household).
    Changes `entries` in place (the adults a concern names)."""
    rng = random.Random(f"households-{seed}")
    around = PeopleAround(
        planted={p: [] for p in HOUSEHOLD_PLANTED}, near_misses={p: [] for p in HOUSEHOLD_PLANTED}
    )
    numbers = nhs_test_numbers()
    for number, child in enumerate(children, start=1):
        around.nhs_numbers[child] = next(numbers)
        around.aliases.append((child, rng.choice(SCHOOLS), f"UPN-{number:06d}"))
    elsewhere = iter(_concerns_of(well_handled_families, entries, rng))
    for index, family in enumerate(planted_families):
        plan = index % 4
        adult = f"A-{index + 1:05d}"
        around.adults.append(adult)
        around.nhs_numbers[adult] = next(numbers)
        if plan == 0:  # new adult, planted
            _stay(around, family, adult, "partner_of_parent", end - timedelta(days=30))
            around.planted["new_adult_in_household"].extend(family)
        elif plan == 1:  # new adult, near miss: joined too long ago to be new
            _stay(around, family, adult, "partner_of_parent", end - timedelta(days=200))
            around.near_misses["new_adult_in_household"].extend(family)
        else:
            entry = next(elsewhere, None)
            if entry is None:
                continue
            entry["adults"] = adult
            if plan == 2:  # known elsewhere, planted
                _stay(around, family, adult, "other_carer", end - timedelta(days=400))
                around.planted["adult_known_elsewhere"].extend(family)
            else:  # near miss: left before the end
                left = end - timedelta(days=100)
                _stay(around, family, adult, "other_carer", end - timedelta(days=600), left)
                around.near_misses["adult_known_elsewhere"].extend(family)
    return around


def _concerns_of(
    families: Sequence[list[str]], entries: list[dict[str, str]], rng: random.Random
) -> list[dict[str, str]]:
    """One concern entry from each of these families, in a shuffled order."""
    first: dict[str, dict[str, str]] = {}
    members = {child: tuple(family) for family in families for child in family}
    for entry in entries:
        family = members.get(entry["child_ref"].split(";")[0])
        if family and entry["kind"] == "concern" and entry.get("concerns"):
            first.setdefault(";".join(family), entry)
    found = list(first.values())
    rng.shuffle(found)
    return found


def _stay(
    around: PeopleAround,
    family: list[str],
    adult: str,
    relationship: str,
    joined: date,
    left: date | None = None,
) -> None:
    for child in family:
        around.stays.append(
            (child, adult, relationship, joined.isoformat(), left.isoformat() if left else "")
        )


def register_people_around(app: Partnership, around: PeopleAround) -> None:
    """NHS numbers, pupil numbers and adults: set up before the entries that name them."""
    for adult in around.adults:
        app.register_adult(adult, SOCIAL_CARE, around.nhs_numbers[adult])
    app.add_child_aliases(around.aliases)


def record_households(app: Partnership, around: PeopleAround, end: date) -> None:
    """Who lived with whom, recorded by social care at the end (every day is past by then)."""
    with app.using_clock(SettableClock(datetime.combine(end, datetime.min.time()))):
        for child, adult, relationship, joined, left in around.stays:
            app.join_household(child, adult, relationship, joined, SOCIAL_CARE)
            if left:
                app.leave_household(child, adult, left, SOCIAL_CARE)


def describe_people_around(around: PeopleAround) -> dict[str, Any]:
    return {
        "adults": len(around.adults),
        "household_planted": {p: len(c) for p, c in around.planted.items()},
    }
