"""Signing in (DESIGN.md §4 Sign-in), the same steps for the pages and the sign-in API: the
password, then the code (or a recovery code), or setup, or "Remind me later". The state machine
is :mod:`twostep.server.accounts.signin`; the policy's decision drives it.

- ``start_sign_in(identifier, password, *, clock, address=None, device=None,
  remembered=None) -> PasswordAccepted`` checks the password (throttled per account, or per
  known device when ``device`` is the client's valid device token, and per network), asks the
  policy, and says what comes next (``recovery_only``: locked after too many wrong codes, only a
  recovery code gets in; ``remembered``: the browser's remember-device cookie, which skips the
  code while it is valid: ``accepted.method`` is then ``"remembered"``); raises
  ``SignInFailedError``, ``ThrottledError`` or ``SetupDeadlinePassedError``;
- ``recheck(user, *, clock, address=None) -> NextStep`` when a pending step resumes (the policy
  may have changed since the password);
- ``enter_code(user, code, *, kind="any", clock, address=None) -> Verification``;
- ``setup(user, enrolment_id, *, clock, address=None) -> Enrolment`` the pending setup this
  sign-in started, or a new one;
- ``postpone_setup(user, *, clock, address=None) -> Decision``;
- ``finish_sign_in(user, method, *, clock, address=None, device=None) -> SignedIn`` records
  the completed sign-in and issues the client's device token (``accounts.known_devices``);
  says whether the password must be changed first (a recovery code lifted a lockout).
- ``remember_browser(user, *, clock, address=None, label="") -> (cookie, expires_at)`` after a
  code, when the user ticked "Remember this browser";
  ``remembered_browsers``, ``forget_browser``, ``forget_all_browsers``: the account page's list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .. import metrics
from ..accounts import remembered as remembered_devices
from ..accounts.known_devices import issue_device_token
from ..accounts.models import RememberedDevice, User
from ..accounts.password_check import check_password_for_sign_in
from ..accounts.signin import NextStep, next_step, postpone
from ..accounts.signin import finish_sign_in as record_sign_in
from ..clock import Clock
from ..errors import EnrolmentExpiredError, ServiceError
from ..mfa.enrolment import Enrolment, get_enrolment, start_enrolment
from ..policy.services import Decision, decide
from .verification import Kind, Verification, verify

__all__ = [
    "NextStep",
    "PasswordAccepted",
    "SignedIn",
    "enter_code",
    "finish_sign_in",
    "forget_all_browsers",
    "forget_browser",
    "postpone_setup",
    "recheck",
    "remember_browser",
    "remember_days",
    "remembered_browsers",
    "setup",
    "start_sign_in",
]


@dataclass(frozen=True)
class PasswordAccepted:
    user: User
    next: NextStep
    decision: Decision
    method: str = "password"  # how the sign-in is made: "password" or "remembered"

    @property
    def recovery_only(self) -> bool:
        """The code step accepts only a recovery code (locked after too many wrong codes)."""
        return self.next == NextStep.CODE and self.decision.locked_out


@dataclass(frozen=True)
class SignedIn:
    device_token: str  # for the client to keep (the pages: a cookie) and show next time
    password_change_required: bool  # a recovery code lifted a lockout: change it first


def start_sign_in(
    identifier: str,
    password: str,
    *,
    clock: Clock,
    address: str | None = None,
    device: str | None = None,
    remembered: str | None = None,
) -> PasswordAccepted:
    try:
        user = check_password_for_sign_in(
            identifier, password, clock=clock, address=address, device=device
        )
    except ServiceError as exc:
        metrics.sign_in(exc.code, address=address)
        raise
    metrics.sign_in("ok", user=user, address=address)
    decision = decide(user, clock=clock)
    known = (
        decision.enrolled
        and not decision.locked_out
        and remembered is not None
        and remembered_devices.recognise(user, remembered, clock=clock, address=address) is not None
    )
    step = next_step(user, decision, clock=clock, address=address, remembered=known)
    return PasswordAccepted(user, step, decision, "remembered" if known else "password")


def remember_days() -> int:
    return remembered_devices.remember_days()


def remember_browser(
    user: User, *, clock: Clock, address: str | None = None, label: str = ""
) -> tuple[str, datetime]:
    return remembered_devices.remember(user, clock=clock, address=address, label=label)


def remembered_browsers(user: User, *, clock: Clock) -> list[RememberedDevice]:
    return remembered_devices.devices_of(user, clock=clock)


def forget_browser(user: User, device_id: str, *, clock: Clock, address: str | None = None) -> bool:
    return remembered_devices.forget(user, device_id, actor=user, clock=clock, address=address)


def forget_all_browsers(user: User, *, clock: Clock, address: str | None = None) -> int:
    return remembered_devices.forget_all(user, actor=user, clock=clock, address=address)


def finish_sign_in(
    user: User, method: str, *, clock: Clock, address: str | None = None, device: str | None = None
) -> SignedIn:
    """Record the completed sign-in; the client's device token, issued again (``device``: the
    one it showed, whose device id is kept)."""
    record_sign_in(user, method, clock=clock, address=address)
    return SignedIn(
        device_token=issue_device_token(user, device),
        password_change_required=user.must_change_password,
    )


def recheck(user: User, *, clock: Clock, address: str | None = None) -> NextStep:
    return next_step(user, decide(user, clock=clock), clock=clock, address=address)


def enter_code(
    user: User, code: str, *, kind: Kind = "any", clock: Clock, address: str | None = None
) -> Verification:
    return verify(user, code, kind=kind, clock=clock, address=address)


def setup(user: User, enrolment_id: Any, *, clock: Clock, address: str | None = None) -> Enrolment:
    if enrolment_id is not None:
        try:
            return get_enrolment(user, enrolment_id, clock=clock)
        except EnrolmentExpiredError:
            pass
    return start_enrolment(user, clock=clock, address=address)


def postpone_setup(user: User, *, clock: Clock, address: str | None = None) -> Decision:
    decision = decide(user, clock=clock)
    postpone(user, decision, clock=clock, address=address)
    return decision
