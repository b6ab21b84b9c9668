"""Hostile and careless input, as a new user would give it: each case and the exact refusal.

A case is what is given (command-line flags, a JSON entry's bytes, or a spreadsheet's bytes)
and the exact error lines the command must print. Shared by the embedded and the distributed
runs of the suite in `test_hostile_input.py`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

# The partnership every case runs against (see `test_hostile_input.setup_partnership`): agencies
# police-north, school-elm, health-visiting, csc-north, housing-north; child C-0052 with a verbal
# share police-north:P-100 (to school-elm) and a request csc-north:R-1 (to health-visiting).
LONG = "x" * 100_000
IDENTITY_RULE = (
    "may hold only ASCII letters, digits, '-', '_' and '.', starting with a letter or digit, "
    "at most 64 characters"
)
TO_A_REQUESTER = (
    "to_agencies: an answer or decline goes only to the agency that asked (csc-north); telling "
    "anyone else is a new share with its own lawful basis"
)
TO_THE_SHARE_S_RECIPIENTS = (
    "to_agencies: a written follow-up goes to the recipients of the verbal share it follows up "
    "(school-elm); telling anyone else is a new share with its own lawful basis"
)
ONLY_POLICE_CORRECT = (
    "refers_to: 'police-north:P-100': was recorded by police-north; only police-north may "
    "correct it"
)
# A practitioner records as their own agency only: the access check speaks before the rules.
NOT_OURS_TO_CORRECT = (
    "refers_to: police-north:P-100 was recorded by another agency; only school-elm's own "
    "entries can be corrected by you (tell its agency, or record a new share)"
)
LOOKS_LIKE_C_0052 = (
    "looks like 'C-0052', which is known already (it differs only by case, spaces or "
    "look-alike characters); use 'C-0052'"
)
STAMPED = (
    "recorded_at: is stamped by FullPicture when the entry is stored and cannot be given; give "
    "agency_recorded_at for when your agency recorded it"
)
SEEMS_C_0052 = "; it looks like 'C-0052', which is known already"
SEEMS_SCHOOL = "; it looks like 'school-elm', which is known already"
NOT_A_DATE = "is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS], e.g. 2024-05-03)"


def no_recipients(kind: str) -> str:
    return (
        f"to_agencies: a {kind} does not carry to_agencies: only share, followup, request, "
        "response, decline, correction, acknowledgement carry it; to tell another agency, "
        "record a share "
        "(with its own lawful basis)"
    )


@dataclass(frozen=True)
class Case:
    name: str
    door: str  # "flags", "json" or "import"
    given: list[str] | bytes
    errors: list[str]
    path_is: str = "file"  # for json and import: "file", "directory" or "missing"
    acting: str = ""  # who gives it: "" for a practitioner of the agency it names; "reviewer"


def flags(kind: str, **fields: str | list[str]) -> list[str]:
    """`record KIND --field value…` for a concern by school-elm about C-0052, overridden."""
    base: dict[str, str | list[str]] = {
        "child": "C-0052",
        "agency": "school-elm",
        "entry-ref": "S-9",
        "occurred-at": "2025-03-05",
        "summary": "Arrived at school hungry.",
    }
    argv = ["record", kind]
    for name, value in {**base, **{k.replace("_", "-"): v for k, v in fields.items()}}.items():
        for item in value if isinstance(value, list) else [value]:
            if item is not None:
                argv += [f"--{name}", item]
    return argv


def entry(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "kind": "concern",
        "agency": "school-elm",
        "entry_ref": "S-9",
        "child_ref": ["C-0052"],
        "occurred_at": "2025-03-05",
        "summary": "Arrived at school hungry.",
    }
    return {k: v for k, v in {**base, **fields}.items() if v is not None}


def as_json(**fields: object) -> bytes:
    return json.dumps(entry(**fields)).encode()


SHEET_HEADER = "entry_ref,child_ref,kind,occurred_at,agency,summary"


def sheet(*rows: str, header: str = SHEET_HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


GOOD_ROW = "S-8,C-0052,concern,2025-03-04,school-elm,Arrived late."
ANSWER = "response,health-visiting,H-9,C-0052,2025-03-06,Two missed checks.,csc-north:R-1"
ANSWER_HEADER = "kind,agency,entry_ref,child_ref,occurred_at,summary,refers_to,to_agencies"


def flag_cases() -> list[Case]:
    share = {
        "agency": "police-north",
        "entry-ref": "P-9",
        "to-agencies": "school-elm",
        "channel": "phone",
        "reason": "So the school can support.",
        "consent": "not_needed",
        "family-informed": "yes",
    }
    answer = {"agency": "health-visiting", "entry-ref": "H-9", "refers-to": "csc-north:R-1"}
    cases = [
        (
            "share without a lawful basis",
            flags("share", **share),
            ["lawful_basis: is required: every share needs a lawful basis"],
        ),
        (
            "answer sent to housing",
            flags("response", **answer, to_agencies="housing-north"),
            [TO_A_REQUESTER],
        ),
        (
            "decline sent to housing",
            flags("decline", **answer, to_agencies="housing-north", reason="Not held."),
            [TO_A_REQUESTER],
        ),
        (
            "answer copied to housing",
            flags("response", **answer, to_agencies=["csc-north", "housing-north"]),
            [TO_A_REQUESTER],
        ),
        (
            "follow-up sent elsewhere",
            flags(
                "followup",
                agency="police-north",
                entry_ref="P-9",
                refers_to="police-north:P-100",
                to_agencies="csc-north",
            ),
            [TO_THE_SHARE_S_RECIPIENTS],
        ),
        (
            "correction by another agency",
            flags("correction", refers_to="police-north:P-100"),
            [NOT_OURS_TO_CORRECT],
        ),
        (
            "correction sent to a chosen agency",
            flags(
                "correction",
                agency="police-north",
                entry_ref="P-9",
                refers_to="police-north:P-100",
                to_agencies="housing-north",
            ),
            [
                "to_agencies: a correction reaches every agency that knew the corrected entry "
                "(school-elm); telling anyone else is a new share with its own lawful basis"
            ],
        ),
        (
            "concern with recipients",
            flags("concern", to_agencies="housing-north"),
            [no_recipients("concern")],
        ),
        (
            "voice with recipients",
            flags(
                "voice",
                child_words="I like school.",
                captured_how="direct_words",
                to_agencies="housing-north",
            ),
            [no_recipients("voice")],
        ),
        (
            "action with recipients",
            flags("action", to_agencies="csc-north"),
            [no_recipients("action")],
        ),
        (
            "transfer with recipients",
            flags("transfer", transfer="closure", to_agencies="csc-north"),
            [no_recipients("transfer")],
        ),
        (
            "consent with recipients",
            flags(
                "consent",
                consent="refused",
                lawful_basis="public_task",
                reason="Risk.",
                to_agencies="csc-north",
            ),
            [no_recipients("consent")],
        ),
        (
            "concern carrying a channel",
            flags("concern", channel="phone"),
            [
                "channel: a concern does not carry channel: only share, followup, request, "
                "response, decline carry it"
            ],
        ),
        (
            "answer to a share",
            flags("response", **{**answer, "refers-to": "police-north:P-100"}),
            # health-visiting never knew the share: told nothing about it.
            ["refers_to: 'police-north:P-100': no such entry"],
        ),
        (
            "answer to an unknown request",
            flags("response", **{**answer, "refers-to": "csc-north:R-404"}),
            ["refers_to: 'csc-north:R-404': no such entry"],
        ),
        (
            "refers_to that is not an entry id",
            flags("correction", refers_to="school-elm:../P-100"),
            ["refers_to: 'school-elm:../P-100' is not an entry id (<agency>:<entry_ref>)"],
        ),
        (
            "child with a space",
            flags("concern", child="C 0052"),
            [f"child_ref: 'C 0052' is not valid: it {IDENTITY_RULE}"],
        ),
        (
            "child differing only by case",
            flags("concern", child="c-0052"),
            [f"child_ref: 'c-0052' {LOOKS_LIKE_C_0052}"],
        ),
        (
            "child differing by case and a trailing space",
            flags("concern", child="c-0052 "),
            [f"child_ref: 'c-0052' {LOOKS_LIKE_C_0052}"],
        ),
        (
            "child in Cyrillic look-alikes",
            flags("concern", child="С-0052"),
            [f"child_ref: 'С-0052' is not valid: it {IDENTITY_RULE}{SEEMS_C_0052}"],
        ),
        (
            "child with a zero-width space",
            flags("concern", child="C-00\u200b52"),
            [f"child_ref: 'C-00\\u200b52' is not valid: it {IDENTITY_RULE}{SEEMS_C_0052}"],
        ),
        (
            "child with a newline",
            flags("concern", child="C-0052\nC-0053"),
            [f"child_ref: 'C-0052\\nC-0053' is not valid: it {IDENTITY_RULE}"],
        ),
        (
            "child as a path",
            flags("concern", child="../../etc/passwd"),
            [f"child_ref: '../../etc/passwd' is not valid: it {IDENTITY_RULE}"],
        ),
        (
            "child of 100,000 characters",
            flags("concern", child=LONG),
            [f"child_ref: {LONG[:40]!r}… (100,000 chars) is too long: {IDENTITY_RULE}"],
        ),
        (
            "three children in one flag",
            flags("concern", child="C-1;C-2;C-3"),
            [
                f"child_ref: 'C-1;C-2;C-3' is not valid: it {IDENTITY_RULE}; give several children "
                "as separate values (repeat --child, or a JSON list)"
            ],
        ),
        (
            "no child",
            [
                "record",
                "concern",
                "--agency",
                "school-elm",
                "--entry-ref",
                "S-9",
                "--occurred-at",
                "2025-03-05",
                "--summary",
                "Hungry.",
            ],
            ["child_ref: is required: which child (or children)"],
        ),
        (
            "agency differing only by case",
            flags("concern", agency="School-Elm"),
            ["agency: you record as school-elm only, not as School-Elm"],
        ),
        (
            "agency with a space",
            flags("concern", agency="school elm"),
            ["agency: you record as school-elm only, not as school elm"],
        ),
        (
            "recipient as a path",
            flags("share", **{**share, "to-agencies": "../x"}, lawful_basis="public_task"),
            [f"to_agencies: '../x' is not valid: it {IDENTITY_RULE}"],
        ),
        (
            "unregistered recipient",
            flags("share", **{**share, "to-agencies": "nobody"}, lawful_basis="public_task"),
            ["to_agencies: agency 'nobody' is not registered"],
        ),
        (
            "entry reference with a colon",
            flags("concern", entry_ref="S:9"),
            [f"entry_ref: 'S:9' is not valid: it {IDENTITY_RULE}"],
        ),
        (
            "summary with NUL",
            flags("concern", summary="Hungry\x00"),
            ["summary: holds a control character (U+0000 NUL) at character 7"],
        ),
        (
            "summary with a terminal escape",
            flags("concern", summary="\x1b[2J\x1b[HAll fine"),
            ["summary: holds a control character (U+001B ESCAPE) at character 1"],
        ),
        (
            "summary with a right-to-left override",
            flags("concern", summary="Fine\u202eenif"),
            ["summary: holds a control character (U+202E RIGHT-TO-LEFT OVERRIDE) at character 5"],
        ),
        (
            "summary of 10,001 characters",
            flags("concern", summary="y" * 10_001),
            ["summary: is 10,001 characters long; at most 10,000"],
        ),
        (
            "reason with a line break",
            flags("decline", **answer, reason="Not held.\nAsk the GP."),
            [
                "reason: holds a control character (U+000A LINE FEED) at character 10 (only the "
                "summary and child_words may hold line breaks)"
            ],
        ),
        (
            "practitioner with a tab",
            flags("concern", practitioner="DSL\tMs Bell"),
            ["practitioner: holds a control character (U+0009 TAB) at character 4"],
        ),
        (
            "concern category with a control character",
            flags("concern", concerns="neglect\x07"),
            ["concerns: holds a control character (U+0007 CONTROL) at character 8"],
        ),
        (
            "significance in capitals",
            flags("concern", significance="HIGH"),
            ["significance: 'HIGH' is not one of: low, medium, high (did you mean 'high'?)"],
        ),
        (
            "UK date outside a spreadsheet",
            flags("concern", occurred_at="03/02/2025"),
            [f"occurred_at: '03/02/2025' {NOT_A_DATE}"],
        ),
        (
            "impossible date",
            flags("concern", occurred_at="2025-02-30"),
            [f"occurred_at: '2025-02-30' {NOT_A_DATE}"],
        ),
        (
            "date before 1900",
            flags("concern", occurred_at="1899-12-31"),
            ["occurred_at: '1899-12-31' is before 1900"],
        ),
        (
            "date in 2099",
            flags("concern", occurred_at="2099-01-01"),
            ["occurred_at: 2099-01-01 is in the future"],
        ),
        (
            "date with a zone",
            flags("concern", occurred_at="2025-03-01T10:15:00Z"),
            [f"occurred_at: '2025-03-01T10:15:00Z' {NOT_A_DATE}"],
        ),
        (
            "date with fractions of a second",
            flags("concern", occurred_at="2025-03-01T10:15:00.5"),
            [f"occurred_at: '2025-03-01T10:15:00.5' {NOT_A_DATE}"],
        ),
        (
            "agency_recorded_at in the future",
            flags("concern", agency_recorded_at="2099-01-01"),
            ["agency_recorded_at: 2099-01-01 is in the future"],
        ),
        (
            "agency_recorded_at before it happened",
            flags("concern", agency_recorded_at="2025-03-01"),
            ["agency_recorded_at: 2025-03-01 is before occurred_at"],
        ),
        (
            "due date in words",
            flags(
                "request",
                agency="csc-north",
                entry_ref="R-9",
                to_agencies="school-elm",
                reason="Assessment.",
                due_by="tomorrow",
            ),
            [f"due_by: 'tomorrow' {NOT_A_DATE}"],
        ),
        (
            "the same reference with a different account",
            flags("share", **{**share, "entry-ref": "P-100"}, lawful_basis="public_task"),
            [
                "entry_ref: police-north:P-100 is recorded already with different content; "
                "record a "
                "correction that refers to it instead"
            ],
        ),
    ]
    result = [Case(name, "flags", argv, errors) for name, argv, errors in cases]
    result.append(
        Case(
            "the system's time given as a flag",
            "flags",
            flags("concern", recorded_at="2099-01-01"),
            ["unrecognized arguments: --recorded-at 2099-01-01"],
        )
    )
    return result


def json_cases() -> list[Case]:
    answer = {
        "kind": "response",
        "agency": "health-visiting",
        "entry_ref": "H-9",
        "refers_to": "csc-north:R-1",
    }
    cases: list[tuple[str, bytes, list[str]]] = [
        (
            "invalid UTF-8",
            b'{"kind": "concern", "summary": "caf\xe9"}',
            ["--json: not UTF-8 text (byte 36: invalid continuation byte)"],
        ),
        (
            "a lone surrogate",
            as_json(summary="\ud800 hungry").replace(b"\\ud800", b"\\ud800"),
            ["summary: holds a control character (U+D800 LONE SURROGATE) at character 1"],
        ),
        (
            "nested 100,000 deep",
            b"[" * 100_000 + b"]" * 100_000,
            ["--json: nested too deeply to be an entry"],
        ),
        (
            "a field nested 100,000 deep",
            b'{"summary": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            ["--json: nested too deeply to be an entry"],
        ),
        (
            "concerns as a number",
            as_json(concerns=5),
            ["concerns: expected a list of text, got a number"],
        ),
        ("summary as a number", as_json(summary=5), ["summary: expected text, got a number"]),
        (
            "summary as NaN",
            as_json(summary="NAN").replace(b'"NAN"', b"NaN"),
            ["summary: expected text, got a number"],
        ),
        (
            "child as an object",
            as_json(child_ref={"ref": "C-0052"}),
            [
                "child_ref: expected a list of text, got an object",
                "child_ref: is required: which child (or children)",
            ],
        ),
        (
            "recipients as numbers",
            as_json(kind="request", to_agencies=[1, 2], reason="Why."),
            ["to_agencies: expected a list of text, got a list with non-text items"],
        ),
        (
            "kind as true",
            as_json(kind=True),
            ["kind: expected text, got true/false", "kind: is required"],
        ),
        (
            "occurred_at as a number",
            as_json(occurred_at=20250305),
            [
                "occurred_at: expected text, got a number",
                "occurred_at: is required (ISO 8601, e.g. 2024-05-03)",
            ],
        ),
        (
            "a list, not an object",
            b'[{"kind": "concern"}]',
            ["--json: expected one JSON object with the entry's fields"],
        ),
        (
            "not JSON",
            b"kind=concern",
            ["--json: not valid JSON (Expecting value at line 1, column 1)"],
        ),
        ("an empty file", b"", ["--json: not valid JSON (Expecting value at line 1, column 1)"]),
        (
            "trailing text",
            as_json() + b"x",
            ["--json: not valid JSON (Extra data at line 1, column 158)"],
        ),
        (
            "more than a megabyte",
            b" " * 1_000_001,
            ["--json: 1,000,001 bytes; one entry is at most 1,000,000"],
        ),
        ("the system's time in 2099", as_json(recorded_at="2099-01-01"), [STAMPED]),
        ("the system's time last year", as_json(recorded_at="2024-01-01"), [STAMPED]),
        ("an unknown field", as_json(colour="red"), ["colour: is not a field of an entry"]),
        (
            "a field name with a control character",
            as_json(**{"note\x1b": "x"}),
            ["'note\\x1b': is not a field of an entry"],
        ),
        (
            "several children in one text",
            as_json(child_ref="C-0052;C-0053"),
            [
                f"child_ref: 'C-0052;C-0053' is not valid: it {IDENTITY_RULE}; give several "
                "children "
                "as separate values (repeat --child, or a JSON list)"
            ],
        ),
        (
            "a child and its look-alike",
            as_json(child_ref=["C-0052", "c-0052"]),
            [f"child_ref: 'c-0052' {LOOKS_LIKE_C_0052}"],
        ),
        (
            "two spellings of a new child",
            as_json(child_ref=["C-0999", "c-0999"]),
            [
                "child_ref: 'c-0999' looks like 'C-0999', which is known already (it differs "
                "only by "
                "case, spaces or look-alike characters); use 'C-0999'"
            ],
        ),
        (
            "answer sent to housing",
            as_json(**answer, to_agencies=["housing-north"]),
            [TO_A_REQUESTER],
        ),
        (
            "correction by another agency",
            as_json(kind="correction", refers_to="police-north:P-100"),
            [NOT_OURS_TO_CORRECT],
        ),
        (
            "voice with recipients",
            as_json(
                kind="voice",
                child_words="I like school.",
                captured_how="direct_words",
                to_agencies=["csc-north"],
            ),
            [no_recipients("voice")],
        ),
        (
            "summary of 100,000 characters",
            as_json(summary=LONG),
            ["summary: is 100,000 characters long; at most 10,000"],
        ),
        (
            "child's words with NUL",
            as_json(kind="voice", child_words="I\x00 like school.", captured_how="direct_words"),
            ["child_words: holds a control character (U+0000 NUL) at character 2"],
        ),
        (
            "agency with a zero-width space",
            as_json(agency="school-elm\u200b"),
            ["agency: you record as school-elm only, not as school-elm\u200b"],
        ),
        (
            "a child reference of 65 characters",
            as_json(child_ref=["C" * 65]),
            [f"child_ref: {'C' * 40!r}… (65 chars) is too long: {IDENTITY_RULE}"],
        ),
        (
            "an empty object",
            b"{}",
            [
                "kind: is required",  # the agency is the person's own
                "entry_ref: is required",
                "child_ref: is required: which child (or children)",
                "occurred_at: is required (ISO 8601, e.g. 2024-05-03)",
            ],
        ),
        (
            "kind not in the vocabulary",
            as_json(kind="gossip"),
            [
                "kind: 'gossip' is not one of: concern, share, followup, request, response, "
                "decline, "
                "consent, voice, action, transfer, correction, acknowledgement"
            ],
        ),
        (
            "a date with a zone offset",
            as_json(occurred_at="2025-03-05T10:00+01:00"),
            [f"occurred_at: '2025-03-05T10:00+01:00' {NOT_A_DATE}"],
        ),
        (
            "year zero",
            as_json(occurred_at="0000-01-01"),
            [f"occurred_at: '0000-01-01' {NOT_A_DATE}"],
        ),
        (
            "digits from another script",
            as_json(occurred_at="２０２５-03-05"),
            [f"occurred_at: '２０２５-03-05' {NOT_A_DATE}"],
        ),
    ]
    cases += [
        (
            "a field given twice",
            as_json()[:-1] + b', "summary": "Arrived fed."}',
            ["--json: 'summary' appears twice; give each field once"],
        ),
        (
            "the child given under two names",
            as_json(child=["C-0053"]),
            ["child_ref: is given twice"],
        ),
    ]
    return [Case(name, "json", given, errors) for name, given, errors in cases]


def import_cases() -> list[Case]:
    answer_row = "response,health-visiting,H-9,C-0052,2025-03-06,Two missed checks.,csc-north:R-1"
    cases: list[tuple[str, bytes, list[str]]] = [
        (
            "an unterminated quote swallowing the next row",
            sheet('S-7,C-0052,concern,2025-03-04,school-elm,"Arrived late.', GOOD_ROW),
            [
                'row 2, column summary: a quote (") opened in this cell is never closed; '
                "nothing was "
                "read from here on"
            ],
        ),
        (
            "text after a closing quote",
            sheet('S-7,C-0052,concern,2025-03-04,school-elm,"Late" again'),
            [
                "row 2, column summary: text follows a closing quote: quote the whole cell and "
                "double "
                "any quote inside it; nothing was read from here on"
            ],
        ),
        (
            "a cell over 131,072 characters",
            sheet(GOOD_ROW, f'S-7,C-0052,concern,2025-03-04,school-elm,"{"z" * 140_000}"'),
            [
                "row 3, column summary: the cell is longer than 131,072 characters; nothing was "
                "read "
                "from here on"
            ],
        ),
        (
            "a summary of 10,001 characters",
            sheet(f"S-7,C-0052,concern,2025-03-04,school-elm,{'z' * 10_001}"),
            ["row 2, column summary: is 10,001 characters long; at most 10,000"],
        ),
        (
            "invalid UTF-8",
            sheet(GOOD_ROW).replace(b"late", b"l\xe9te"),
            ["file: {path} is not UTF-8 text (invalid continuation byte)"],
        ),
        (
            "an unknown column",
            sheet(GOOD_ROW + ",x", header=SHEET_HEADER + ",colour"),
            ["row 1, column colour: unknown column"],
        ),
        (
            "a missing required column",
            sheet(
                "S-7,C-0052,concern,2025-03-04,school-elm",
                header="entry_ref,child_ref,kind,occurred_at,agency",
            ),
            ["row 1, column summary: required column is missing"],
        ),
        (
            "a column twice",
            sheet(GOOD_ROW + ",Late.", header=SHEET_HEADER + ",summary"),
            ["row 1, column summary: column appears twice"],
        ),
        ("too many cells", sheet(GOOD_ROW + ",extra"), ["row 2, column -: 7 cells but 6 columns"]),
        (
            "an impossible UK date",
            sheet("S-7,C-0052,concern,31/02/2025,school-elm,Late."),
            [f"row 2, column occurred_at: '2025-02-31' {NOT_A_DATE}"],
        ),
        (
            "a date with slashes the wrong way",
            sheet("S-7,C-0052,concern,2025/03/04,school-elm,Late."),
            [f"row 2, column occurred_at: '2025/03/04' {NOT_A_DATE}"],
        ),
        (
            "the agency's recorded_at in 2099",
            sheet(
                "S-7,C-0052,concern,2025-03-04,school-elm,Late.,2099-01-01",
                header=SHEET_HEADER + ",recorded_at",
            ),
            ["row 2, column agency_recorded_at: 2099-01-01 is in the future"],
        ),
        (
            "a child and its look-alike in one cell",
            sheet("S-7,C-0052;c-0052,concern,2025-03-04,school-elm,Late."),
            [f"row 2, column child_ref: 'c-0052' {LOOKS_LIKE_C_0052}"],
        ),
        (
            "a look-alike child with surrounding spaces",
            sheet('S-7," c-0052 ",concern,2025-03-04,school-elm,Late.'),
            [f"row 2, column child_ref: 'c-0052' {LOOKS_LIKE_C_0052}"],
        ),
        (
            "a new child spelled two ways in two rows",
            sheet(
                "S-7,C-0777,concern,2025-03-04,school-elm,Late.",
                "S-8,c-0777,concern,2025-03-04,school-elm,Late again.",
            ),
            [
                "row 3, column child_ref: 'c-0777' looks like 'C-0777', which is known already (it "
                "differs only by case, spaces or look-alike characters); use 'C-0777'"
            ],
        ),
        (
            "a child with a space",
            sheet("S-7,C 0052,concern,2025-03-04,school-elm,Late."),
            [f"row 2, column child_ref: 'C 0052' is not valid: it {IDENTITY_RULE}"],
        ),
        (
            "a child in Cyrillic",
            sheet("S-7,С-0052,concern,2025-03-04,school-elm,Late."),
            [f"row 2, column child_ref: 'С-0052' is not valid: it {IDENTITY_RULE}{SEEMS_C_0052}"],
        ),
        (
            "a child with a zero-width joiner",
            sheet("S-7,C-0052\u200d,concern,2025-03-04,school-elm,Late."),
            [
                f"row 2, column child_ref: 'C-0052\\u200d' is not valid: it {IDENTITY_RULE}"
                f"{SEEMS_C_0052}"
            ],
        ),
        (
            "an agency differing by case",
            sheet("S-7,C-0052,concern,2025-03-04,SCHOOL-ELM,Late."),
            [f"row 2, column agency: agency 'SCHOOL-ELM' is not registered{SEEMS_SCHOOL}"],
        ),
        (
            "an entry reference as a path",
            sheet("../../x,C-0052,concern,2025-03-04,school-elm,Late."),
            [f"row 2, column entry_ref: '../../x' is not valid: it {IDENTITY_RULE}"],
        ),
        (
            "an answer sent to housing",
            sheet(answer_row + ",housing-north", header=ANSWER_HEADER),
            [f"row 2, column {TO_A_REQUESTER}"],
        ),
        (
            "a follow-up sent elsewhere",
            sheet(
                "followup,police-north,P-9,C-0052,2025-03-06,Letter "
                "sent.,police-north:P-100,csc-north",
                header=ANSWER_HEADER,
            ),
            [f"row 2, column {TO_THE_SHARE_S_RECIPIENTS}"],
        ),
        (
            "a correction of another agency's entry",
            sheet(
                "correction,school-elm,S-7,C-0052,2025-03-06,It was Friday.,police-north:P-100,",
                header=ANSWER_HEADER,
            ),
            [f"row 2, column {ONLY_POLICE_CORRECT}"],
        ),
        (
            "a concern with recipients",
            sheet(
                "concern,school-elm,S-7,C-0052,2025-03-06,Late.,,housing-north",
                header=ANSWER_HEADER,
            ),
            [f"row 2, column {no_recipients('concern')}"],
        ),
        (
            "a summary with NUL",
            sheet("S-7,C-0052,concern,2025-03-04,school-elm,Late\x00."),
            ["row 2, column summary: holds a control character (U+0000 NUL) at character 5"],
        ),
        (
            "a summary with a terminal escape",
            sheet("S-7,C-0052,concern,2025-03-04,school-elm,\x1b]0;pwned\x07Late."),
            ["row 2, column summary: holds a control character (U+001B ESCAPE) at character 1"],
        ),
        (
            "a reason over two lines",
            sheet(
                'R-9,C-0052,request,2025-03-04,csc-north,Asked.,school-elm,"Assessment.\nUrgent."',
                header=SHEET_HEADER + ",to_agencies,reason",
            ),
            [
                "row 2, column reason: holds a control character (U+000A LINE FEED) at character "
                "12 "
                "(only the summary and child_words may hold line breaks)"
            ],
        ),
        (
            "one reference twice with different accounts",
            sheet(GOOD_ROW, "S-8,C-0052,concern,2025-03-04,school-elm,Arrived very late."),
            [
                "row 3, column entry_ref: school-elm:S-8 is recorded already with different "
                "content; "
                "record a correction that refers to it instead"
            ],
        ),
        (
            "an empty file",
            b"",
            [
                f"row 1, column {name}: required column is missing"
                for name in ("entry_ref", "child_ref", "kind", "occurred_at", "agency", "summary")
            ],
        ),
        (
            "a date before 1900",
            sheet("S-7,C-0052,concern,1850-01-01,school-elm,Late."),
            ["row 2, column occurred_at: '1850-01-01' is before 1900"],
        ),
        (
            "a kind in capitals",
            sheet("S-7,C-0052,Concern,2025-03-04,school-elm,Late."),
            [
                "row 2, column kind: 'Concern' is not one of: concern, share, followup, request, "
                "response, decline, consent, voice, action, transfer, correction, "
                "acknowledgement (did you mean 'concern'?)"
            ],
        ),
        (
            "an unknown entry referred to",
            sheet(
                "correction,school-elm,S-7,C-0052,2025-03-06,Fixed.,school-elm:S-404,",
                header=ANSWER_HEADER,
            ),
            ["row 2, column refers_to: 'school-elm:S-404': no such entry"],
        ),
        (
            "a second row broken after a good one",
            sheet(GOOD_ROW, "S-7,C-0052,concern,2025-03-04,school-elm,"),
            ["row 3, column summary: is required: what happened, in plain language"],
        ),
        (
            "a quote problem on a later row",
            sheet(GOOD_ROW, 'S-7,C-0052,concern,"2025-03-04"x,school-elm,Late.'),
            [
                "row 3, column occurred_at: text follows a closing quote: quote the whole cell and "
                "double any quote inside it; nothing was read from here on"
            ],
        ),
    ]
    # A case reviewer imports rows as their agencies recorded them: the rules, not the access
    # check, then judge the agency column and who may correct what.
    by_reviewer = ("an agency differing by case", "a correction of another agency's entry")
    result = [
        Case(name, "import", given, errors, acting="reviewer" if name in by_reviewer else "")
        for name, given, errors in cases
    ]
    result += [
        Case("a directory", "import", b"", ["{path}: is a directory, not a CSV file"], "directory"),
        Case("a missing file", "import", b"", ["{path}: no such file"], "missing"),
        Case(
            "a directory as --json",
            "json",
            b"",
            ["--json: {path} is a directory, not a JSON file"],
            "directory",
        ),
        Case(
            "a missing --json file",
            "json",
            b"",
            ["--json: cannot read {path}: No such file or directory"],
            "missing",
        ),
    ]
    return result


CASES = flag_cases() + json_cases() + import_cases()
