"""People, their roles and review grants, as event-sourced aggregates (TRUST.md, "Principals").

Nothing here is ever edited: a person is registered, roles are granted and revoked, a password is
set or reset, sign-ins fail or succeed, a review grant is proposed, approved or withdrawn. So "who
could see this child on 3 March?" can be answered from the events as well as "who can now?".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.entries import ID_NAMESPACE
from domain.errors import DomainError

PRACTITIONER = "practitioner"
SAFEGUARDING_LEAD = "safeguarding_lead"
CASE_REVIEWER = "case_reviewer"
ANALYST = "analyst"
ADMINISTRATOR = "administrator"
ROLES = (PRACTITIONER, SAFEGUARDING_LEAD, CASE_REVIEWER, ANALYST, ADMINISTRATOR)
# Roles that act for an agency, and so need one.
AGENCY_ROLES = frozenset((PRACTITIONER, SAFEGUARDING_LEAD))

# User names are also what an identity provider's `preferred_username` or an e-mail maps to.
USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
REVIEW_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def person_uuid(user: str) -> UUID:
    return uuid5(ID_NAMESPACE, f"person:{user.lower()}")


def review_uuid(review: str, reviewer: str) -> UUID:
    return uuid5(ID_NAMESPACE, f"review:{review}:{reviewer.lower()}")


def identity_uuid(issuer: str, subject: str) -> UUID:
    return uuid5(ID_NAMESPACE, f"identity:{issuer_key(issuer)}\n{subject}")


def issuer_key(issuer: str) -> str:
    """An issuer as compared: its URL without a trailing slash."""
    return issuer.strip().rstrip("/")


def check_user_name(field: str, user: str) -> str:
    if not USER_NAME.match(user):
        raise DomainError(
            field,
            f"{user!r} is not a user name (letters, digits, '.', '_', '-', '@'; at most 64)",
        )
    return user


def check_roles_fit_agency(roles: frozenset[str] | set[str], agency: str) -> None:
    """Practitioners and leads act for an agency; an administrator belongs to none."""
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise DomainError("role", f"{unknown[0]!r} is not one of: {', '.join(ROLES)}")
    if roles & AGENCY_ROLES and not agency:
        needs = sorted(roles & AGENCY_ROLES)[0]
        raise DomainError("agency", f"a {needs} needs an agency (--agency CODE)")
    if agency and roles == {ADMINISTRATOR}:
        raise DomainError("agency", "an administrator belongs to no agency")
    if ADMINISTRATOR in roles and len(roles) > 1:
        raise DomainError(
            "role",
            "an administrator holds no other role: administrators see no child data "
            "(register a separate account for the other role)",
        )


def check_not_granting_to_self(field: str, user: str, by: str) -> None:
    """Separation of duties: nobody grants a role, a review or an approval to themselves."""
    if by and user.lower() == by.lower():
        raise DomainError(field, f"{user!r} may not grant this to themselves; another person must")


class Person(Aggregate):
    """Someone who signs in: one agency (or none), one or more roles, maybe a local password."""

    @staticmethod
    def create_id(user: str) -> UUID:
        return person_uuid(user)

    @event("Registered")
    def __init__(
        self, user: str, name: str, agency: str, email: str, roles: list[str], by: str, at: str
    ) -> None:
        self.user = user
        self.name = name
        self.agency = agency
        self.email = email
        self.roles: set[str] = set(roles)
        self.registered_at = at
        self.password_hash = ""
        self.identities: list[tuple[str, str]] = []
        self.must_change_password = False
        self.notifications_off: set[str] = set()

    @event("RoleGranted")
    def grant(self, role: str, by: str, at: str) -> None:
        self.roles.add(role)

    @event("RoleRevoked")
    def revoke(self, role: str, by: str, at: str) -> None:
        self.roles.discard(role)

    @event("PasswordSet")
    def set_password(self, password_hash: str, by: str, at: str) -> None:
        self.password_hash = password_hash
        self.must_change_password = False

    @event("PasswordReset")
    def reset_password(self, password_hash: str, by: str, at: str) -> None:
        """Someone else (an administrator) set the password: it works for one sign-in, which
        must choose a new one, so a reset cannot quietly become a way to act as the person."""
        self.password_hash = password_hash
        self.must_change_password = True

    @event("SignInFailed")
    def sign_in_failed(self, at: str) -> None:
        """Read from older stores only: failed guesses are now counted per address."""

    @event("IdentityLinked")
    def link_identity(self, issuer: str, subject: str, how: str, by: str, at: str) -> None:
        self.identities.append((issuer, subject))

    @event("NotificationsChosen")
    def choose_notifications(self, kind: str, on: bool, by: str, at: str) -> None:
        """The person's own choice of one kind of notification (all are on at first)."""
        if on:
            self.notifications_off.discard(kind)
        else:
            self.notifications_off.add(kind)

    @event("SignedIn")
    def signed_in(self, at: str, method: str) -> None:
        """A sign-in on the record; it changes nothing about the person."""


class ProviderIdentity(Aggregate):
    """An identity provider's account (`iss`, `sub`), linked once to the person it signs in as.
    Its id is made from the pair, so one account can never be linked to two people."""

    @staticmethod
    def create_id(issuer: str, subject: str) -> UUID:
        return identity_uuid(issuer, subject)

    @event("Linked")
    def __init__(self, issuer: str, subject: str, user: str, how: str, by: str, at: str) -> None:
        self.issuer = issuer
        self.subject = subject
        self.user = user


class ReviewGrant(Aggregate):
    """A case reviewer's access to named children for a review period, until it expires.

    A grant (or a change to one) is a proposal until a second administrator approves it: only
    then does it give access. A withdrawal takes effect at once."""

    @staticmethod
    def create_id(review: str, reviewer: str) -> UUID:
        return review_uuid(review, reviewer)

    @event("Granted")
    def __init__(
        self,
        review: str,
        reviewer: str,
        children: list[str],
        period_from: str,
        period_to: str,
        expires: str,
        by: str,
        at: str,
    ) -> None:
        self.review = review
        self.reviewer = reviewer
        self._set(children, period_from, period_to, expires, by)
        self.withdrawn_at = ""

    @event("Changed")
    def change(
        self,
        children: list[str],
        period_from: str,
        period_to: str,
        expires: str,
        by: str,
        at: str,
    ) -> None:
        self._set(children, period_from, period_to, expires, by)
        self.withdrawn_at = ""

    @event("Approved")
    def approve(self, by: str, at: str) -> None:
        self.approved_by = by

    @event("Withdrawn")
    def withdraw(self, by: str, at: str) -> None:
        self.withdrawn_at = at

    def _set(
        self, children: list[str], period_from: str, period_to: str, expires: str, by: str
    ) -> None:
        self.children = list(children)
        self.period_from = period_from
        self.period_to = period_to
        self.expires = expires
        self.proposed_by = by
        self.approved_by = ""


@dataclass(frozen=True)
class PersonView:
    """A person as the rest of the system sees them (never the password hash)."""

    user: str
    name: str
    agency: str
    email: str
    roles: tuple[str, ...]

    def has(self, role: str) -> bool:
        return role in self.roles


@dataclass(frozen=True)
class ReviewGrantView:
    review: str
    reviewer: str
    children: tuple[str, ...]
    period_from: str
    period_to: str
    expires: str
    withdrawn: bool
    proposed_by: str = ""
    approved_by: str = ""

    @property
    def approved(self) -> bool:
        return bool(self.approved_by)

    def is_active_on(self, day: date) -> bool:
        """A grant holds once approved, up to and including its expiry day, unless withdrawn."""
        return self.approved and not self.withdrawn and day.isoformat() <= self.expires

    def as_dict(self) -> dict[str, Any]:
        return {
            "review": self.review,
            "reviewer": self.reviewer,
            "children": list(self.children),
            "from": self.period_from,
            "to": self.period_to,
            "expires": self.expires,
            "withdrawn": self.withdrawn,
            "proposed_by": self.proposed_by,
            "approved_by": self.approved_by,
        }


def person_view(person: Person) -> PersonView:
    return PersonView(
        person.user,
        person.name,
        person.agency,
        person.email,
        tuple(r for r in ROLES if r in person.roles),
    )


def review_view(grant: ReviewGrant) -> ReviewGrantView:
    return ReviewGrantView(
        grant.review,
        grant.reviewer,
        tuple(grant.children),
        grant.period_from,
        grant.period_to,
        grant.expires,
        bool(grant.withdrawn_at),
        grant.proposed_by,
        grant.approved_by,
    )


def iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()
