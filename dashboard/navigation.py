"""Which pages each role is shown. The pages' data is scoped by the query layer whatever this
says; this only keeps a person's menu to the pages they can use, and turns away a page reached
by its address that is not theirs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.people import ADMINISTRATOR, ANALYST, CASE_REVIEWER, PRACTITIONER, SAFEGUARDING_LEAD

# The pages live in `views/`, not `pages/`: Streamlit runs a `pages/` folder's scripts as pages of
# their own (without this app's sign-in) until `st.navigation` is first called in the process.
AGENCY = frozenset((PRACTITIONER, SAFEGUARDING_LEAD))


@dataclass(frozen=True)
class DashboardPage:
    path: str
    title: str
    url_path: str
    roles: frozenset[str]


PAGES = (
    DashboardPage(
        "views/chronology.py",
        "Child chronology",
        "chronology",
        AGENCY | {CASE_REVIEWER, ANALYST},  # an analyst by break-glass only
    ),
    DashboardPage("views/my_work.py", "My work", "my_work", AGENCY),
    DashboardPage("views/patterns.py", "Patterns", "patterns", AGENCY | {CASE_REVIEWER, ANALYST}),
    DashboardPage("views/partnership.py", "Partnership", "partnership", frozenset({ANALYST})),
    DashboardPage(
        "views/requests.py", "Requests & follow-ups", "requests", AGENCY | {CASE_REVIEWER}
    ),
    DashboardPage("views/record.py", "Record", "record", AGENCY | {CASE_REVIEWER}),
    DashboardPage(
        "views/access_log.py",
        "Access log",
        "access_log",
        frozenset({ADMINISTRATOR, SAFEGUARDING_LEAD, CASE_REVIEWER}),
    ),
    DashboardPage("views/feeds.py", "Feeds", "feeds", frozenset({ADMINISTRATOR})),
    DashboardPage("views/records.py", "Records management", "records", frozenset({ADMINISTRATOR})),
)


def pages_for(roles: Iterable[str]) -> list[DashboardPage]:
    held = set(roles)
    return [page for page in PAGES if page.roles & held]


def refusal(page: DashboardPage) -> str:
    """What a person is told on a page that is not theirs."""
    who = ", ".join(sorted(r.replace("_", " ") for r in page.roles))
    return f"The {page.title} page is for: {who}. It is not part of your role."
