"""An agency's own system on the JVM reads its feed: the README's Java example, built with Maven
(Apache Kafka's Java client, Apache Avro's BinaryMessageDecoder), run against the real secured
broker with the agency's credentials file and the exported schemas, decodes exactly what the
Python subscriber decodes, and Avro's own fingerprints agree with FullPicture's."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from fullpicture.cli import main
from tests.conftest import REPO_ROOT
from tests.people import practitioner_of, register_people
from tests.test_kafka_access_control import (  # noqa: F401 - their fixtures, used here
    admin_settings,
    cli_as_admin,
    new_agency,
    principals,
    registered_by_cli,
)

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]

EXAMPLE = REPO_ROOT / "examples" / "java-feed-reader"
CHILD = "C-J001"


def run(command: list[str], cwd: Path, timeout: int) -> str:
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def build_reader(tmp_path: Path) -> list[str]:
    """`mvn -q -B package` in a copy of the example; the command that runs it."""
    if shutil.which("mvn") is None or shutil.which("java") is None:
        pytest.fail("Maven and a JDK are needed (scripts/services.sh installs them)")
    project = tmp_path / "java-feed-reader"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("target"))
    run(["mvn", "-q", "-B", "-Dstyle.color=never", "package"], project, timeout=600)
    classpath = f"{project}/target/java-feed-reader.jar:{project}/target/lib/*"
    return ["java", "-cp", classpath, "org.fullpicture.example.FeedReader"]


def event_id(record: dict[str, object]) -> str:
    return str(record["event_id"])


def record_share(sharer: str, receiver: str, ref: str, summary: str) -> None:
    assert main(["--as", practitioner_of(sharer), "record", "share", "--child", CHILD,
                 "--entry-ref", ref, "--occurred-at", "2025-02-03", "--summary", summary,
                 "--to-agencies", receiver, "--channel", "secure_email",
                 "--reason", "The school can support the child.", "--lawful-basis", "public_task",
                 "--consent", "not_sought_unsafe", "--family-informed", "no_unsafe",
                 "--concerns", "neglect"]) == 0  # fmt: skip


def record_answer_and_follow_up(police: str, school: str) -> None:
    """The school asks the police; the police answer (a disclosure stating its lawful basis) and
    follow up a phone call in writing without restating its decision: version 3 events, whose
    unstated optional values are null on the wire."""
    assert main(["--as", practitioner_of(school), "record", "request", "--child", CHILD,
                 "--entry-ref", "Q-1", "--occurred-at", "2025-02-04", "--to-agencies", police,
                 "--channel", "secure_email", "--summary", "Asked about call-outs to the home.",
                 "--reason", "Attendance has dropped."]) == 0  # fmt: skip
    assert main(["--as", practitioner_of(police), "record", "response", "--child", CHILD,
                 "--entry-ref", "J-A", "--occurred-at", "2025-02-05", "--refers-to",
                 f"{school}:Q-1", "--channel", "letter", "--lawful-basis", "public_task",
                 "--summary", "Two call-outs since December."]) == 0  # fmt: skip
    assert main(["--as", practitioner_of(police), "record", "share", "--child", CHILD,
                 "--entry-ref", "J-3", "--occurred-at", "2025-02-06", "--summary",
                 "Told the school by phone of a third call-out.", "--to-agencies", school,
                 "--channel", "phone", "--reason", "The school can support the child.",
                 "--lawful-basis", "public_task", "--consent", "not_sought_unsafe",
                 "--family-informed", "no_unsafe"]) == 0  # fmt: skip
    assert main(["--as", practitioner_of(police), "record", "followup", "--child", CHILD,
                 "--entry-ref", "J-4", "--occurred-at", "2025-02-07", "--refers-to",
                 f"{police}:J-3", "--summary", "Confirmed the call in writing."]) == 0  # fmt: skip


def record_people_around_the_child(police: str, school: str) -> None:
    """The school records its own id for the child, an adult in the child's household and a
    concern naming that adult (new versions of the entry events carry `adults`); the police
    record the child's NHS number, which is theirs alone: it never reaches the school's feed."""
    school_person, police_person = practitioner_of(school), practitioner_of(police)
    for argv in (
        ["child", "alias", "add", CHILD, "--local-id", "UPN-J1"],
        ["adult", "register", "A-J001"],
        ["household", "join", CHILD, "--adult", "A-J001", "--relationship", "partner_of_parent",
         "--from", "2025-01-15"],
        ["record", "concern", "--child", CHILD, "--adult", "A-J001", "--entry-ref", "J-5",
         "--occurred-at", "2025-02-08", "--summary", "Mother's partner collected the child."],
    ):  # fmt: skip
        assert main(["--as", school_person, *argv]) == 0, argv
    nhs = ["child", "register", CHILD, "--nhs-number", "999 000 0018"]
    assert main(["--as", police_person, *nhs]) == 0


def test_the_java_example_decodes_an_agency_s_feed_as_the_python_subscriber_does(
    registered_by_cli: Callable[[], tuple[str, Path]],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    reader = build_reader(tmp_path)
    (school, credentials), (police, _) = registered_by_cli(), registered_by_cli()
    register_people(main, [police, school], [CHILD])
    record_share(police, school, "J-1", "Police attended a domestic incident at home.")
    record_share(police, school, "J-2", 'Second visit: "quoted" words, café, 10% more.')
    record_answer_and_follow_up(police, school)
    record_people_around_the_child(police, school)
    assert main(["relay", "--once"]) == 0
    assert main(["feeds", "--once"]) == 0
    kit = tmp_path / "kit"
    assert main(["schemas", "export", str(kit)]) == 0
    capsys.readouterr()
    read = ["subscribe", "--agency", school, "--from-beginning", "--format", "jsonl"]
    assert main([*read, "--credentials", str(credentials)]) == 0
    by_python = [json.loads(line) for line in capsys.readouterr().out.splitlines()]

    printed = run([*reader, str(credentials), str(kit), "8"], tmp_path, timeout=120)
    by_java = [json.loads(line) for line in printed.splitlines()]

    fingerprints = json.loads((kit / "fingerprints.json").read_text())
    names = {f"{v['event_type']}" for v in fingerprints.values()}
    assert all(event["schema"].rsplit(".", 1)[-1] in names for event in by_java)
    # Order holds within a partition (one child's events), not across the feed's partitions.
    assert sorted((e["record"] for e in by_java), key=event_id) == sorted(by_python, key=event_id)
    assert {r["event_type"] for r in by_python} == {
        "AgencyRegistered",
        "InformationShared",
        "InformationRequested",  # the school's own, known to it
        "RequestAnswered",
        "WrittenFollowUpRecorded",
        "ChildAliasRecorded",  # the school's own id, and what it recorded of the household
        "AdultRegistered",
        "HouseholdJoined",
        "ConcernRecorded",
    }
    by_ref = {r.get("entry_ref"): r for r in by_python}
    assert (by_ref["J-A"]["lawful_basis"], by_ref["J-A"]["consent"]) == ("public_task", None)
    assert (by_ref["J-4"]["channel"], by_ref["J-4"]["lawful_basis"]) == ("written", None)
    assert by_ref["Q-1"]["channel"] == "secure_email"
    assert by_ref["J-5"]["adults"] == ["A-J001"]
    assert by_ref["J-1"]["adults"] == []
    assert next(r for r in by_python if r["kind"] == "household_joined")["relationship"] == (
        "partner_of_parent"
    )
    newest = {}
    for v in fingerprints.values():
        newest[v["event_type"]] = max(v["version"], newest.get(v["event_type"], 0))
    assert [newest[t] for t in ("InformationRequested", "RequestAnswered",
                                "WrittenFollowUpRecorded")] == [5, 5, 5]  # fmt: skip
    shared = [r for r in by_python if r.get("entry_ref") in ("J-1", "J-2")]
    by_readme = run([sys.executable, "-c", readme_python_reader(kit, credentials)], tmp_path, 60)
    assert sorted(by_readme.splitlines()) == sorted(
        f"{r['event_type']} {r['entry_ref']} {r.get('summary', '')}" for r in by_python
    )
    assert [(r["entry_ref"], r["summary"], r["to_agencies"]) for r in shared] == [
        ("J-1", "Police attended a domestic incident at home.", [school]),
        ("J-2", 'Second visit: "quoted" words, café, 10% more.', [school]),
    ]


def readme_python_reader(kit: Path, credentials: Path) -> str:
    """The README's Python reader, pointed at this test's files, stopping when the feed is idle."""
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme[readme.index("**In Python**") :]
    start = section.index("```python\n") + len("```python\n")
    code = section[start : section.index("\n```", start)]
    for original, replacement in (
        ('Path("kit")', f"Path({str(kit)!r})"),
        ('open("school-elm.json")', f"open({str(credentials)!r})"),
        (
            'auto_offset_reset="earliest",',
            'auto_offset_reset="earliest", consumer_timeout_ms=8000,',
        ),
    ):
        assert original in code
        code = code.replace(original, replacement)
    return code
