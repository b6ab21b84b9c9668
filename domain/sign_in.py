"""Signing in with a local password: who still may, and how an address that keeps guessing is
slowed down without locking anyone out of their own account.

Every refusal for a wrong password says the same thing and takes as long whether or not the
user name exists (an unknown name is checked against a throwaway hash), so neither the words
nor the time tell a stranger which accounts exist. Failed guesses are counted per network
address, never per account: a stranger cannot lock the administrator out by guessing wrongly
on purpose.
"""

from __future__ import annotations

import secrets
import threading
from collections import deque
from collections.abc import Iterable
from datetime import datetime, timedelta

from domain.people import ADMINISTRATOR

# FULLPICTURE_LOCAL_SIGNIN: who may still sign in with a local password.
LOCAL_SIGNIN_OFF = "off"
LOCAL_SIGNIN_ADMINISTRATORS = "administrators"
LOCAL_SIGNIN_ALL = "all"
LOCAL_SIGNIN_CHOICES = (LOCAL_SIGNIN_OFF, LOCAL_SIGNIN_ADMINISTRATORS, LOCAL_SIGNIN_ALL)

WRONG_USER_OR_PASSWORD = "wrong user name or password"
LOCAL_PASSWORDS_OFF = (
    "local passwords are switched off here; sign in with the partnership's identity provider"
)
LOCAL_PASSWORDS_FOR_ADMINISTRATORS = (
    "local passwords are for administrators only here; "
    "sign in with the partnership's identity provider"
)
THROTTLE_AFTER_FAILURES = 5
THROTTLE_WINDOW = timedelta(minutes=15)
# Addresses kept before the stale ones are swept out (bounds memory under a spread-out attack).
SWEEP_AFTER_ADDRESSES = 10_000


class SignInRefused(Exception):
    """A sign-in that did not succeed; the message is safe to show (it never says which part
    was wrong)."""


def may_use_local_password(local_signin: str, roles: Iterable[str]) -> bool:
    """Whether a person holding `roles` may sign in with a local password under the setting."""
    if local_signin == LOCAL_SIGNIN_ALL:
        return True
    return local_signin == LOCAL_SIGNIN_ADMINISTRATORS and ADMINISTRATOR in set(roles)


def unguessable_password() -> str:
    """A password nobody knows: what an unknown user name is checked against."""
    return secrets.token_urlsafe(32)


class AddressThrottle:
    """Failed sign-ins per network address in the last 15 minutes; after five, that address is
    refused until the oldest of them is 15 minutes old. Attempts while refused are neither
    checked nor counted. Kept in the server's memory: a restart forgets it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, deque[datetime]] = {}

    def check(self, address: str, now: datetime) -> None:
        """Raise `SignInRefused` while `address` has failed too often."""
        with self._lock:
            if address not in self._failures:
                return
            failures = self._recent(address, now)
            if len(failures) >= THROTTLE_AFTER_FAILURES:
                until = failures[0] + THROTTLE_WINDOW
                raise SignInRefused(
                    "too many failed sign-ins from this address; "
                    f"try again after {until.strftime('%H:%M')}"
                )

    def failed(self, address: str, now: datetime) -> None:
        with self._lock:
            if len(self._failures) >= SWEEP_AFTER_ADDRESSES:
                for stale in [a for a in self._failures if not self._recent(a, now)]:
                    del self._failures[stale]
            self._recent(address, now).append(now)

    def _recent(self, address: str, now: datetime) -> deque[datetime]:
        failures = self._failures.setdefault(address, deque())
        while failures and now - failures[0] >= THROTTLE_WINDOW:
            failures.popleft()
        return failures
