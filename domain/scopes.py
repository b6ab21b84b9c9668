"""Who may see and do what (TRUST.md, "Roles and what each may see"), as pure decisions.

The query layer (`fullpicture.queries`) is the only caller: it gathers the facts (the person,
their grants, whether their agency knows a child), asks here, records the access and reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.drafts import Authorship
from domain.errors import DomainError
from domain.people import (
    ADMINISTRATOR,
    ANALYST,
    CASE_REVIEWER,
    PRACTITIONER,
    ROLES,
    SAFEGUARDING_LEAD,
    PersonView,
    ReviewGrantView,
)

BREAK_GLASS_HINT = "to open it anyway, give a reason with --purpose (recorded as break-glass)"


class AccessRefused(DomainError):
    """A person asked for something outside their scope; said in one line, never as an empty
    result that would look like "nothing known"."""


@dataclass(frozen=True)
class Viewer:
    """A person as the query layer sees them on this request: current roles, active grants."""

    person: PersonView
    grants: tuple[ReviewGrantView, ...]

    @property
    def user(self) -> str:
        return self.person.user

    @property
    def agency(self) -> str:
        return self.person.agency

    def has(self, *roles: str) -> bool:
        return any(role in self.person.roles for role in roles)

    @property
    def acts_for_agency(self) -> bool:
        return bool(self.agency) and self.has(PRACTITIONER, SAFEGUARDING_LEAD)

    @property
    def agency_role(self) -> str:
        return SAFEGUARDING_LEAD if self.has(SAFEGUARDING_LEAD) else PRACTITIONER

    @property
    def main_role(self) -> str:
        return next((r for r in ROLES if r in self.person.roles), "")

    def grant_children(self) -> set[str]:
        return {c for g in self.grants for c in g.children}

    def review_period(self, child: str) -> tuple[str, str] | None:
        """The widest period this person's active grants give them for a child."""
        periods = [(g.period_from, g.period_to) for g in self.grants if child in g.children]
        if not periods:
            return None
        return min(p[0] for p in periods), max(p[1] for p in periods)


def granted_children_of(viewer: Viewer, children: Sequence[str], occurred_at: str) -> list[str]:
    """The children of one entry a person's review grants show: those granted to them whose
    review period holds the entry's day (siblings outside the grant are never named)."""
    day = occurred_at[:10]
    shown = []
    for child in children:
        period = viewer.review_period(child)
        if period is not None and period[0] <= day <= period[1]:
            shown.append(child)
    return shown


def active_grants(grants: Sequence[ReviewGrantView], today: date) -> tuple[ReviewGrantView, ...]:
    return tuple(g for g in grants if g.is_active_on(today))


@dataclass(frozen=True)
class ChildScope:
    """What one read of one child may show, decided once and recorded as one access event."""

    child_ref: str
    view: str
    role: str
    known_by: str | None = None
    period: tuple[str, str] | None = None
    as_at: str | None = None
    system_time: str | None = None
    break_glass: bool = False
    purpose: str = ""

    def describe(self) -> str:
        """The scope in words, for the access log and for the top of every export."""
        parts = [f"known by {self.known_by}" if self.known_by else "every agency"]
        if self.period:
            parts.append(f"review period {self.period[0]} to {self.period[1]}")
        if self.as_at:
            parts.append(f"as at {self.as_at}")
        if self.system_time:
            parts.append(f"as the system held it at {self.system_time}")
        if self.break_glass:
            parts.append("break-glass")
        return "; ".join(parts)


def decide_child_scope(
    viewer: Viewer,
    child: str,
    agency_knows_child: Callable[[str], bool],
    view: str,
    as_at: str | None = None,
    known_by: str | None = None,
    system_time: str | None = None,
    purpose: str = "",
) -> ChildScope:
    """The scope one person may read one child in, or `AccessRefused` naming what is wrong.

    A case review grant gives the full chronology in its period; an agency role gives the
    known-by-own-agency view of children the agency knows; anything else needs a reason and is
    break-glass."""
    purpose = purpose.strip()
    asked = {"view": view, "as_at": as_at, "system_time": system_time, "purpose": purpose}
    period = viewer.review_period(child) if viewer.has(CASE_REVIEWER) else None
    if period is not None:
        return ChildScope(child, role=CASE_REVIEWER, known_by=known_by, period=period, **asked)
    refusal: tuple[str, str] | None = None
    if viewer.acts_for_agency and agency_knows_child(viewer.agency):
        if known_by in (None, viewer.agency):
            return ChildScope(child, role=viewer.agency_role, known_by=viewer.agency, **asked)
        refusal = (
            "known_by",
            f"as a {viewer.agency_role} you see what {viewer.agency} knows; "
            f"{known_by}'s view is outside your scope",
        )
    if purpose:
        return ChildScope(
            child, role=viewer.main_role, known_by=known_by, break_glass=True, **asked
        )
    field, message = refusal or ("child", f"{child} is outside your scope ({_scope_of(viewer)})")
    raise AccessRefused(field, f"{message}; {BREAK_GLASS_HINT}")


def _scope_of(viewer: Viewer) -> str:
    if viewer.acts_for_agency:
        reach = f"children {viewer.agency} knows"
        if viewer.has(CASE_REVIEWER):
            reach += " and your review grants"
        return reach
    if viewer.has(CASE_REVIEWER):
        return "the children of your active review grants"
    if viewer.has(ANALYST):
        return "an analyst sees partnership figures and the alert list"
    if viewer.has(ADMINISTRATOR):
        return "an administrator sees no child data"
    return "you hold no role"


def check_may_record(
    viewer: Viewer, rows: Sequence[tuple[int | None, Mapping[str, Any]]], importing: bool
) -> list[tuple[int | None, dict[str, Any]]]:
    """The rows this person may record, with their own agency filled in where none is given;
    or `AccessRefused` for the first row they may not record."""
    if viewer.acts_for_agency:
        return [(row, _as_own_agency(viewer, row, data)) for row, data in rows]
    if viewer.has(CASE_REVIEWER) and importing:
        granted = viewer.grant_children()
        for row, data in rows:
            for child in _children_of(data):
                if child not in granted:
                    raise AccessRefused(
                        _where(row, "child_ref"),
                        f"{child} is not in your active review grants; a case reviewer imports "
                        "agencies' chronologies of their review's children only",
                    )
        return [(row, dict(data)) for row, data in rows]
    doing = "import" if importing else "record"
    raise AccessRefused(
        "as",
        f"{viewer.user} may not {doing} entries: recording is for practitioners and safeguarding "
        "leads (as their own agency)" + ("; case reviewers may import" if not importing else ""),
    )


def decide_author(
    viewer: Viewer, rows: Sequence[tuple[int | None, Mapping[str, Any]]], importing: bool
) -> Authorship:
    """Who records rows `check_may_record` allowed (TRUST.md, "Who wrote it"): the person, and
    for a case reviewer's import the review it is for, the one grant that covers every child of
    the rows (or `AccessRefused` when none does alone: import each review's rows apart)."""
    if viewer.acts_for_agency or not (viewer.has(CASE_REVIEWER) and importing):
        return Authorship(viewer.user)
    children = {child for _, data in rows for child in _children_of(data)}
    for grant in sorted(viewer.grants, key=lambda g: g.review):
        if children <= set(grant.children):
            return Authorship(viewer.user, imported_for_review=grant.review)
    raise AccessRefused(
        "child_ref",
        "no one of your review grants covers every child of this import; "
        "import each review's rows apart",
    )


def _as_own_agency(viewer: Viewer, row: int | None, data: Mapping[str, Any]) -> dict[str, Any]:
    filled = dict(data)
    agency = str(filled.get("agency") or "").strip() or viewer.agency
    if agency != viewer.agency:
        raise AccessRefused(
            _where(row, "agency"),
            f"you record as {viewer.agency} only, not as {agency}",
        )
    filled["agency"] = agency
    if str(filled.get("kind") or "").strip() == "correction":
        original = str(filled.get("refers_to") or "").strip()
        if original and original.split(":", 1)[0] != viewer.agency:
            raise AccessRefused(
                _where(row, "refers_to"),
                f"{original} was recorded by another agency; only {viewer.agency}'s own entries "
                "can be corrected by you (tell its agency, or record a new share)",
            )
    return filled


def _children_of(data: Mapping[str, Any]) -> list[str]:
    raw = data.get("child_refs") or data.get("child_ref") or ""
    if isinstance(raw, (list, tuple)):
        return [str(c).strip() for c in raw if str(c).strip()]
    return [c.strip() for c in str(raw).split(";") if c.strip()]


def _where(row: int | None, column: str) -> str:
    return f"row {row}, column {column}" if row is not None else column


def check_administrator(viewer: Viewer, doing: str) -> None:
    if not viewer.has(ADMINISTRATOR):
        raise AccessRefused("as", f"only an administrator may {doing}")


def check_may_manage_person(viewer: Viewer, roles: Sequence[str], agency: str, doing: str) -> None:
    """Administrators manage everyone; a safeguarding lead adds and grants practitioners of
    their own agency, nothing more."""
    if viewer.has(ADMINISTRATOR):
        return
    if (
        viewer.has(SAFEGUARDING_LEAD)
        and set(roles) <= {PRACTITIONER}
        and agency == viewer.agency
        and viewer.agency
    ):
        return
    raise AccessRefused(
        "as",
        f"only an administrator may {doing} (a safeguarding lead may add and grant "
        "practitioners of their own agency)",
    )


def check_may_read_audit(viewer: Viewer) -> None:
    if not viewer.has(ADMINISTRATOR, SAFEGUARDING_LEAD, CASE_REVIEWER):
        raise AccessRefused(
            "as",
            "the access log is for administrators, safeguarding leads (their agency) and case "
            "reviewers (their review's children)",
        )


def retention_review_scope(viewer: Viewer) -> str | None:
    """Whose parts of children's records a person reviews for retention: an administrator
    every agency's (None), a safeguarding lead their own agency's (its code)."""
    if viewer.has(ADMINISTRATOR):
        return None
    if viewer.has(SAFEGUARDING_LEAD) and viewer.agency:
        return viewer.agency
    raise AccessRefused(
        "as",
        "records due for review are for administrators (and a safeguarding lead, their own "
        "agency's part)",
    )


def check_may_decide_retention(viewer: Viewer, agency: str) -> None:
    """Administrators decide on any child's record; a safeguarding lead on their own agency's
    part of it (`--agency` their agency). Approving, holds and erasure are administrators'."""
    if viewer.has(ADMINISTRATOR):
        return
    if viewer.has(SAFEGUARDING_LEAD) and viewer.agency and agency == viewer.agency:
        return
    raise AccessRefused(
        "as",
        "only an administrator decides on a child's record (a safeguarding lead on their own "
        "agency's part: --agency CODE)",
    )


# Tasks -----------------------------------------------------------------------------------------


def check_may_give_task(
    viewer: Viewer, child: str, agency_knows_child: Callable[[str], bool]
) -> None:
    """A task about a child is given by someone acting for an agency that knows the child."""
    if not (viewer.acts_for_agency and agency_knows_child(viewer.agency)):
        raise AccessRefused(
            "child", f"{child} is outside your scope ({_scope_of(viewer)}): no task can be given"
        )


def check_may_own_task(
    owner: Viewer, child: str, agency_knows_child: Callable[[str], bool]
) -> None:
    """A task's owner must be able to see the child in their own scope (never by break-glass):
    a practitioner or safeguarding lead of an agency that knows the child."""
    if not (owner.acts_for_agency and agency_knows_child(owner.agency)):
        raise AccessRefused(
            "owner",
            f"{owner.user} cannot see {child} ({_scope_of(owner)}); a task's owner must be "
            "able to see the child",
        )


def sees_task(
    viewer: Viewer, owner: str, owner_agency: str, added_by: str, agency_knows_child: bool
) -> bool:
    """A task is seen, while the viewer's agency knows its child, by its owner, whoever gave
    it, and the owner's agency (a lead escalated to sees every task of their agency)."""
    if not (viewer.acts_for_agency and agency_knows_child):
        return False
    return viewer.user in (owner, added_by) or viewer.agency == owner_agency


def check_may_change_task(
    viewer: Viewer, owner: str, owner_agency: str, added_by: str, doing: str
) -> None:
    """The owner, whoever gave the task, or a safeguarding lead of the owner's agency may mark
    it done or hand it on."""
    lead_of_owner = viewer.has(SAFEGUARDING_LEAD) and viewer.agency == owner_agency
    if viewer.user in (owner, added_by) or lead_of_owner:
        return
    raise AccessRefused(
        "as",
        f"only the task's owner, whoever gave it, or a safeguarding lead of {owner_agency} may "
        f"{doing} it",
    )
