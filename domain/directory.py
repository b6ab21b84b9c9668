"""The directory: the application service for people, roles, passwords and review grants.

A store of its own (its own table, or its own file in embedded mode), so nothing about people or
passwords is ever relayed to Kafka with the chronology's events.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.utils import get_topic

from domain import clock
from domain.errors import DomainError
from domain.people import (
    CASE_REVIEWER,
    REVIEW_NAME,
    ROLES,
    Person,
    PersonView,
    ReviewGrant,
    ReviewGrantView,
    check_not_granting_to_self,
    check_roles_fit_agency,
    check_user_name,
    iso,
    person_uuid,
    person_view,
    review_uuid,
    review_view,
)

LOCK_AFTER_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8
# Past this many new events since the last read, the kept views are all read again rather than
# sorted out one by one.
FORGET_ALL_AFTER = 1000
REVIEW_GRANT_TOPIC = get_topic(ReviewGrant) + "."  # every event of a grant


class UnknownPerson(DomainError):
    def __init__(self, field: str, user: str) -> None:
        super().__init__(field, f"{user!r} is not a registered person")


class SignInRefused(Exception):
    """A sign-in that did not succeed; the message is safe to show (it never says which part
    was wrong)."""


def locked_until(failures: Iterable[str]) -> datetime | None:
    """When the account unlocks, given its failed sign-ins since the last success.

    Five failures lock it for fifteen minutes from the fifth; after that it starts counting
    afresh (attempts while locked are refused without being checked, so they are not counted)."""
    count, until = 0, None
    for at in failures:
        moment = datetime.fromisoformat(at)
        if until is not None and moment >= until:
            count, until = 0, None
        count += 1
        if count >= LOCK_AFTER_FAILURES and until is None:
            until = moment + LOCK_FOR
    return until


class Directory(Application[Any]):
    """Who may sign in, with which roles, and which case reviews they hold."""

    name = "Directory"

    def __init__(
        self, env: Mapping[str, str] | None = None, now: Callable[[], datetime] = clock.system_time
    ) -> None:
        super().__init__(env)
        self._now = now
        self._hasher = PasswordHasher()
        self._views = _KeptViews()

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
        kept = self._views.people.get(key, _NOT_KEPT)
        if kept is not _NOT_KEPT:
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

    def find_by_identity(self, user_name: str, email: str) -> PersonView | None:
        """The registered person an identity provider's sign-in stands for: by user name first,
        then by e-mail (case-insensitive)."""
        if user_name:
            found = self.person(user_name) if _is_user_name(user_name) else None
            if found is not None:
                return found
        if email:
            wanted = email.strip().lower()
            for person in self.people():
                if person.email and person.email.lower() == wanted:
                    return person
        return None

    # Signing in -----------------------------------------------------------------------------

    def authenticate(self, user: str, password: str) -> PersonView:
        """Check a local account's password; five failures lock the account for 15 minutes."""
        refused = SignInRefused("wrong user name or password")
        person = self._find(user) if _is_user_name(user) else None
        if person is None:
            raise refused
        now = self._now()
        until = locked_until(person.failed_sign_ins)
        if until is not None and now < until:
            raise SignInRefused(
                f"this account is locked after {LOCK_AFTER_FAILURES} failed sign-ins; "
                f"try again after {until.strftime('%H:%M')}"
            )
        if not person.password_hash or not self._verifies(person.password_hash, password):
            person.sign_in_failed(at=iso(now))
            self.save(person)
            until = locked_until(person.failed_sign_ins)
            if until is not None and now < until:
                raise SignInRefused(
                    f"wrong user name or password; the account is now locked until "
                    f"{until.strftime('%H:%M')}"
                )
            raise refused
        person.signed_in(at=iso(now), method="password")
        self.save(person)
        return person_view(person)

    def record_sign_in(self, user: str, method: str) -> None:
        """Record a sign-in proved elsewhere (an identity provider), as a password one is."""
        person = self._get(user)
        person.signed_in(at=self._stamp(), method=method)
        self.save(person)

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


_NOT_KEPT: Any = object()


class _KeptViews:
    """People and review grants as last read, with the store's newest event id when they were
    read. Before every answer the store is asked for its newest id (one indexed query); the
    views of whatever changed since are forgotten and read again, so a role revoked or a grant
    withdrawn a moment ago, in this process or any other, counts on the very next request.
    Event ids are given in commit order (the store locks the table to write), so reading on
    from the last id misses nothing."""

    def __init__(self) -> None:
        self.position = 0
        self.people: dict[UUID, PersonView | None] = {}
        self.reviews: tuple[ReviewGrantView, ...] | None = None
        self._lock = threading.Lock()

    def catch_up(self, recorder: Any) -> int:
        """Forget what changed since the last read; the newest event id, for `keep_*`."""
        newest = recorder.max_notification_id() or 0
        with self._lock:
            if newest == self.position:
                return newest
            kept = self.people or self.reviews is not None
            if kept and self.position < newest <= self.position + FORGET_ALL_AFTER:
                for notification in recorder.select_notifications(
                    start=self.position + 1, limit=newest - self.position, stop=newest
                ):
                    self.people.pop(notification.originator_id, None)
                    if notification.topic.startswith(REVIEW_GRANT_TOPIC):
                        self.reviews = None
            else:
                self.people, self.reviews = {}, None
            self.position = newest
            return newest

    def keep_person(self, position: int, key: UUID, view: PersonView | None) -> None:
        """Keep a view read after `catch_up` returned `position`, unless the store has moved on
        since (another thread caught up meanwhile: the view may be older than its news)."""
        with self._lock:
            if position == self.position:
                self.people[key] = view

    def keep_reviews(self, position: int, grants: tuple[ReviewGrantView, ...]) -> None:
        with self._lock:
            if position == self.position:
                self.reviews = grants


def _check_password_length(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")


def _is_user_name(text: str) -> bool:
    try:
        check_user_name("user", text)
    except DomainError:
        return False
    return True
