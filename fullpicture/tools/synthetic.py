"""A deterministic synthetic partnership: fictional agencies, families and years of entries.

Used by `fullpicture demo`, `fullpicture evaluate`, the tests and the benchmark. Most families are
well handled (shares followed up in writing, requests answered, the child heard and what they
said passed on, partners asked before closing); a quarter have one pattern of concern planted near
the end, so every detector has something to find; an eighth have a near miss of one pattern (the
same shape, just inside the rule: a window missed by days, a late follow-up that came, a voice
passed on), so a detector that fires too readily is caught.
Everything is invented: place names, agencies, references. No person's details appear anywhere.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from domain.application import Partnership
from domain.clock import SettableClock, now

Entry = dict[str, str]

AGENCIES = (
    ("police-north", "Northshire Police", "police"),
    ("police-east", "Eastmarch Police", "police"),
    ("health-visiting", "Northshire Health Visiting", "health"),
    ("gp-willow", "Willow Lane Surgery", "health"),
    ("hospital-ash", "Ashford General Hospital", "health"),
    ("school-elm", "Elm Primary School", "education"),
    ("school-oak", "Oakfield Academy", "education"),
    ("csc-north", "Northshire Children's Social Care", "social_care"),
    ("housing-north", "Northshire Housing", "housing"),
    ("probation-north", "Northshire Probation", "probation"),
    ("youth-justice", "Northshire Youth Justice Service", "youth_justice"),
    ("charity-harbour", "Harbour Family Support", "voluntary"),
    ("library-outreach", "Northshire Library Outreach", "other"),
)
SOCIAL_CARE = "csc-north"
# Categories the everyday cycle rotates through, so well-handled families never repeat one
# three times within ninety days.
EVERYDAY_CONCERNS = (
    "neglect",
    "education_attendance",
    "housing",
    "emotional_abuse",
    "child_mental_health",
    "injury",
    "online_harm",
    "other",
)
REPORTERS = (
    "police-north",
    "health-visiting",
    "school-elm",
    "housing-north",
    "gp-willow",
    "charity-harbour",
    "school-oak",
)
PLANTED = (
    "recurring_concern",
    "escalation",
    "fragmented_picture",
    "toxic_trio",
    "was_not_brought",
    "repeat_missing",
    "unanswered_request",
    "no_written_followup",
    "voice_absent",
    "closed_without_partnership_check",
    "consent_relied_on",
    "frequent_moves",
    "jargon",
    "share_not_acknowledged",
)
# The patterns planted in turn on every fourth family (and as near misses on every eighth): an
# odd number of them, so each comes round on both. A pattern added since takes one family in 32
# of those otherwise well handled, as planted, and another as a near miss, so the partnership's
# other families stay as they were.
ROTATED = PLANTED[:13]
LATER_PLANTED, LATER_NEAR_MISS = 5, 21
WORDS = (
    "I don't like it when they shout.",
    "I want to stay at my school.",
    "My brother looks after me.",
    "I'm hungry when I get to school.",
    "I like my teacher.",
    "Home is calmer now.",
    "I worry about my mum.",
)


@dataclass
class SyntheticPartnership:
    agencies: list[tuple[str, str, str]]
    children: list[tuple[str, str]]  # (child_ref, date_of_birth)
    entries: list[Entry]
    planted: dict[str, list[str]] = field(default_factory=dict)
    well_handled: list[str] = field(default_factory=list)
    today: date = date(2025, 6, 30)
    near_misses: dict[str, list[str]] = field(default_factory=dict)
    well_handled_families: list[list[str]] = field(default_factory=list)


class _Family:
    """Writes one family's entries in time order, with each agency's own references."""

    def __init__(
        self, refs: list[str], rng: random.Random, counters: dict[str, int], today: date
    ) -> None:
        self.refs = refs
        self.rng = rng
        self.counters = counters
        self.today = today
        self.entries: list[Entry] = []
        self.recorded: dict[str, datetime] = {}

    def add(self, kind: str, agency: str, when: datetime, summary: str, **fields: str) -> str:
        self.counters[agency] = self.counters.get(agency, 0) + 1
        ref = f"{agency.split('-')[0][:3].upper()}-{self.counters[agency]:06d}"
        recorded = max(
            min(
                when + timedelta(hours=self.rng.randint(1, 72)),
                datetime.combine(self.today, datetime.min.time()),
            ),
            when,
        )
        if "refers_to" in fields:  # nothing is stored before the entry it refers to
            recorded = max(recorded, self.recorded[fields["refers_to"]])
        occurred = when.date().isoformat() if self.rng.random() < 0.3 else when.isoformat()
        entry = {
            "kind": kind,
            "agency": agency,
            "entry_ref": ref,
            "child_ref": ";".join(self.refs),
            "occurred_at": occurred,
            # The simulated system time: `record_entries` sets the clock to it, never the entry.
            "recorded_at": recorded.isoformat(),
            "summary": summary,
            "practitioner": f"{agency} duty desk",
            **fields,
        }
        self.recorded[f"{agency}:{ref}"] = datetime.fromisoformat(entry["recorded_at"])
        self.entries.append(entry)
        return f"{agency}:{ref}"

    def concern(
        self,
        agency: str,
        when: datetime,
        category: str,
        significance: str = "medium",
        summary: str | None = None,
    ) -> str:
        text = summary or f"Concern about {category.replace('_', ' ')} noted by staff."
        return self.add("concern", agency, when, text, concerns=category, significance=significance)

    def share(
        self,
        agency: str,
        when: datetime,
        to: str,
        channel: str = "phone",
        summary: str = "Shared the concern so the family can be supported.",
        consent: str = "not_needed",
        follow_up: bool = True,
        acknowledged: bool = True,
    ) -> str:
        share_id = self.add(
            "share",
            agency,
            when,
            summary,
            to_agencies=to,
            channel=channel,
            reason="So partners can support the children.",
            lawful_basis="public_task",
            consent=consent,
            family_informed=self.rng.choice(["yes", "yes", "no_unsafe"]),
        )
        spoken = channel in ("verbal", "phone", "meeting")
        if follow_up and spoken:
            followup_id = self.add(
                "followup",
                agency,
                when + timedelta(hours=20),
                "Written summary of the phone call sent.",
                refers_to=share_id,
                channel="secure_email",
            )
            if acknowledged:
                self.acknowledge(to, followup_id, when + timedelta(hours=44))
        elif acknowledged and not spoken:
            self.acknowledge(to, share_id, when + timedelta(hours=26))
        return share_id

    def acknowledge(self, agency: str, refers_to: str, when: datetime) -> str | None:
        """The recipient acknowledges what it received. Made without the family's random
        numbers (and with references of their own), so adding acknowledgements left every
        other entry of the partnership as it was."""
        if when.date() > self.today:
            return None
        key = f"{agency}/acknowledgement"
        self.counters[key] = self.counters.get(key, 0) + 1
        ref = f"ACK-{self.counters[key]:06d}"
        recorded = max(when, self.recorded[refers_to])
        self.recorded[f"{agency}:{ref}"] = recorded
        self.entries.append(
            {
                "kind": "acknowledgement",
                "agency": agency,
                "entry_ref": ref,
                "child_ref": ";".join(self.refs),
                "occurred_at": when.isoformat(),
                "recorded_at": recorded.isoformat(),
                "summary": "Received and read; the team knows what to watch for.",
                "practitioner": f"{agency} duty desk",
                "refers_to": refers_to,
                "outcome": "noted",
            }
        )
        return f"{agency}:{ref}"

    def request(
        self,
        agency: str,
        when: datetime,
        to: str,
        answer_days: int | None,
        summary: str = "Asked for recent contact and any worries.",
    ) -> str:
        request_id = self.add(
            "request",
            agency,
            when,
            summary,
            to_agencies=to,
            reason="Building the picture for the family's plan.",
            due_by=(when + timedelta(days=5)).date().isoformat(),
        )
        if answer_days is not None:
            answered = when + timedelta(days=answer_days)
            answer_id = self.add(
                "response",
                to,
                answered,
                "Replied with contact history.",
                refers_to=request_id,
            )
            self.acknowledge(agency, answer_id, answered + timedelta(hours=22))
        return request_id

    def voice(self, agency: str, when: datetime) -> str:
        return self.add(
            "voice",
            agency,
            when,
            "Spent time with the child on their own.",
            child_words=self.rng.choice(WORDS),
            captured_how=self.rng.choice(
                ["direct_words", "direct_words", "observation", "advocate"]
            ),
        )

    def heard_and_passed_on(self, agency: str, when: datetime) -> str:
        """The child heard; an agency other than social care passes what they said on to it."""
        voice_id = self.voice(agency, when)
        if agency != SOCIAL_CARE:
            self.share(
                agency,
                when + timedelta(hours=2),
                SOCIAL_CARE,
                channel="secure_email",
                summary="Passed on what the child told us, in their own words.",
            )
        return voice_id

    def transfer(self, when: datetime, transfer: str) -> str:
        return self.add(
            "transfer",
            SOCIAL_CARE,
            when,
            f"{transfer.replace('_', ' ')} recorded.",
            transfer=transfer,
        )


def generate_partnership(
    children: int = 300, seed: int = 1, months: int = 24, today: date | None = None
) -> SyntheticPartnership:
    """The same seed always gives the same partnership."""
    rng = random.Random(seed)
    end = today or date(2025, 6, 30)
    start = end - timedelta(days=months * 30)
    counters: dict[str, int] = {}
    result = SyntheticPartnership(
        list(AGENCIES), [], [], {p: [] for p in PLANTED}, [], end, {p: [] for p in PLANTED}
    )
    made = 0
    family_number = 0
    while made < children:
        size = min(rng.choice([1, 1, 2, 2, 3]), children - made)
        refs = [f"C-{made + n + 1:05d}" for n in range(size)]
        made += size
        for ref in refs:
            born = start - timedelta(days=rng.randint(60, 12 * 365))
            result.children.append((ref, born.isoformat()))
        family = _Family(refs, rng, counters, end)
        pattern = ROTATED[family_number % len(ROTATED)]
        planted = pattern if family_number % 4 == 3 else None
        near_miss = pattern if family_number % 8 == 1 else None
        if family_number % 32 == LATER_PLANTED:
            planted = "share_not_acknowledged"
        elif family_number % 32 == LATER_NEAR_MISS:
            near_miss = "share_not_acknowledged"
        family_number += 1
        _everyday(family, start, end, planted or near_miss)
        if planted is not None:
            _PLANTERS[planted](family, end)
            result.planted[planted].extend(refs)
        elif near_miss is not None:
            _NEAR_MISSES[near_miss](family, end)
            result.near_misses[near_miss].extend(refs)
        else:
            result.well_handled.extend(refs)
            result.well_handled_families.append(refs)
        result.entries.extend(family.entries)
    return result


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, datetime.min.time()) + timedelta(
        hours=rng.randint(8, 17), minutes=rng.choice([0, 15, 30])
    )


def _everyday(family: _Family, start: date, end: date, planted: str | None) -> None:
    """Well-handled practice: concerns shared and followed up, requests answered, voice heard
    and passed on to social care. A family with something planted goes quiet 130 days before the
    end (the child last heard by social care), so what is planted stands on its own."""
    rng = family.rng
    quiet_from = end - timedelta(days=130) if planted else end
    concerns = list(EVERYDAY_CONCERNS)
    rng.shuffle(concerns)
    day = start + timedelta(days=rng.randint(0, 20))
    cycle = 0
    while day < quiet_from - timedelta(days=8):  # every follow-on lands before the end
        when = _at(day, rng)
        reporter = rng.choice(REPORTERS)
        family.concern(reporter, when, concerns[cycle % len(concerns)])
        family.share(
            reporter,
            when + timedelta(hours=1),
            SOCIAL_CARE,
            channel=rng.choice(["phone", "secure_email", "meeting"]),
        )
        if cycle % 3 == 0:
            family.request(
                SOCIAL_CARE,
                when + timedelta(days=1),
                rng.choice(["health-visiting", "school-elm", "gp-willow"]),
                answer_days=rng.randint(1, 4),
            )
        if cycle % 2 == 0:
            family.heard_and_passed_on(
                rng.choice(["school-elm", SOCIAL_CARE]), when + timedelta(days=2)
            )
        if cycle == 8:
            family.transfer(when + timedelta(days=3), "assessment")
        cycle += 1
        day += timedelta(days=rng.randint(21, 35))
    if planted is not None:
        family.voice(SOCIAL_CARE, _at(quiet_from - timedelta(days=10), rng))
    elif rng.random() < 0.3 and quiet_from - start > timedelta(days=120):
        closing = _at(quiet_from - timedelta(days=2), rng)
        family.request(
            SOCIAL_CARE,
            closing - timedelta(days=10),
            "health-visiting",
            2,
            summary="Any worries before we close?",
        )
        family.voice(SOCIAL_CARE, closing - timedelta(days=5))
        family.transfer(closing, "closure")


def _days_ago(end: date, days: int, rng: random.Random) -> datetime:
    return _at(end - timedelta(days=days), rng)


def _steady_before(f: _Family, end: date) -> None:
    """Two shared concerns in the ninety days before the last ninety: what follows is no
    escalation, so a pattern planted after them stands alone."""
    for days, category in ((150, "housing"), (110, "other")):
        when = _days_ago(end, days, f.rng)
        f.concern("police-north", when, category)
        f.share("police-north", when + timedelta(hours=1), SOCIAL_CARE, channel="secure_email")


def _recurring(f: _Family, end: date) -> None:
    _steady_before(f, end)
    for days in (70, 40, 12):
        f.concern(
            "school-elm",
            _days_ago(end, days, f.rng),
            "neglect",
            summary="Arrived hungry and in unwashed clothes.",
        )


def _escalation(f: _Family, end: date) -> None:
    for days, category in zip(
        (80, 60, 40, 25, 10),
        ("injury", "emotional_abuse", "neglect", "online_harm", "self_harm"),
        strict=True,
    ):
        f.concern("police-north", _days_ago(end, days, f.rng), category)


def _fragmented(f: _Family, end: date) -> None:
    _steady_before(f, end)
    for days, agency, category in (
        (60, "school-elm", "neglect"),
        (45, "gp-willow", "injury"),
        (20, "housing-north", "housing"),
    ):
        f.concern(agency, _days_ago(end, days, f.rng), category)


def _toxic_trio(f: _Family, end: date) -> None:
    for days, agency, category in (
        (100, "police-north", "domestic_abuse"),
        (70, "gp-willow", "parental_mental_health"),
        (30, "probation-north", "parental_substance_misuse"),
    ):
        f.concern(agency, _days_ago(end, days, f.rng), category)


def _was_not_brought(f: _Family, end: date) -> None:
    for days in (110, 30):
        f.concern(
            "health-visiting",
            _days_ago(end, days, f.rng),
            "missed_health_appointment",
            summary="The child was not brought to the developmental check.",
        )


def _repeat_missing(f: _Family, end: date) -> None:
    for days in (60, 20):
        went = _days_ago(end, days, f.rng)
        f.concern(
            "police-north",
            went,
            "missing",
            significance="high",
            summary="Reported missing overnight, found the next day.",
        )
        f.add("action", "youth-justice", went + timedelta(days=5), "Return home interview held.")


def _unanswered(f: _Family, end: date) -> None:
    f.request(SOCIAL_CARE, _days_ago(end, 25, f.rng), "gp-willow", answer_days=None)


def _no_followup(f: _Family, end: date) -> None:
    f.share(
        "police-north",
        _days_ago(end, 12, f.rng),
        "school-elm",
        channel="phone",
        follow_up=False,
        summary="Told the school by phone about an incident at home.",
    )


def _voice_absent(f: _Family, end: date) -> None:
    """The school heard the child and never told social care, who then assessed."""
    f.voice("school-elm", _days_ago(end, 40, f.rng))
    f.transfer(_days_ago(end, 20, f.rng), "assessment")


def _closed_unchecked(f: _Family, end: date) -> None:
    """Social care asked health before closing; health declined; the case closed anyway."""
    f.voice(SOCIAL_CARE, _days_ago(end, 30, f.rng))
    asked = f.request(
        SOCIAL_CARE,
        _days_ago(end, 25, f.rng),
        "health-visiting",
        None,
        "Any worries before we close?",
    )
    f.add(
        "decline",
        "health-visiting",
        _days_ago(end, 22, f.rng),
        "Not shared: the records are with another trust.",
        refers_to=asked,
        reason="Not held here.",
    )
    f.transfer(_days_ago(end, 15, f.rng), "closure")


def _consent(f: _Family, end: date) -> None:
    seen = _days_ago(end, 25, f.rng)
    f.concern(
        "school-elm",
        seen,
        "injury",
        significance="high",
        summary="Bruising seen on the child's arm.",
    )
    f.add(
        "consent",
        "school-elm",
        seen + timedelta(days=4),
        "Parent agreed to the referral.",
        consent="given",
        lawful_basis="consent",
        reason="Waited to speak to the parent first.",
    )
    f.share(
        "school-elm",
        seen + timedelta(days=5),
        SOCIAL_CARE,
        channel="portal",
        consent="given",
        summary="Referred the bruising once the parent agreed.",
    )


def _moves(f: _Family, end: date) -> None:
    for days, category in (
        (300, "change_of_address"),
        (180, "change_of_school"),
        (40, "change_of_address"),
    ):
        f.concern(
            "housing-north",
            _days_ago(end, days, f.rng),
            category,
            significance="low",
            summary="The family moved again.",
        )


def _jargon(f: _Family, end: date) -> None:
    f.share(
        "police-north",
        _days_ago(end, 15, f.rng),
        SOCIAL_CARE,
        channel="secure_email",
        summary="Referred to MASH after the DV call-out; S47 likely.",
    )


def _a_friday(end: date, days: int, rng: random.Random) -> datetime:
    """About `days` before the end, on the Friday before: five working days later is a week."""
    day = end - timedelta(days=days)
    return _at(day - timedelta(days=(day.weekday() - 4) % 7), rng)


def _not_acknowledged(f: _Family, end: date) -> None:
    f.share(
        "police-north",
        _a_friday(end, 20, f.rng),
        "school-elm",
        channel="secure_email",
        summary="Sent the school a note of an incident at home.",
        acknowledged=False,
    )


_PLANTERS: dict[str, Callable[[_Family, date], None]] = {
    "recurring_concern": _recurring,
    "escalation": _escalation,
    "fragmented_picture": _fragmented,
    "toxic_trio": _toxic_trio,
    "was_not_brought": _was_not_brought,
    "repeat_missing": _repeat_missing,
    "unanswered_request": _unanswered,
    "no_written_followup": _no_followup,
    "voice_absent": _voice_absent,
    "closed_without_partnership_check": _closed_unchecked,
    "consent_relied_on": _consent,
    "frequent_moves": _moves,
    "jargon": _jargon,
    "share_not_acknowledged": _not_acknowledged,
}


# Near misses: the shape of each pattern, just inside its rule, so nothing should fire. -----------


def _near_recurring(f: _Family, end: date) -> None:
    for days in (100, 50, 12):  # the first is outside the ninety days
        f.concern("school-elm", _days_ago(end, days, f.rng), "neglect")


def _near_escalation(f: _Family, end: date) -> None:
    """Three recent concerns, but two in the ninety days before: not more than double."""
    for days, category in zip(
        (150, 110, 70, 40, 10),
        ("injury", "emotional_abuse", "neglect", "online_harm", "self_harm"),
        strict=True,
    ):
        f.concern("police-north", _days_ago(end, days, f.rng), category)


def _near_fragmented(f: _Family, end: date) -> None:
    """Two agencies' concerns, and a move of home: a circumstance, not a third concern."""
    f.concern("school-elm", _days_ago(end, 60, f.rng), "neglect")
    f.concern("gp-willow", _days_ago(end, 45, f.rng), "injury")
    f.concern("housing-north", _days_ago(end, 20, f.rng), "change_of_address", "low")


def _near_toxic_trio(f: _Family, end: date) -> None:
    for days, agency, category in (
        (400, "police-north", "domestic_abuse"),  # more than a year ago
        (70, "gp-willow", "parental_mental_health"),
        (30, "probation-north", "parental_substance_misuse"),
    ):
        f.concern(agency, _days_ago(end, days, f.rng), category)


def _near_was_not_brought(f: _Family, end: date) -> None:
    for days in (300, 30):  # more than six months apart
        f.concern("health-visiting", _days_ago(end, days, f.rng), "missed_health_appointment")


def _near_repeat_missing(f: _Family, end: date) -> None:
    went = _days_ago(end, 30, f.rng)
    f.concern("police-north", went, "missing", significance="high")
    f.add("action", "youth-justice", went + timedelta(days=1), "Return home interview held.")


def _near_unanswered(f: _Family, end: date) -> None:
    asked = f.request(SOCIAL_CARE, _days_ago(end, 25, f.rng), "gp-willow", answer_days=None)
    f.add(
        "decline",
        "gp-willow",
        _days_ago(end, 22, f.rng),
        "Declined: nothing held beyond what was shared.",
        refers_to=asked,
        reason="Nothing further held.",
    )


def _near_no_followup(f: _Family, end: date) -> None:
    """Followed up in writing late, but followed up: the gap is closed."""
    told = _days_ago(end, 40, f.rng)
    shared = f.share("police-north", told, "school-elm", channel="phone", follow_up=False)
    followed_up = f.add(
        "followup",
        "police-north",
        told + timedelta(days=5),
        "Written summary of the call, sent late.",
        refers_to=shared,
        channel="secure_email",
    )
    f.acknowledge("school-elm", followed_up, told + timedelta(days=6))


def _near_voice_absent(f: _Family, end: date) -> None:
    f.heard_and_passed_on("school-elm", _days_ago(end, 40, f.rng))
    f.transfer(_days_ago(end, 20, f.rng), "assessment")


def _near_closed_unchecked(f: _Family, end: date) -> None:
    f.voice(SOCIAL_CARE, _days_ago(end, 30, f.rng))
    f.request(SOCIAL_CARE, _days_ago(end, 25, f.rng), "health-visiting", 3, "Any worries?")
    f.transfer(_days_ago(end, 15, f.rng), "closure")


def _near_consent(f: _Family, end: date) -> None:
    seen = _days_ago(end, 25, f.rng)
    f.concern("school-elm", seen, "injury", significance="high")
    f.share("school-elm", seen + timedelta(days=1), SOCIAL_CARE, channel="portal")


def _near_moves(f: _Family, end: date) -> None:
    for days, category in (
        (400, "change_of_address"),  # more than a year ago
        (180, "change_of_school"),
        (40, "change_of_address"),
    ):
        f.concern("housing-north", _days_ago(end, days, f.rng), category, "low")


def _near_jargon(f: _Family, end: date) -> None:
    """Jargon in a share, spelled out by a correction ten days later."""
    when = _days_ago(end, 60, f.rng)
    shared = f.share(
        "police-north",
        when,
        SOCIAL_CARE,
        channel="secure_email",
        summary="Referred to MASH after the DV call-out.",
    )
    f.add(
        "correction",
        "police-north",
        when,
        "Referred to the multi-agency safeguarding hub (MASH) after the domestic violence (DV) "
        "call-out.",
        refers_to=shared,
        recorded_at=(when + timedelta(days=10)).isoformat(),
    )


def _near_not_acknowledged(f: _Family, end: date) -> None:
    """Acknowledged a week later, a Friday to a Friday: on the fifth working day, in time."""
    sent = _a_friday(end, 20, f.rng)
    shared = f.share(
        "police-north",
        sent,
        "school-elm",
        channel="secure_email",
        summary="Sent the school a note of an incident at home.",
        acknowledged=False,
    )
    f.acknowledge("school-elm", shared, sent + timedelta(days=7))


_NEAR_MISSES: dict[str, Callable[[_Family, date], None]] = {
    "recurring_concern": _near_recurring,
    "escalation": _near_escalation,
    "fragmented_picture": _near_fragmented,
    "toxic_trio": _near_toxic_trio,
    "was_not_brought": _near_was_not_brought,
    "repeat_missing": _near_repeat_missing,
    "unanswered_request": _near_unanswered,
    "no_written_followup": _near_no_followup,
    "voice_absent": _near_voice_absent,
    "closed_without_partnership_check": _near_closed_unchecked,
    "consent_relied_on": _near_consent,
    "frequent_moves": _near_moves,
    "jargon": _near_jargon,
    "share_not_acknowledged": _near_not_acknowledged,
}


def batches_in_recording_order(
    entries: list[Entry], size: int, by_day: bool
) -> Iterator[tuple[datetime, list[tuple[None, Entry]]]]:
    """Entries in simulated system-time order, in batches of at most `size` (and of one day when
    `by_day`), each with the moment to stamp it: its latest simulated `recorded_at`."""
    ordered = sorted(entries, key=lambda entry: entry["recorded_at"])
    batch: list[Entry] = []
    for entry in ordered:
        if batch and (
            len(batch) == size
            or (by_day and entry["recorded_at"][:10] != batch[-1]["recorded_at"][:10])
        ):
            yield _stamped(batch)
            batch = []
        batch.append(entry)
    if batch:
        yield _stamped(batch)


def _stamped(batch: list[Entry]) -> tuple[datetime, list[tuple[None, Entry]]]:
    stamp = datetime.fromisoformat(batch[-1]["recorded_at"])
    return stamp, [(None, _without_recorded_at(entry)) for entry in batch]


def _without_recorded_at(entry: Entry) -> Entry:
    """The entry as an agency submits it: FullPicture stamps `recorded_at` itself."""
    submitted = dict(entry)
    submitted.pop("recorded_at", None)
    return submitted


def record_partnership(
    app: Partnership,
    data: SyntheticPartnership,
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Register the agencies and children, then record every entry; returns entries recorded."""
    first = min((entry["recorded_at"] for entry in data.entries), default=None)
    clock = SettableClock(datetime.fromisoformat(first) if first else now())
    with app.using_clock(clock):
        register_partnership(app, data)
    return record_entries(app, data, batch_size, progress)


def register_partnership(app: Partnership, data: SyntheticPartnership) -> None:
    """The agencies, and the children's dates of birth: what a partnership sets up once."""
    for code, name, agency_type in data.agencies:
        app.register_agency(code, name, agency_type)
    for child_ref, born in data.children:
        app.register_child(child_ref, born, SOCIAL_CARE)


def record_entries(
    app: Partnership,
    data: SyntheticPartnership,
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
    by_day: bool = True,
) -> int:
    """Record every entry in batches, as an import does, with the system clock at the simulated
    moment each batch was recorded (a day's entries at a time when `by_day`, so system-time
    replay of the demo is true to the day); returns entries recorded."""
    recorded = 0
    clock = SettableClock(now())
    with app.using_clock(clock):
        for stamp, batch in batches_in_recording_order(data.entries, batch_size, by_day):
            clock.set(stamp)
            recorded += len(app.record_all(batch).recorded)
            if progress is not None:
                progress(recorded)
    return recorded


def describe(data: SyntheticPartnership) -> dict[str, Any]:
    return {
        "agencies": len(data.agencies),
        "children": len(data.children),
        "entries": len(data.entries),
        "planted": {p: len(c) for p, c in data.planted.items()},
    }
