"""The directory: the application service for people, roles, passwords and review grants.

A store of its own (its own table, or its own file in embedded mode), so nothing about people or
passwords is ever relayed to Kafka with the chronology's events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from functools import cached_property
from typing import Any
from urllib.parse import urlparse

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from domain import clock
from domain.errors import DomainError
from domain.kept_views import NOT_KEPT, KeptViews
from domain.notices import check_notification_kind
from domain.people import (
    CASE_REVIEWER,
    REVIEW_NAME,
    ROLES,
    Person,
    PersonView,
    ProviderIdentity,
    ReviewGrant,
    ReviewGrantView,
    check_not_granting_to_self,
    check_roles_fit_agency,
    check_user_name,
    identity_uuid,
    iso,
    issuer_key,
    person_uuid,
    person_view,
    review_uuid,
    review_view,
)
from domain.sign_in import (
    LOCAL_PASSWORDS_FOR_ADMINISTRATORS,
    LOCAL_PASSWORDS_OFF,
    LOCAL_SIGNIN_ALL,
    LOCAL_SIGNIN_OFF,
    WRONG_USER_OR_PASSWORD,
    AddressThrottle,
    SignInRefused,
    may_use_local_password,
    unguessable_password,
)

__all__ = ["Directory", "SignInRefused", "UnknownPerson"]

MIN_PASSWORD_LENGTH = 8
REVIEW_GRANT_TOPIC = get_topic(ReviewGrant) + "."  # every event of a grant


class UnknownPerson(DomainError):
    def __init__(self, field: str, user: str) -> None:
        super().__init__(field, f"{user!r} is not a registered person")


class Directory(Application[Any]):
    """Who may sign in, with which roles, and which case reviews they hold."""

    name = "Directory"

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        now: Callable[[], datetime] = clock.system_time,
        local_signin: str = LOCAL_SIGNIN_ALL,
    ) -> None:
        super().__init__(env)
        self._now = now
        self._hasher = PasswordHasher()
        self._views = KeptViews(REVIEW_GRANT_TOPIC)
        self._local_signin = local_signin
        self._throttle = AddressThrottle()

    # People ---------------------------------------------------------------------------------

    def anyone_registered(self) -> bool:
        return bool(self.recorder.max_notification_id())

    def register_person(
        self,
        user: str,
        name: str,
        roles: Iterable[str],
        agency: str = "",
        email: str = "",
        by: str = "",
    ) -> PersonView:
        check_user_name("user", user)
        wanted = set(roles)
        if not wanted:
            raise DomainError("role", "give at least one --role (" + ", ".join(ROLES) + ")")
        check_roles_fit_agency(wanted, agency)
        if not name.strip():
            raise DomainError("name", "is required")
        if self._find(user) is not None:
            raise DomainError("user", f"{user!r} is registered already")
        person = Person(
            user=user,
            name=name.strip(),
            agency=agency,
            email=email.strip(),
            roles=[r for r in ROLES if r in wanted],
            by=by,
            at=self._stamp(),
        )
        self.save(person)
        return person_view(person)

    def grant_role(self, user: str, role: str, by: str) -> PersonView:
        check_not_granting_to_self("user", user, by)
        person = self._get(user)
        if role in person.roles:
            return person_view(person)
        check_roles_fit_agency(person.roles | {role}, person.agency)
        person.grant(role=role, by=by, at=self._stamp())
        self.save(person)
        return person_view(person)

    def revoke_role(self, user: str, role: str, by: str) -> PersonView:
        person = self._get(user)
        if role not in ROLES:
            raise DomainError("role", f"{role!r} is not one of: {', '.join(ROLES)}")
        if role in person.roles:
            person.revoke(role=role, by=by, at=self._stamp())
            self.save(person)
        return person_view(person)

    def set_password(self, user: str, password: str, by: str) -> None:
        _check_password_length(password)
        person = self._get(user)
        if person.must_change_password and self._verifies(person.password_hash, password):
            raise DomainError("password", "choose a new password, not the one you were given")
        person.set_password(password_hash=self._hasher.hash(password), by=by, at=self._stamp())
        self.save(person)

    def reset_password(self, user: str, password: str, by: str) -> None:
        """Another person (an administrator) sets `user`'s password: it must be changed at the
        next sign-in (`must_change_password`)."""
        check_not_granting_to_self("user", user, by)
        _check_password_length(password)
        person = self._get(user)
        person.reset_password(password_hash=self._hasher.hash(password), by=by, at=self._stamp())
        self.save(person)

    def choose_notifications(self, user: str, kind: str, on: bool, by: str) -> None:
        """Turn one kind of notification on or off for a person (nothing recorded if unchanged)."""
        check_notification_kind(kind)
        person = self._get(user)
        if (kind in person.notifications_off) != on:
            return
        person.choose_notifications(kind=kind, on=on, by=by, at=self._stamp())
        self.save(person)

    def notifications_off(self, user: str) -> frozenset[str]:
        """The kinds of notification the person turned off."""
        person = self._find(user)
        return frozenset(person.notifications_off) if person is not None else frozenset()

    def must_change_password(self, user: str) -> bool:
        """Whether the person's password was reset by someone else and not changed since."""
        person = self._find(user)
        return bool(person is not None and person.must_change_password)

    def person(self, user: str) -> PersonView | None:
        """The person as the store has them now (`None` if never registered)."""
        return self._person_at(self._views.catch_up(self.recorder), user)

    def person_with_reviews(self, user: str) -> tuple[PersonView | None, list[ReviewGrantView]]:
        """The person and every review grant they hold, as the store has them now: what the
        query layer asks on every request, answered with one query when nothing changed."""
        position = self._views.catch_up(self.recorder)
        person = self._person_at(position, user)
        if person is None:
            return None, []
        return person, self._reviews_for_at(position, person.user)

    def _person_at(self, position: int, user: str) -> PersonView | None:
        key = person_uuid(user)
        kept = self._views.people.get(key, NOT_KEPT)
        if kept is not NOT_KEPT:
            return kept
        found = self._find(user)
        view = person_view(found) if found is not None else None
        self._views.keep_person(position, key, view)
        return view

    def people(self) -> list[PersonView]:
        """Everyone registered, in order of registration, as they are now."""
        topic = get_topic(Person.Registered)
        users = [
            self.mapper.to_domain_event(n).user
            for n in self.recorder.select_notifications(start=1, limit=1_000_000, topics=[topic])
        ]
        return [person_view(self._get(user)) for user in users]

    # Identity provider accounts ------------------------------------------------------------

    def link_identity(self, user: str, issuer: str, subject: str, by: str) -> None:
        """Link a person to the provider's account (`iss`, `sub`); from then on that account
        signs in as them, whatever its e-mail becomes."""
        issuer = issuer_key(issuer)
        parsed = urlparse(issuer)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise DomainError("issuer", f"expected the provider's issuer URL, got {issuer!r}")
        if not subject.strip() or len(subject) > 255:
            raise DomainError("subject", "give the provider's subject (`sub`), 1-255 characters")
        person = self._get(user)
        linked = self._linked_user(issuer, subject)
        if linked is not None:
            if linked.lower() == person.user.lower():
                return
            raise DomainError("subject", f"this identity is linked to {linked!r} already")
        if any(issuer_key(i) == issuer for i, _ in person.identities):
            raise DomainError("issuer", f"{person.user!r} is linked to an identity at it already")
        self._link(person, issuer, subject, how="linked by an administrator", by=by)

    def linked_identities(self, user: str) -> list[tuple[str, str]]:
        """The provider accounts (issuer, subject) a person is linked to."""
        return list(self._get(user).identities)

    def person_for_identity(
        self, issuer: str, subject: str, email: str, email_verified: bool
    ) -> PersonView | None:
        """The person a provider's sign-in stands for: whoever (`iss`, `sub`) is linked to; at
        an account's first sign-in, the one person not yet linked whose e-mail is its verified
        e-mail (who is then linked). None: nobody. A name or an unverified e-mail never counts."""
        if not issuer or not subject:
            return None
        linked = self._linked_user(issuer, subject)
        if linked is not None:
            return self.person(linked)
        wanted = email.strip().lower()
        if not email_verified or not wanted:
            return None
        matching = [p.user for p in self.people() if p.email and p.email.lower() == wanted]
        if len(matching) != 1:
            return None
        person = self._get(matching[0])
        if person.identities:
            return None
        try:
            self._link(
                person, issuer, subject, how="verified e-mail at first sign-in", by=person.user
            )
        except IntegrityError:  # the same first sign-in, in another tab or process, came first
            linked = self._linked_user(issuer, subject)
            return self.person(linked) if linked is not None else None
        return person_view(person)

    def _link(self, person: Person, issuer: str, subject: str, how: str, by: str) -> None:
        at, issuer = self._stamp(), issuer_key(issuer)
        person.link_identity(issuer=issuer, subject=subject, how=how, by=by, at=at)
        account = ProviderIdentity(
            issuer=issuer, subject=subject, user=person.user, how=how, by=by, at=at
        )
        self.save(person, account)

    def _linked_user(self, issuer: str, subject: str) -> str | None:
        try:
            account: ProviderIdentity = self.repository.get(identity_uuid(issuer, subject))
        except AggregateNotFoundError:
            return None
        return account.user

    # Signing in -----------------------------------------------------------------------------

    def authenticate(self, user: str, password: str, address: str = "") -> PersonView:
        """Check a local account's password, in the same time and with the same refusal
        whether or not the user exists; an address that keeps failing is held off a while."""
        if self._local_signin == LOCAL_SIGNIN_OFF:
            raise SignInRefused(LOCAL_PASSWORDS_OFF)
        now = self._now()
        self._throttle.check(address, now)
        person = self._find(user) if _is_user_name(user) else None
        known_hash = person.password_hash if person is not None else ""
        if not self._verifies(known_hash or self._unknown_hash, password) or not known_hash:
            self._throttle.failed(address, now)
            raise SignInRefused(WRONG_USER_OR_PASSWORD)
        assert person is not None
        if not may_use_local_password(self._local_signin, person.roles):
            raise SignInRefused(LOCAL_PASSWORDS_FOR_ADMINISTRATORS)
        person.signed_in(at=iso(now), method="password")
        self.save(person)
        return person_view(person)

    def record_sign_in(self, user: str, method: str) -> None:
        """Record a sign-in proved elsewhere (an identity provider), as a password one is."""
        person = self._get(user)
        person.signed_in(at=self._stamp(), method=method)
        self.save(person)

    @cached_property
    def _unknown_hash(self) -> str:
        """What an unknown user's password is checked against, so a refusal takes as long."""
        return self._hasher.hash(unguessable_password())

    def _verifies(self, password_hash: str, password: str) -> bool:
        try:
            return bool(self._hasher.verify(password_hash, password))
        except (VerificationError, InvalidHashError):
            return False

    # Review grants --------------------------------------------------------------------------

    def grant_review(
        self,
        review: str,
        reviewer: str,
        children: Iterable[str],
        period_from: str,
        period_to: str,
        expires: str,
        by: str,
    ) -> ReviewGrantView:
        if not REVIEW_NAME.match(review):
            raise DomainError("review", f"{review!r} is not a review name (letters, digits, .-_)")
        person = self._find(reviewer)
        if person is None:
            raise UnknownPerson("reviewer", reviewer)
        if CASE_REVIEWER not in person.roles:
            raise DomainError("reviewer", f"{reviewer!r} does not hold the case_reviewer role")
        check_not_granting_to_self("reviewer", person.user, by)
        wanted = sorted(set(children))
        if not wanted:
            raise DomainError("child", "name at least one --child")
        period_from = clock.parse_when("from", period_from)[:10]
        period_to = clock.parse_when("to", period_to)[:10]
        expires = clock.parse_when("expires", expires)[:10]
        if period_to < period_from:
            raise DomainError("to", f"{period_to} is before --from {period_from}")
        details = {
            "children": wanted,
            "period_from": period_from,
            "period_to": period_to,
            "expires": expires,
            "by": by,
            "at": self._stamp(),
        }
        try:
            grant: ReviewGrant = self.repository.get(review_uuid(review, person.user))
        except AggregateNotFoundError:
            grant = ReviewGrant(review=review, reviewer=person.user, **details)
        else:
            grant.change(**details)
        self.save(grant)
        return review_view(grant)

    def approve_review(
        self, review: str, by: str, reviewer: str | None = None
    ) -> list[ReviewGrantView]:
        """A second person approves the review's proposed grants (one reviewer's, or every
        reviewer's): nobody approves a grant they proposed or a grant to themselves."""
        pending = [
            g
            for g in self.reviews()
            if g.review == review
            and not g.approved
            and not g.withdrawn
            and (reviewer is None or g.reviewer.lower() == reviewer.lower())
        ]
        if not pending:
            whose = f" for {reviewer!r}" if reviewer else ""
            raise DomainError("review", f"{review!r} has no grant{whose} waiting for approval")
        approved = []
        for waiting in pending:
            check_not_granting_to_self("as", waiting.reviewer, by)
            if waiting.proposed_by.lower() == by.lower():
                raise DomainError(
                    "as",
                    f"{by!r} proposed {review!r} for {waiting.reviewer!r}; "
                    "a second administrator approves it",
                )
        for waiting in pending:
            grant: ReviewGrant = self.repository.get(review_uuid(review, waiting.reviewer))
            grant.approve(by=by, at=self._stamp())
            self.save(grant)
            approved.append(review_view(grant))
        return approved

    def withdraw_review(self, review: str, reviewer: str, by: str) -> ReviewGrantView:
        try:
            grant: ReviewGrant = self.repository.get(review_uuid(review, reviewer))
        except AggregateNotFoundError:
            raise DomainError("review", f"{reviewer!r} holds no grant for {review!r}") from None
        if not grant.withdrawn_at:
            grant.withdraw(by=by, at=self._stamp())
            self.save(grant)
        return review_view(grant)

    def reviews(self) -> list[ReviewGrantView]:
        """Every review grant as it stands now, in order of first granting."""
        return self._reviews_at(self._views.catch_up(self.recorder))

    def reviews_for(self, reviewer: str) -> list[ReviewGrantView]:
        return self._reviews_for_at(self._views.catch_up(self.recorder), reviewer)

    def _reviews_for_at(self, position: int, reviewer: str) -> list[ReviewGrantView]:
        wanted = reviewer.lower()
        return [g for g in self._reviews_at(position) if g.reviewer.lower() == wanted]

    def _reviews_at(self, position: int) -> list[ReviewGrantView]:
        kept = self._views.reviews
        if kept is not None:
            return list(kept)
        topic = get_topic(ReviewGrant.Granted)
        ids = [
            n.originator_id
            for n in self.recorder.select_notifications(start=1, limit=1_000_000, topics=[topic])
        ]
        grants = tuple(review_view(self.repository.get(i)) for i in ids)
        self._views.keep_reviews(position, grants)
        return list(grants)

    # ----------------------------------------------------------------------------------------

    def _stamp(self) -> str:
        return iso(self._now())

    def _find(self, user: str) -> Person | None:
        try:
            return self.repository.get(person_uuid(user))  # type: ignore[no-any-return]
        except AggregateNotFoundError:
            return None

    def _get(self, user: str) -> Person:
        person = self._find(user)
        if person is None:
            raise UnknownPerson("user", user)
        return person


def _check_password_length(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")


def _is_user_name(text: str) -> bool:
    try:
        check_user_name("user", text)
    except DomainError:
        return False
    return True
