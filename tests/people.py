"""Registering the people a test acts as: an administrator, a practitioner per agency and a case
reviewer whose grant (proposed by one administrator, approved by a second) covers the test's
children for all time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

ADMIN = "admin"
SECOND_ADMIN = "admin.second"  # approves the review grants ADMIN proposes
REVIEWER = "reviewer"
REVIEW = "TEST-REVIEW"


def practitioner_of(agency: str) -> str:
    return f"{agency}.practitioner"


def register_people(
    main: Callable[[Sequence[str]], int], agencies: Iterable[str], children: Iterable[str]
) -> None:
    """Through the CLI, as a partnership's administrator would."""
    assert (
        main(["user", "add", ADMIN, "--name", "Test Administrator", "--role", "administrator"]) == 0
    )
    for agency in agencies:
        person = practitioner_of(agency)
        assert (
            main(
                [
                    "--as",
                    ADMIN,
                    "user",
                    "add",
                    person,
                    "--name",
                    f"Worker at {agency}",
                    "--agency",
                    agency,
                    "--role",
                    "practitioner",
                ]
            )
            == 0
        )
    assert (
        main(
            [
                "--as",
                ADMIN,
                "user",
                "add",
                REVIEWER,
                "--name",
                "Test Reviewer",
                "--role",
                "case_reviewer",
            ]
        )
        == 0
    )
    wanted = [flag for child in children for flag in ("--child", child)]
    assert (
        main(
            [
                "--as",
                ADMIN,
                "review",
                "grant",
                REVIEW,
                "--reviewer",
                REVIEWER,
                *wanted,
                "--from",
                "1900-01-01",
                "--to",
                "2999-12-31",
                "--expires",
                "2999-12-31",
            ]
        )
        == 0
    )
    approve_review(main, REVIEW, proposed_by=ADMIN)


def approve_review(
    main: Callable[[Sequence[str]], int], review: str, proposed_by: str, second: str = SECOND_ADMIN
) -> None:
    """A second administrator (registered by the first if need be) approves the review."""
    registered = ["--as", proposed_by, "user", "add", second, "--name", "Second Administrator"]
    main([*registered, "--role", "administrator"])  # already registered is fine
    assert main(["--as", second, "review", "approve", review]) == 0
