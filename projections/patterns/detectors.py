"""One small pure function per pattern of concern (DOMAIN.md), each over one child's timeline.

Every detector takes (timeline, its settings, glossary) and returns the alerts that hold on the
evaluation date; the timeline holds nothing that happened after it. Trend patterns look back
from that date; practice gaps stay open until resolved (an answer, a written follow-up, a
correction that spells the acronym out), however long ago they opened. A detector that knows the
day its alert was first raised says so; for the rest, `projections.patterns.history` finds it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from domain.clock import add_working_days
from domain.drafts import ACKNOWLEDGED_KINDS, DISCLOSURE_KINDS
from domain.vocabulary import SPOKEN_CHANNELS, TRANSFER_TYPES
from projections.patterns.alerts import Alert
from projections.patterns.glossary import Glossary
from projections.patterns.timeline import Item, Timeline

Settings = dict[str, Any]
Detector = Callable[[Timeline, Settings, Glossary], list[Alert]]

# Decisions at which the deciding agency should have heard the child: every transfer point.
CHECKPOINTS = TRANSFER_TYPES
# Entries that carry information from one agency to another (a decline carries none): the
# disclosures, `DISCLOSURE_KINDS`.


def _alert(
    pattern: str,
    timeline: Timeline,
    evidence: Sequence[Item],
    severity: str,
    text: str,
    subject: str = "",
    since: date | None = None,
) -> Alert:
    ordered = sorted(evidence, key=lambda i: (i.moment, i.id))
    return Alert(
        pattern=pattern,
        child_ref=timeline.child_ref,
        as_at=timeline.as_at.isoformat(),
        evidence=tuple(dict.fromkeys(i.id for i in ordered)),
        explanation=text,
        severity=severity,
        first_raised=since.isoformat() if since else "",
        subject=subject,
    )


def _when(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _span(items: Sequence[Item]) -> str:
    return f"between {_when(items[0].day)} and {_when(items[-1].day)}"


def _agencies(items: Sequence[Item]) -> str:
    names = sorted({i.agency for i in items})
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _words(category: str) -> str:
    return category.replace("_", " ")


def recurring_concern(t: Timeline, s: Settings, _: Glossary) -> list[Alert]:
    alerts = []
    for category, items in sorted(t.by_concern.items()):
        if category in s["exclude"]:
            continue
        recent = t.within(items, s["window_days"])
        if len(recent) >= s["min_count"]:
            alerts.append(
                _alert(
                    "recurring_concern",
                    t,
                    recent,
                    "concern",
                    f"{len(recent)} entries about {_words(category)} in the last "
                    f"{s['window_days']} days ({_span(recent)}), from {_agencies(recent)}.",
                    subject=category,
                )
            )
    return alerts


def escalation(t: Timeline, s: Settings, _: Glossary) -> list[Alert]:
    concerned = t.concerned(s["circumstances"])
    window = s["window_days"]
    recent = t.within(concerned, window)
    before = t.within(concerned, window, end=t.as_at - timedelta(days=window))
    if len(recent) >= s["min_count"] and len(recent) > s["factor"] * len(before):
        return [
            _alert(
                "escalation",
                t,
                recent,
                "priority",
                f"Concerns are rising: {len(recent)} in the last {window} days against "
                f"{len(before)} in the {window} days before.",
            )
        ]
    return []


def fragmented_picture(t: Timeline, s: Settings, _: Glossary) -> list[Alert]:
    recent = t.within(t.concerned(s["circumstances"]), s["window_days"])
    concerned = {i.agency for i in recent}
    if len(concerned) < s["min_agencies"]:
        return []
    shares = t.within(t.kind("share", "followup"), s["window_days"])
    heard_from: dict[str, set[str]] = {}
    for share in shares:
        for recipient in share.to_agencies:
            heard_from.setdefault(recipient, set()).add(share.agency)
    candidates = concerned | set(heard_from)
    if any(concerned - {a} <= heard_from.get(a, set()) for a in candidates):
        return []
    return [
        _alert(
            "fragmented_picture",
            t,
            recent,
            "concern",
            f"{len(concerned)} agencies ({_agencies(recent)}) recorded concerns in the last "
            f"{s['window_days']} days, but no agency has had information from all of them.",
        )
    ]


def toxic_trio(t: Timeline, s: Settings, _: Glossary) -> list[Alert]:
    found = {c: t.within(t.by_concern.get(c, []), s["window_days"]) for c in s["categories"]}
    if not all(found.values()):
        return []
    evidence = [i for items in found.values() for i in items]
    named = ", ".join(_words(c) for c in s["categories"][:-1])
    return [
        _alert(
            "toxic_trio",
            t,
            evidence,
            "priority",
            f"{named} and {_words(s['categories'][-1])} have all been recorded in the last "
            f"{s['window_days'] // 30} months, by {_agencies(evidence)}.",
        )
    ]


def _counted(pattern: str, category: str, severity: str, what: str) -> Detector:
    def detect(t: Timeline, s: Settings, _: Glossary) -> list[Alert]:
        recent = t.within(t.by_concern.get(category, []), s["window_days"])
        if len(recent) < s["min_count"]:
            return []
        return [
            _alert(
                pattern,
                t,
                recent,
                severity,
                f"{len(recent)} {what} in the last {s['window_days']} days ({_span(recent)}), "
                f"recorded by {_agencies(recent)}.",
            )
        ]

    detect.__name__ = pattern
    return detect


was_not_brought = _counted(
    "was_not_brought", "missed_health_appointment", "concern", "missed health appointments"
)


def frequent_moves(t: Timeline, s: Settings, _: Glossary) -> list[Alert]:
    moves = t.by_concern.get("change_of_address", []) + t.by_concern.get("change_of_school", [])
    recent = sorted(t.within(moves, s["window_days"]), key=lambda i: i.moment)
    if len(recent) < s["min_count"]:
        return []
    return [
        _alert(
            "frequent_moves",
            t,
            recent,
            "concern",
            f"{len(recent)} changes of address or school in the last {s['window_days'] // 30} "
            f"months ({_span(recent)}).",
        )
    ]


def repeat_missing(t: Timeline, s: Settings, _: Glossary) -> list[Alert]:
    episodes = t.within(t.by_concern.get("missing", []), s["window_days"])
    interviews = [
        i for i in t.kind("action") if "return home interview" in i.summary.lower() or i.refers_to
    ]
    limit = timedelta(hours=s["return_interview_hours"])
    late = []
    for episode in episodes:
        done = [
            i
            for i in interviews
            if i.moment >= episode.moment
            and ("return home interview" in i.summary.lower() or i.refers_to == episode.id)
        ]
        first = done[0] if done else None
        if first is not None and first.moment - episode.moment > limit:
            late.append((episode, first))
        elif first is None and t.as_at - episode.day > timedelta(days=limit.days or 1):
            late.append((episode, None))
    said = []
    evidence: list[Item] = []
    if len(episodes) >= s["min_count"]:
        said.append(
            f"{len(episodes)} missing episodes in the last {s['window_days']} days "
            f"({_span(episodes)})."
        )
        evidence += episodes
    if late:
        said.append(
            f"{len(late)} missing episode(s) without a return home interview within "
            f"{s['return_interview_hours']} hours."
        )
        evidence += [i for pair in late for i in pair if i is not None]
    if not said:
        return []
    return [_alert("repeat_missing", t, evidence, "priority", " ".join(said))]


def unanswered_request(t: Timeline, s: Settings, _: Glossary) -> list[Alert]:
    alerts = []
    answered = _referred_to(t, "response", "decline")
    for request in t.kind("request"):
        if request.id in answered:
            continue
        due = date.fromisoformat(request.due_by) + timedelta(days=s["grace_days"])
        if t.as_at > due:
            alerts.append(
                _alert(
                    "unanswered_request",
                    t,
                    [request],
                    "practice",
                    f"{request.agency} asked {', '.join(request.to_agencies)} for information on "
                    f"{_when(request.day)}; it was due by {_when(due)} and has had no answer and "
                    f"no recorded decline.",
                    subject=request.id,
                    since=due + timedelta(days=1),
                )
            )
    return alerts


def no_written_followup(t: Timeline, s: Settings, _: Glossary) -> list[Alert]:
    """Open from the day after the follow-up was due until one is recorded, however late."""
    alerts = []
    within = timedelta(days=s["within_days"])
    not_due_from = t.as_at - within  # a share on or after this day may still be followed up
    followed_up = _referred_to(t, "followup")
    for share in t.kind("share"):
        if share.channel not in SPOKEN_CHANNELS or share.day >= not_due_from:
            continue
        if share.id not in followed_up:
            alerts.append(
                _alert(
                    "no_written_followup",
                    t,
                    [share],
                    "practice",
                    f"{share.agency} shared information by {share.channel} with "
                    f"{', '.join(share.to_agencies)} on {_when(share.day)}; a written follow-up "
                    f"was due within {s['within_days']} days and none has been recorded.",
                    subject=share.id,
                    since=share.day + within + timedelta(days=1),
                )
            )
    return alerts


def _referred_to(t: Timeline, *kinds: str) -> set[str]:
    """The entries that an entry of these kinds refers to by `as_at` (found in one pass over
    the replies: most shares and requests have their reply)."""
    return {i.refers_to for kind in kinds for i in t.by_kind.get(kind, ())}


def voices_known_to(t: Timeline, agency: str, by: date) -> list[Item]:
    """The child's-voice entries an agency knew by a day: its own, and those of an agency that
    passed information to it (a share, written follow-up or answer) on or after hearing the child.

    A voice entry is addressed to nobody, so it reaches another agency only with what the agency
    that heard the child passes on afterwards.
    """
    if not t.by_kind.get("voice"):  # most timelines, on most days: nothing to look for
        return []
    told_by: dict[str, date] = {}  # the day each agency last passed something on by then
    for i in t.kind(*DISCLOSURE_KINDS):
        if agency in i.to_agencies and i.day <= by and i.day > told_by.get(i.agency, date.min):
            told_by[i.agency] = i.day
    return [
        v
        for v in t.kind("voice")
        if v.day <= by and (v.agency == agency or v.day <= told_by.get(v.agency, date.min))
    ]


def voice_absent(t: Timeline, s: Settings, _: Glossary) -> list[Alert]:
    alerts = []
    for point in t.kind("transfer"):
        if point.transfer not in CHECKPOINTS:
            continue
        known = voices_known_to(t, point.agency, point.day)
        if not t.within(known, s["before_transfer_days"], end=point.day):
            heard_elsewhere = t.within(t.kind("voice"), s["before_transfer_days"], end=point.day)
            also = (
                f" The child was heard by {_agencies(heard_elsewhere)}, who did not pass it on."
                if heard_elsewhere
                else ""
            )
            alerts.append(
                _alert(
                    "voice_absent",
                    t,
                    [point, *heard_elsewhere],
                    "practice",
                    f"{point.agency} knew of no record of the child's wishes, feelings or words "
                    f"in the {s['before_transfer_days']} days before its "
                    f"{_words(point.transfer)} on {_when(point.day)}.{also}",
                    subject=point.id,
                    since=point.day,
                )
            )
    days = s["while_concerns_days"]
    recent = t.within(t.concerned(), days)
    known_long_enough = t.items and (t.as_at - t.items[0].day).days >= days
    if recent and known_long_enough and not t.within(t.kind("voice"), days):
        alerts.append(
            _alert(
                "voice_absent",
                t,
                recent,
                "practice",
                f"{len(recent)} concerns in the last {days} days and no record of the child's "
                f"wishes, feelings or words in that time.",
                subject="while_concerns",
            )
        )
    return alerts


def closed_without_partnership_check(t: Timeline, s: Settings, _: Glossary) -> list[Alert]:
    """A check is information that reached the closing agency from another one before it closed:
    an answer to its request, a share or a written follow-up. A request declined, or still
    unanswered, checked nothing."""
    alerts = []
    for closure in t.kind("transfer"):
        if closure.transfer != "closure":
            continue
        before = t.within(t.kind(*DISCLOSURE_KINDS), s["window_days"], end=closure.day)
        checked = [
            i for i in before if closure.agency in i.to_agencies and i.agency != closure.agency
        ]
        if not checked:
            unanswered = [
                r
                for r in t.within(t.kind("request"), s["window_days"], end=closure.day)
                if r.agency == closure.agency
            ]
            asked = (
                f" {len(unanswered)} request(s) it made in that time were declined or not "
                f"answered by then."
                if unanswered
                else ""
            )
            alerts.append(
                _alert(
                    "closed_without_partnership_check",
                    t,
                    [closure, *unanswered],
                    "practice",
                    f"{closure.agency} closed the case on {_when(closure.day)} with no answer to a "
                    f"request, or information, from another agency in the {s['window_days']} "
                    f"days before.{asked}",
                    subject=closure.id,
                    since=closure.day,
                )
            )
    return alerts


def consent_relied_on(t: Timeline, s: Settings, _: Glossary) -> list[Alert]:
    alerts = []
    wait = timedelta(days=s["max_wait_days"])
    for concern in t.within(t.concerned(), s["lookback_days"]):
        if concern.significance != "high":
            continue
        later = [
            i
            for i in t.items
            if i.agency == concern.agency
            and i.moment > concern.moment
            and (i.kind in DISCLOSURE_KINDS or i.kind == "consent")
        ]
        # An answer or a written follow-up discloses as a share does (DOMAIN.md, rule 7).
        disclosures = [i for i in later if i.kind in DISCLOSURE_KINDS]
        first_share = disclosures[0] if disclosures else None
        if (
            first_share is not None
            and first_share.consent == "given"
            and first_share.moment - concern.moment > wait
        ):
            alerts.append(
                _alert(
                    "consent_relied_on",
                    t,
                    [concern, first_share],
                    "practice",
                    f"After a high-significance concern on {_when(concern.day)}, {concern.agency} "
                    f"shared only on {_when(first_share.day)}, once consent was given; consent is "
                    f"not needed to share when a child may be at risk.",
                    subject=concern.id,
                )
            )
        elif first_share is None and any(i.consent == "refused" for i in later):
            refused = [i for i in later if i.consent == "refused"]
            alerts.append(
                _alert(
                    "consent_relied_on",
                    t,
                    [concern, *refused],
                    "practice",
                    f"After a high-significance concern on {_when(concern.day)}, consent was "
                    f"refused and {concern.agency} has not shared; a lawful basis other than "
                    f"consent may apply when a child may be at risk.",
                    subject=concern.id,
                )
            )
    return alerts


def jargon(t: Timeline, _: Settings, glossary: Glossary) -> list[Alert]:
    """Open from the shared summary until a correction of it spells the acronym out."""
    alerts = []
    for item in t.kind("share", "followup", "request", "response", "decline"):
        unexplained = glossary.unexplained(item.summary)
        if not unexplained:
            continue
        words = []
        for acronym in unexplained:
            text = f"{acronym.acronym} ({acronym.expansion})"
            if acronym.ambiguous:
                text = f"{acronym.acronym} (ambiguous: {acronym.expansion} or {acronym.ambiguous})"
            words.append(text)
        alerts.append(
            _alert(
                "jargon",
                t,
                [item],
                "practice",
                f"The summary {item.agency} shared on {_when(item.day)} uses "
                f"{'; '.join(words)} without spelling it out.",
                subject=item.id,
                # A corrected summary may have brought the acronym in later: history finds when.
                since=None if item.id in t.corrected else item.day,
            )
        )
    return alerts


def share_not_acknowledged(t: Timeline, s: Settings, _: Glossary) -> list[Alert]:
    """Open from the day after the acknowledgement was due until every recipient has recorded
    one, however late. A spoken share or answer is not counted: its written follow-up is."""
    alerts = []
    holidays = frozenset(_as_day(d) for d in s["holidays"])
    acknowledged: dict[str, set[str]] = {}
    for ack in t.kind("acknowledgement"):
        acknowledged.setdefault(ack.refers_to, set()).add(ack.agency)
    for item in t.kind(*ACKNOWLEDGED_KINDS):
        if item.channel in SPOKEN_CHANNELS:
            continue
        waiting = [a for a in item.to_agencies if a not in acknowledged.get(item.id, ())]
        due = add_working_days(item.day, s["within_working_days"], holidays)
        if not waiting or t.as_at <= due:
            continue
        alerts.append(
            _alert(
                "share_not_acknowledged",
                t,
                [item],
                "practice",
                f"{item.agency} sent {_SENT[item.kind]} to {', '.join(waiting)} on "
                f"{_when(item.day)}; an acknowledgement was due within "
                f"{s['within_working_days']} working days (by {_when(due)}) and none has been "
                f"recorded.",
                subject=item.id,
                since=due + timedelta(days=1),
            )
        )
    return alerts


_SENT = {"share": "information", "followup": "a written follow-up", "response": "an answer"}


def _as_day(value: Any) -> date:
    """A holiday as TOML gives it: a date, or ISO text."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


PATTERNS: dict[str, Detector] = {
    detector.__name__: detector
    for detector in (
        recurring_concern,
        escalation,
        fragmented_picture,
        toxic_trio,
        was_not_brought,
        repeat_missing,
        unanswered_request,
        no_written_followup,
        voice_absent,
        closed_without_partnership_check,
        consent_relied_on,
        frequent_moves,
        jargon,
        share_not_acknowledged,
    )
}
