"""Each pattern of concern fires on its pattern and keeps quiet on a near miss."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from projections.patterns.detectors import PATTERNS
from projections.patterns.evaluation import UnknownPattern, evaluate_child
from projections.patterns.glossary import load_glossary
from projections.patterns.settings import PatternConfigError, load_pattern_config

AS_AT = date(2025, 6, 30)
CONFIG = load_pattern_config()
GLOSSARY = load_glossary()


def rec(kind: str, ref: str, when: str, agency: str = "school-elm", **fields: Any) -> dict:
    """An event record as the projections hold it, for child C-0001."""
    record = {
        "event_id": f"e-{agency}-{ref}",
        "event_type": kind,
        "kind": kind,
        "entry_id": f"{agency}:{ref}",
        "agency": agency,
        "entry_ref": ref,
        "child_refs": ["C-0001"],
        "practitioner": "",
        "occurred_at": when,
        "recorded_at": when,
        "summary": fields.pop("summary", f"A {kind}."),
        "concerns": fields.pop("concerns", []),
        "significance": fields.pop("significance", "medium"),
    }
    return record | fields


def concern(ref: str, when: str, category: str, agency: str = "school-elm", **fields: Any) -> dict:
    return rec("concern", ref, when, agency, concerns=[category], **fields)


def alerts(records: list[dict], pattern: str, as_at: date = AS_AT, config: dict | None = None):  # type: ignore[no-untyped-def]
    return evaluate_child(records, "C-0001", as_at, config or CONFIG, GLOSSARY, [pattern])


def fires(records: list[dict], pattern: str, **kwargs: Any) -> bool:
    return bool(alerts(records, pattern, **kwargs))


# recurring concern ------------------------------------------------------------------------------


def test_three_neglect_concerns_in_ninety_days_are_a_recurring_concern() -> None:
    found = alerts(
        [
            concern("1", "2025-04-10", "neglect"),
            concern("2", "2025-05-10", "neglect"),
            concern("3", "2025-06-20", "neglect", agency="health-visiting"),
        ],
        "recurring_concern",
    )
    assert [a.evidence for a in found] == [("school-elm:1", "school-elm:2", "health-visiting:3")]
    assert "3 entries about neglect" in found[0].explanation
    assert "health-visiting and school-elm" in found[0].explanation


def test_a_concern_one_day_outside_the_window_does_not_count() -> None:
    records = [
        concern("1", "2025-04-01", "neglect"),
        concern("2", "2025-05-10", "neglect"),
        concern("3", "2025-06-20", "neglect"),
    ]
    assert not fires(records, "recurring_concern")


# escalation -------------------------------------------------------------------------------------


def test_concerns_more_than_doubling_are_an_escalation() -> None:
    before = [concern("b1", "2025-03-01", "neglect")]
    recent = [concern(f"r{n}", f"2025-06-0{n}", "injury") for n in range(1, 4)]
    assert fires(before + recent, "escalation")


def test_concerns_that_only_double_are_not_an_escalation() -> None:
    before = [concern("b1", "2025-03-01", "neglect"), concern("b2", "2025-03-05", "neglect")]
    recent = [concern(f"r{n}", f"2025-06-0{n}", "injury") for n in range(1, 5)]
    assert not fires(before + recent, "escalation")


# fragmented picture -----------------------------------------------------------------------------


def three_agencies() -> list[dict]:
    return [
        concern("1", "2025-05-01", "neglect", agency="school-elm"),
        concern("2", "2025-05-10", "injury", agency="health-visiting"),
        concern("3", "2025-06-01", "domestic_abuse", agency="police-north"),
    ]


def test_three_agencies_with_concerns_and_nobody_told_everything_is_fragmented() -> None:
    assert fires(three_agencies(), "fragmented_picture")


def test_a_change_of_address_is_a_circumstance_not_a_concern_for_a_fragmented_picture() -> None:
    records = [
        *three_agencies()[:2],
        concern("3", "2025-06-01", "change_of_address", agency="housing-north"),
    ]
    assert not fires(records, "fragmented_picture")


def test_moves_of_home_and_school_do_not_make_an_escalation() -> None:
    recent = [
        concern("r1", "2025-06-01", "injury"),
        concern("r2", "2025-06-02", "change_of_address"),
        concern("r3", "2025-06-03", "change_of_school"),
    ]
    assert not fires(recent, "escalation")
    assert fires(
        [*recent, concern("r4", "2025-06-04", "neglect"), concern("r5", "2025-06-05", "injury")],
        "escalation",
    )


def test_one_agency_hearing_from_all_the_others_is_not_fragmented() -> None:
    shares = [
        rec(
            "share",
            "s1",
            "2025-06-02",
            "school-elm",
            to_agencies=["csc-north"],
            channel="secure_email",
        ),
        rec(
            "share",
            "s2",
            "2025-06-02",
            "health-visiting",
            to_agencies=["csc-north"],
            channel="secure_email",
        ),
        rec(
            "share",
            "s3",
            "2025-06-02",
            "police-north",
            to_agencies=["csc-north"],
            channel="secure_email",
        ),
    ]
    assert not fires(three_agencies() + shares, "fragmented_picture")


# toxic trio -------------------------------------------------------------------------------------


def trio(third_day: str) -> list[dict]:
    return [
        concern("1", "2025-01-10", "domestic_abuse", agency="police-north"),
        concern("2", "2025-03-10", "parental_mental_health", agency="health-visiting"),
        concern("3", third_day, "parental_substance_misuse"),
    ]


def test_all_three_of_the_toxic_trio_within_a_year_are_flagged() -> None:
    assert fires(trio("2025-06-10"), "toxic_trio")


def test_the_toxic_trio_with_one_part_missing_is_not_flagged() -> None:
    assert not fires(trio("2025-06-10")[:2], "toxic_trio")


# was not brought --------------------------------------------------------------------------------


def test_two_missed_appointments_in_six_months_are_flagged() -> None:
    records = [
        concern("1", "2025-02-01", "missed_health_appointment", agency="health-visiting"),
        concern("2", "2025-05-01", "missed_health_appointment", agency="health-visiting"),
    ]
    assert fires(records, "was_not_brought")


def test_one_missed_appointment_is_not_flagged() -> None:
    assert not fires([concern("1", "2025-05-01", "missed_health_appointment")], "was_not_brought")


# repeat missing ---------------------------------------------------------------------------------


def missing_twice(interviewed_on: str) -> list[dict]:
    """Missing on the 1st of May and of June, each followed by an interview on that day."""
    return [
        concern("1", "2025-05-01T20:00", "missing", agency="police-north"),
        concern("2", "2025-06-01T20:00", "missing", agency="police-north"),
        rec("action", "i1", f"2025-05-{interviewed_on}", summary="Return home interview held."),
        rec("action", "i2", f"2025-06-{interviewed_on}", summary="Return home interview held."),
    ]


def test_two_missing_episodes_in_ninety_days_are_flagged() -> None:
    [alert] = alerts(missing_twice("02T10:00"), "repeat_missing")
    assert "2 missing episodes" in alert.explanation


def test_a_return_home_interview_after_seventy_two_hours_is_flagged() -> None:
    records = [
        concern("1", "2025-05-01T20:00", "missing", agency="police-north"),
        rec("action", "i1", "2025-05-05T10:00", summary="Return home interview held."),
    ]
    [alert] = alerts(records, "repeat_missing")
    assert "return home interview within 72 hours" in alert.explanation


def test_repeat_episodes_and_late_interviews_are_one_alert_naming_both() -> None:
    [alert] = alerts(missing_twice("06T10:00"), "repeat_missing")
    assert "2 missing episodes" in alert.explanation
    assert "2 missing episode(s) without a return home interview" in alert.explanation
    assert set(alert.evidence) == {
        "police-north:1",
        "police-north:2",
        "school-elm:i1",
        "school-elm:i2",
    }


def test_one_missing_episode_with_a_prompt_interview_is_not_flagged() -> None:
    records = [
        concern("1", "2025-05-01T20:00", "missing", agency="police-north"),
        rec("action", "i1", "2025-05-03T10:00", summary="Return home interview held."),
    ]
    assert not fires(records, "repeat_missing")


# unanswered request -----------------------------------------------------------------------------


def request(due_by: str) -> dict:
    return rec(
        "request",
        "r1",
        "2025-06-01",
        "csc-north",
        to_agencies=["health-visiting"],
        reason="Assessment.",
        due_by=due_by,
    )


def test_a_request_past_its_due_date_without_an_answer_is_flagged() -> None:
    assert fires([request("2025-06-06")], "unanswered_request")


def test_an_answered_request_is_not_flagged() -> None:
    answer = rec(
        "response",
        "a1",
        "2025-06-10",
        "health-visiting",
        refers_to="csc-north:r1",
        to_agencies=["csc-north"],
    )
    assert not fires([request("2025-06-06"), answer], "unanswered_request")


def test_a_declined_request_is_not_flagged() -> None:
    decline = rec(
        "decline",
        "d1",
        "2025-06-10",
        "health-visiting",
        refers_to="csc-north:r1",
        to_agencies=["csc-north"],
        reason="Not held.",
    )
    assert not fires([request("2025-06-06"), decline], "unanswered_request")


def test_a_request_due_today_is_not_yet_overdue() -> None:
    assert not fires([request("2025-06-30")], "unanswered_request")


# no written follow-up ---------------------------------------------------------------------------


def verbal_share(day: str) -> dict:
    return rec("share", "s1", day, "police-north", to_agencies=["school-elm"], channel="phone")


def test_a_verbal_share_without_written_follow_up_after_two_days_is_flagged() -> None:
    assert fires([verbal_share("2025-06-20")], "no_written_followup")


def test_a_follow_up_that_arrived_in_time_is_not_flagged() -> None:
    followup = rec(
        "followup",
        "f1",
        "2025-06-22",
        "police-north",
        refers_to="police-north:s1",
        to_agencies=["school-elm"],
        channel="secure_email",
    )
    assert not fires([verbal_share("2025-06-20"), followup], "no_written_followup")


def test_a_verbal_share_is_given_two_days_before_it_is_flagged() -> None:
    assert not fires([verbal_share("2025-06-28")], "no_written_followup")


def test_a_verbal_share_never_followed_up_is_still_flagged_a_year_later() -> None:
    [alert] = alerts([verbal_share("2024-06-20")], "no_written_followup")
    assert alert.first_raised == "2024-06-23"


def test_a_late_written_follow_up_resolves_the_gap() -> None:
    late = rec(
        "followup",
        "f1",
        "2025-06-10",
        "police-north",
        refers_to="police-north:s1",
        to_agencies=["school-elm"],
        channel="secure_email",
    )
    assert not fires([verbal_share("2025-03-20"), late], "no_written_followup")


# child's voice absent ---------------------------------------------------------------------------


def test_an_assessment_without_the_child_s_voice_in_the_ninety_days_before_is_flagged() -> None:
    records = [
        rec("voice", "v1", "2025-01-01", child_words="Hi.", captured_how="direct_words"),
        rec("transfer", "t1", "2025-06-01", "csc-north", transfer="assessment"),
    ]
    assert fires(records, "voice_absent")


def voice_heard(agency: str = "school-elm", day: str = "2025-04-01") -> dict:
    return rec("voice", "v1", day, agency, child_words="Hi.", captured_how="direct_words")


def closing(day: str = "2025-06-01") -> dict:
    return rec("transfer", "t1", day, "csc-north", transfer="closure")


def passed_on(day: str, agency: str = "school-elm", to: str = "csc-north") -> dict:
    return rec("share", f"p{day}", day, agency, to_agencies=[to], channel="secure_email")


def test_an_assessment_after_the_deciding_agency_heard_the_child_is_not_flagged() -> None:
    records = [
        voice_heard("csc-north"),
        rec("transfer", "t1", "2025-06-01", "csc-north", transfer="assessment"),
    ]
    assert not fires(records, "voice_absent")


def test_a_closure_by_an_agency_never_told_what_the_school_heard_is_flagged() -> None:
    [alert] = alerts([voice_heard(), closing()], "voice_absent")
    assert alert.evidence == ("school-elm:v1", "csc-north:t1")
    assert "heard by school-elm, who did not pass it on" in alert.explanation


def test_a_closure_after_the_school_passed_on_what_the_child_said_is_not_flagged() -> None:
    assert not fires([voice_heard(), passed_on("2025-04-02"), closing()], "voice_absent")


def test_a_share_sent_before_the_child_was_heard_does_not_pass_the_voice_on() -> None:
    assert fires([passed_on("2025-03-20"), voice_heard(), closing()], "voice_absent")


def test_a_voice_passed_on_only_after_the_closure_does_not_count_for_it() -> None:
    assert fires([voice_heard(), closing(), passed_on("2025-06-10")], "voice_absent")


def test_six_months_of_concerns_without_the_child_s_voice_are_flagged() -> None:
    records = [concern("0", "2024-11-01", "neglect"), concern("1", "2025-06-01", "neglect")]
    assert fires(records, "voice_absent")


# closed without partnership check ---------------------------------------------------------------


def closure() -> dict:
    return rec("transfer", "c1", "2025-06-15", "csc-north", transfer="closure")


def test_a_closure_without_asking_partners_is_flagged() -> None:
    assert fires([closure()], "closed_without_partnership_check")


def asked_health(day: str = "2025-06-01") -> dict:
    return rec(
        "request",
        "r1",
        day,
        "csc-north",
        to_agencies=["health-visiting"],
        due_by="2025-06-06",
        reason="Before closing.",
    )


def health_replied(kind: str, day: str = "2025-06-05") -> dict:
    return rec(
        kind, "a1", day, "health-visiting", refers_to="csc-north:r1", to_agencies=["csc-north"]
    )


def test_a_closure_after_health_answered_a_request_is_not_flagged() -> None:
    records = [asked_health(), health_replied("response"), closure()]
    assert not fires(records, "closed_without_partnership_check")


def test_a_closure_after_a_share_from_another_agency_is_not_flagged() -> None:
    records = [passed_on("2025-06-01", "police-north"), closure()]
    assert not fires(records, "closed_without_partnership_check")


def test_a_closure_after_a_declined_request_is_flagged() -> None:
    records = [asked_health(), health_replied("decline"), closure()]
    [alert] = alerts(records, "closed_without_partnership_check")
    assert alert.evidence == ("csc-north:r1", "csc-north:c1")
    assert "declined or not answered" in alert.explanation


def test_a_closure_while_the_request_is_still_unanswered_is_flagged() -> None:
    records = [asked_health(), closure(), health_replied("response", "2025-06-20")]
    assert fires(records, "closed_without_partnership_check")


def test_a_closure_without_a_check_stays_open_long_after() -> None:
    assert fires([closure()], "closed_without_partnership_check", as_at=date(2026, 6, 30))


def test_a_request_thirty_one_days_before_the_closure_does_not_count() -> None:
    asked = rec(
        "request",
        "r1",
        "2025-05-15",
        "csc-north",
        to_agencies=["health-visiting"],
        due_by="2025-05-20",
        reason="Before closing.",
    )
    assert fires([asked, closure()], "closed_without_partnership_check")


# consent relied on ------------------------------------------------------------------------------


def serious_concern() -> dict:
    return concern("1", "2025-06-01", "injury", significance="high")


def share_with_consent(day: str) -> dict:
    return rec(
        "share",
        "s1",
        day,
        "school-elm",
        to_agencies=["csc-north"],
        channel="portal",
        consent="given",
    )


def test_a_share_that_waited_for_consent_after_a_serious_concern_is_flagged() -> None:
    assert fires([serious_concern(), share_with_consent("2025-06-08")], "consent_relied_on")


def test_a_prompt_share_after_a_serious_concern_is_not_flagged() -> None:
    assert not fires([serious_concern(), share_with_consent("2025-06-02")], "consent_relied_on")


def answer_with_consent(day: str, kind: str = "response") -> dict:
    """An answer (or a written follow-up) is a disclosure: it may wait for consent too."""
    return rec(kind, "a1", day, "school-elm", to_agencies=["csc-north"], consent="given")


@pytest.mark.parametrize("kind", ["response", "followup"])
def test_an_answer_or_follow_up_that_waited_for_consent_after_a_serious_concern_is_flagged(
    kind: str,
) -> None:
    found = alerts(
        [serious_concern(), answer_with_consent("2025-06-08", kind)], "consent_relied_on"
    )
    assert [a.evidence for a in found] == [("school-elm:1", "school-elm:a1")]


def test_a_prompt_answer_after_a_serious_concern_is_not_flagged() -> None:
    assert not fires([serious_concern(), answer_with_consent("2025-06-02")], "consent_relied_on")


def test_a_prompt_answer_counts_as_sharing_when_consent_was_refused_later() -> None:
    refused = rec("consent", "c1", "2025-06-03", "school-elm", consent="refused")
    answered = rec("response", "a1", "2025-06-02", "school-elm", to_agencies=["csc-north"])
    assert not fires([serious_concern(), answered, refused], "consent_relied_on")
    assert fires([serious_concern(), refused], "consent_relied_on")


# frequent moves ---------------------------------------------------------------------------------


def test_three_moves_in_a_year_are_flagged() -> None:
    records = [
        concern("1", "2024-09-01", "change_of_address"),
        concern("2", "2025-01-01", "change_of_school"),
        concern("3", "2025-05-01", "change_of_address"),
    ]
    assert fires(records, "frequent_moves")


def test_two_moves_in_a_year_are_not_flagged() -> None:
    records = [
        concern("1", "2024-06-01", "change_of_address"),
        concern("2", "2025-01-01", "change_of_school"),
        concern("3", "2025-05-01", "change_of_address"),
    ]
    assert not fires(records, "frequent_moves")


# jargon -----------------------------------------------------------------------------------------


def test_an_unexplained_acronym_in_a_shared_summary_is_flagged() -> None:
    shared = rec(
        "share",
        "s1",
        "2025-06-01",
        "police-north",
        to_agencies=["school-elm"],
        channel="portal",
        summary="Referred to MASH after the DV incident.",
    )
    [alert] = alerts([shared], "jargon")
    assert "MASH (multi-agency safeguarding hub)" in alert.explanation


def test_an_ambiguous_acronym_is_flagged_as_ambiguous() -> None:
    shared = rec(
        "share",
        "s1",
        "2025-06-01",
        "police-north",
        to_agencies=["school-elm"],
        channel="portal",
        summary="Discussed CP with the family.",
    )
    [alert] = alerts([shared], "jargon")
    assert "ambiguous: child protection or cerebral palsy" in alert.explanation


def test_an_acronym_spelled_out_is_not_jargon() -> None:
    shared = rec(
        "share",
        "s1",
        "2025-06-01",
        "police-north",
        to_agencies=["school-elm"],
        channel="portal",
        summary="Referred to the multi-agency safeguarding hub (MASH).",
    )
    assert not fires([shared], "jargon")


def mash_share(day: str = "2025-01-10") -> dict:
    return rec(
        "share",
        "s1",
        day,
        "police-north",
        to_agencies=["school-elm"],
        channel="portal",
        summary="Referred to MASH.",
    )


def test_an_unexplained_acronym_stays_flagged_long_after() -> None:
    [alert] = alerts([mash_share("2024-01-10")], "jargon")
    assert alert.first_raised == "2024-01-10"


def spelled_out_later(recorded: str) -> dict:
    return rec(
        "correction",
        "s1c",
        "2025-01-10",
        "police-north",
        refers_to="police-north:s1",
        recorded_at=recorded,
        summary="Referred to the multi-agency safeguarding hub (MASH).",
    )


def test_a_correction_that_spells_the_acronym_out_resolves_it_from_the_day_it_was_recorded() -> (
    None
):
    records = [mash_share(), spelled_out_later("2025-03-15T09:00:00")]
    assert not fires(records, "jargon")
    assert fires(records, "jargon", as_at=date(2025, 3, 14))


def test_a_partnership_can_extend_the_glossary(tmp_path: Path) -> None:
    extra = tmp_path / "glossary.csv"
    extra.write_text("acronym,expansion,ambiguous\nNSB,Northshire safeguarding board,\n")
    shared = rec(
        "share",
        "s1",
        "2025-06-01",
        "police-north",
        to_agencies=["school-elm"],
        channel="portal",
        summary="Raised at NSB.",
    )
    assert evaluate_child([shared], "C-0001", AS_AT, CONFIG, load_glossary(extra), ["jargon"])


# across patterns --------------------------------------------------------------------------------


def well_handled_case() -> list[dict]:
    """Shares followed up in writing, requests answered, the child heard, partners asked, what
    was received acknowledged."""
    return [
        concern("c1", "2025-04-01", "neglect", agency="school-elm"),
        rec(
            "share",
            "s1",
            "2025-04-01T15:00",
            "school-elm",
            to_agencies=["csc-north"],
            channel="phone",
            consent="not_needed",
        ),
        rec(
            "followup",
            "f1",
            "2025-04-02",
            "school-elm",
            refers_to="school-elm:s1",
            to_agencies=["csc-north"],
            channel="secure_email",
        ),
        rec(
            "request",
            "r1",
            "2025-04-03",
            "csc-north",
            to_agencies=["health-visiting"],
            due_by="2025-04-08",
            reason="Assessment.",
        ),
        rec(
            "response",
            "a1",
            "2025-04-05",
            "health-visiting",
            refers_to="csc-north:r1",
            to_agencies=["csc-north"],
        ),
        rec(
            "voice",
            "v1",
            "2025-04-20",
            "csc-north",
            child_words="I like school.",
            captured_how="direct_words",
        ),
        rec("transfer", "t1", "2025-05-01", "csc-north", transfer="assessment"),
        rec(
            "voice",
            "v2",
            "2025-05-25",
            "school-elm",
            child_words="Home is better.",
            captured_how="direct_words",
        ),
        rec(
            "request",
            "r2",
            "2025-05-20",
            "csc-north",
            to_agencies=["health-visiting"],
            due_by="2025-05-25",
            reason="Any concerns before we close?",
        ),
        rec(
            "response",
            "a2",
            "2025-05-22",
            "health-visiting",
            refers_to="csc-north:r2",
            to_agencies=["csc-north"],
        ),
        rec("transfer", "t2", "2025-06-01", "csc-north", transfer="closure"),
        *(
            rec(
                "acknowledgement",
                f"k{n}",
                day,
                by,
                refers_to=refers_to,
                to_agencies=[refers_to.split(":")[0]],
                outcome="noted",
            )
            for n, (day, by, refers_to) in enumerate(
                (
                    ("2025-04-03", "csc-north", "school-elm:f1"),
                    ("2025-04-07", "csc-north", "health-visiting:a1"),
                    ("2025-05-23", "csc-north", "health-visiting:a2"),
                )
            )
        ),
    ]


def test_a_well_handled_case_raises_no_alert_at_all() -> None:
    assert evaluate_child(well_handled_case(), "C-0001", AS_AT, CONFIG, GLOSSARY) == []


def test_no_alert_uses_an_entry_after_the_evaluation_date() -> None:
    records = [
        concern("1", "2025-04-10", "neglect"),
        concern("2", "2025-05-10", "neglect"),
        concern("3", "2025-06-20", "neglect"),
    ]
    assert not fires(records, "recurring_concern", as_at=date(2025, 6, 19))


def test_a_corrected_entry_is_judged_on_its_correction() -> None:
    records = [
        concern("1", "2025-04-10", "neglect"),
        concern("2", "2025-05-10", "neglect"),
        concern("3", "2025-06-20", "neglect"),
        rec(
            "correction",
            "3c",
            "2025-06-20",
            refers_to="school-elm:3",
            concerns=["other"],
            summary="Recorded against the wrong child's category.",
        ),
    ]
    assert not fires(records, "recurring_concern")


def test_every_alert_names_its_pattern_child_date_evidence_and_severity() -> None:
    [alert] = alerts([request("2025-06-06")], "unanswered_request")
    assert alert.as_dict() == {
        "pattern": "unanswered_request",
        "child_ref": "C-0001",
        "as_at": "2025-06-30",
        "evidence": ["csc-north:r1"],
        "explanation": alert.explanation,
        "severity": "practice",
        "id": alert.id,
        "first_raised": "2025-06-07",
        "resolved_at": None,
    }
    assert alert.id.startswith("A-")


def test_thresholds_come_from_a_partnership_s_own_file(tmp_path: Path) -> None:
    own = tmp_path / "patterns.toml"
    own.write_text("[was_not_brought]\nmin_count = 1\n")
    config = load_pattern_config(own)
    assert fires(
        [concern("1", "2025-05-01", "missed_health_appointment")], "was_not_brought", config=config
    )


def test_an_unknown_setting_is_an_error_naming_it(tmp_path: Path) -> None:
    own = tmp_path / "patterns.toml"
    own.write_text("[was_not_brought]\nminimum = 1\n")
    with pytest.raises(PatternConfigError, match="was_not_brought.minimum"):
        load_pattern_config(own)


def test_an_unknown_pattern_name_is_refused() -> None:
    with pytest.raises(UnknownPattern):
        alerts([], "horoscope")


def test_there_is_one_detector_per_pattern() -> None:
    assert set(PATTERNS) == {
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
    }
