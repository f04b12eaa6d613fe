"""Verifying a code: claim an attempt, check the code, settle (the one place that decides).

Throttled per account and per client network (:mod:`twostep.server.attempts.throttle`). Every
verification reads as three steps: **claim** one attempt (counted and logged as a failure in
advance, so a request that dies half-way stays one), **check** the code against the device
(constant time, window ±1, never a step at or before the last accepted one), and **settle**: a
match raises the device's last step with one conditional UPDATE (the single-use rule across
processes), resets the counter and rewrites the attempt's audit row to a success; a failure may
lock the account. The database side of each step is :mod:`.statements`.

- ``verify_code(user, code, *, clock, address=None, purpose="sign-in") -> Verification``
- ``verify_recovery_code(user, code, *, clock, address=None, purpose="sign-in")``; while the
  code lane is locked it is the way back (its own ``recovery`` lane; a match unlocks the lane
  and sets ``must_change_password``: ``Verification.unlocked``);
- ``verify_any(user, code, ...)`` whichever of the two the input looks like;
- ``verify_by(lookup, code, ...)`` the same for a user not read yet (the API's verify: on
  PostgreSQL the read is part of the claim); raises ``UnknownUserError`` or
  ``InactiveUserError`` (nothing counted then);
- ``check_step_up(user, *, code, verified_at, clock, address=None) -> datetime`` the rule for
  sensitive actions: a code verified in the last 10 minutes or a fresh ``code`` now.

A rejected code raises ``CodeRejectedError`` (the same message for a wrong, reused or raced
code; one about recovery codes for a recovery code; ``reused`` and ``locked_after`` tell the
use case what to mail), ``ThrottledError`` or ``LockedOutError``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from django.db import transaction

from twostep.otp import InvalidCodeError, MalformedCodeError, ReusedCodeError, normalize_code
from twostep.otp import verify_totp as check_totp

from ..accounts.models import User
from ..attempts import throttle
from ..attempts.models import Throttle
from ..audit.services import Events, record, relabel
from ..clock import Clock
from ..crypto import DecryptionError
from ..errors import (
    CodeRejectedError,
    InactiveUserError,
    MalformedCodeInputError,
    NotEnrolledError,
    StepUpRequiredError,
    ThrottledError,
    UnknownUserError,
)
from ..rows import select_one
from .devices import device_for, is_enrolled, recovery_codes_left
from .enrolment import DIGITS, WINDOW, normalize_totp
from .keys import open_secret
from .models import Device, RecoveryCode
from .recovery import matches_recovery_code, normalize_recovery_code
from .statements import statements

__all__ = [
    "STEP_UP_WINDOW",
    "Verification",
    "check_step_up",
    "verify_any",
    "verify_by",
    "verify_code",
    "verify_recovery_code",
]

log = logging.getLogger("twostep.mfa")

STEP_UP_WINDOW: Final = timedelta(minutes=10)
#: A wrong (or used) recovery code: the answer speaks of recovery codes, not of the app.
RECOVERY_CODE_REJECTED: Final = (
    "That recovery code was not accepted. Check it against the recovery codes you saved: "
    "each one works once, and codes replaced by new ones no longer work."
)


@dataclass(frozen=True)
class Verification:
    method: str  # "totp" or "recovery"
    at: datetime
    step: int | None = None
    recovery_codes_left: int | None = None
    unlocked: bool = False  # a recovery code lifted a lockout: the password must change
    user: User | None = field(default=None, repr=False, compare=False)  # whose code it was


def _device(user: User) -> Device:
    device = device_for(user)
    if device is None:
        raise NotEnrolledError()
    return device


def _claim(
    user: User, *, clock: Clock, address: str | None, purpose: str, failure: str
) -> throttle.Claim:
    try:
        throttle.check_address(address, clock=clock)
    except ThrottledError:
        record(
            Events.CODE_THROTTLED,
            clock=clock,
            actor=user,
            subject=user,
            address=address,
            purpose=purpose,
        )
        raise
    return statements().claim(user, clock(), event=failure, address=address, purpose=purpose)


def _failed(
    user: User,
    claimed: throttle.Claim,
    *,
    clock: Clock,
    address: str | None,
    purpose: str,
    reused: bool = False,
    message: str | None = None,
) -> CodeRejectedError:
    """After a claimed attempt failed: its row says so already, unless it is a failure of
    another kind (a reuse); then the address lane and the lockout."""
    throttle.fail_address(address, clock=clock)
    if reused:
        relabel(claimed.logged, Events.CODE_REUSED, purpose=purpose, failures=claimed.failures)
    locked = throttle.fail(claimed, clock=clock)
    if locked:
        record(
            Events.LOCKED_OUT,
            clock=clock,
            subject=user,
            address=address,
            failures=claimed.failures,
        )
    return CodeRejectedError(
        message, user=user, reused=reused, locked_after=claimed.failures if locked else None
    )


def _check_and_settle(
    user: User,
    device: Device,
    claimed: throttle.Claim,
    text: str,
    *,
    clock: Clock,
    address: str | None,
    purpose: str,
) -> Verification:
    now = clock()
    try:
        secret = open_secret(device.secret_sealed, device.key_id, device.aad())
    except DecryptionError:
        log.error(
            "device %s of user %s cannot be decrypted with the configured keys", device.pk, user.pk
        )
        raise _failed(user, claimed, clock=clock, address=address, purpose=purpose) from None
    try:
        step = check_totp(
            secret,
            text,
            now.timestamp(),
            period=device.period,
            digits=device.digits,
            algorithm=device.algorithm,
            window=WINDOW,
            last_step=device.last_step,
        )
    except ReusedCodeError:
        raise _failed(
            user, claimed, clock=clock, address=address, purpose=purpose, reused=True
        ) from None
    except InvalidCodeError:
        raise _failed(user, claimed, clock=clock, address=address, purpose=purpose) from None
    if not statements().settle(device.pk, step, now, claimed, purpose=purpose):
        # A concurrent request with the same code won: to the user, a reuse.
        raise _failed(user, claimed, clock=clock, address=address, purpose=purpose, reused=True)
    return Verification(method="totp", at=now, step=step, user=user)


def verify_code(
    user: User, code: str, *, clock: Clock, address: str | None = None, purpose: str = "sign-in"
) -> Verification:
    text = normalize_totp(code)
    device = _device(user)
    claimed = _claim(
        user, clock=clock, address=address, purpose=purpose, failure=Events.CODE_FAILED
    )
    return _check_and_settle(
        user, device, claimed, text, clock=clock, address=address, purpose=purpose
    )


def verify_recovery_code(
    user: User, code: str, *, clock: Clock, address: str | None = None, purpose: str = "sign-in"
) -> Verification:
    text = normalize_recovery_code(code)
    if text is None:
        raise MalformedCodeInputError(
            "Enter one of your recovery codes: 16 letters and digits, like abcd-efgh-jkmn-pqrs."
        )
    if not is_enrolled(user):
        raise NotEnrolledError()
    if throttle.status(Throttle.CODE, str(user.pk), clock=clock).locked:
        return _recover(user, text, clock=clock, address=address, purpose=purpose)
    claimed = _claim(
        user, clock=clock, address=address, purpose=purpose, failure=Events.RECOVERY_FAILED
    )
    now = clock()
    if not _use_recovery_code(user, text, now):
        raise _failed(
            user,
            claimed,
            clock=clock,
            address=address,
            purpose=purpose,
            message=RECOVERY_CODE_REJECTED,
        )
    throttle.succeed(claimed, clock=clock)
    left = recovery_codes_left(user)
    relabel(claimed.logged, Events.RECOVERY_USED, purpose=purpose, left=left)
    return Verification(method="recovery", at=now, recovery_codes_left=left, user=user)


def _use_recovery_code(user: User, text: str, now: datetime) -> bool:
    """Mark the unused code of ``user`` that ``text`` is as used; True if this call did."""
    match = None
    for row in RecoveryCode.objects.filter(user=user, used_at__isnull=True):
        # Check every code (no early exit), so timing does not tell which one matched.
        if matches_recovery_code(text, bytes(row.salt), bytes(row.digest)) and match is None:
            match = row
    return match is not None and (
        RecoveryCode.objects.filter(pk=match.pk, used_at__isnull=True).update(used_at=now) == 1
    )


def _recover(
    user: User, text: str, *, clock: Clock, address: str | None, purpose: str
) -> Verification:
    """A recovery code while the code lane is locked: the owner's way back without an
    administrator. Throttled on its own lane (``recovery``: 5 free failures, then up to a minute
    between tries; 80-bit codes keep the guessing bound) and per client network. A match
    unlocks the code lane and marks the password to be changed: whoever locked the account by
    typing wrong codes knew it."""
    try:
        throttle.check_address(address, clock=clock)
        claimed = throttle.claim(Throttle.RECOVERY, str(user.pk), clock=clock, user=user)
    except ThrottledError:
        record(
            Events.RECOVERY_THROTTLED,
            clock=clock,
            actor=user,
            subject=user,
            address=address,
            purpose=purpose,
        )
        raise
    now = clock()
    # The code, the unlock and the flag together (the claim above is committed already).
    with transaction.atomic():
        used = _use_recovery_code(user, text, now)
        if used:
            throttle.succeed(claimed, clock=clock)
            throttle.unlock(user, clock=clock)
            User.objects.filter(pk=user.pk).update(must_change_password=True)
            user.must_change_password = True
            left = recovery_codes_left(user)
            record(
                Events.RECOVERY_USED,
                clock=clock,
                actor=user,
                subject=user,
                address=address,
                purpose=purpose,
                left=left,
                unlocked=True,
            )
            record(
                Events.UNLOCKED_BY_RECOVERY, clock=clock, actor=user, subject=user, address=address
            )
    if not used:
        throttle.fail_address(address, clock=clock)
        record(
            Events.RECOVERY_FAILED,
            clock=clock,
            actor=user,
            subject=user,
            address=address,
            purpose=purpose,
            failures=claimed.failures,
            locked=True,
        )
        raise CodeRejectedError(user=user)
    return Verification(
        method="recovery", at=now, recovery_codes_left=left, user=user, unlocked=True
    )


def _is_totp(code: Any) -> bool:
    try:
        normalize_code(code if isinstance(code, str) else "", DIGITS)
    except MalformedCodeError:
        return False
    return True


def verify_any(
    user: User, code: str, *, clock: Clock, address: str | None = None, purpose: str = "sign-in"
) -> Verification:
    if not _is_totp(code):
        if normalize_recovery_code(code) is not None:
            return verify_recovery_code(user, code, clock=clock, address=address, purpose=purpose)
        raise MalformedCodeInputError(
            "Enter the 6-digit code from your authenticator app, or a recovery code."
        )
    return verify_code(user, code, clock=clock, address=address, purpose=purpose)


def _usable(user: User | None) -> User:
    if user is None:
        raise UnknownUserError()
    if not user.is_active:
        raise InactiveUserError()
    return user


def _address_free(address: str | None, clock: Clock) -> bool:
    """True if the client network may try now (when it may not, the usual path answers, and
    logs the refusal with the user)."""
    try:
        throttle.check_address(address, clock=clock)
    except ThrottledError:
        return False
    return True


def verify_by(
    lookup: tuple[str, list[Any]],
    code: str,
    *,
    clock: Clock,
    address: str | None = None,
    purpose: str = "sign-in",
) -> Verification:
    """:func:`verify_any` for the user that ``lookup`` finds (a condition as
    ``rows.select_one`` takes it: ``(where, params)``). A one-time code is claimed in the
    statement that reads the user (one statement less on PostgreSQL)."""
    if not _is_totp(code) or not _address_free(address, clock):
        user = _usable(select_one(User, *lookup, related=("totp_device",)))
        user.device_fetched = True  # type: ignore[attr-defined]  # device_for may use it
        return verify_any(user, code, clock=clock, address=address, purpose=purpose)
    text = normalize_totp(code)
    found, claimed = statements().find_and_claim(
        lookup, clock(), event=Events.CODE_FAILED, address=address, purpose=purpose
    )
    user = _usable(found)
    device = _device(user)
    assert claimed is not None  # claimed for every active user with a device
    return _check_and_settle(
        user, device, claimed, text, clock=clock, address=address, purpose=purpose
    )


def check_step_up(
    user: User,
    *,
    code: str | None,
    verified_at: datetime | None,
    clock: Clock,
    address: str | None = None,
) -> datetime:
    now = clock()
    if verified_at is not None and now - STEP_UP_WINDOW <= verified_at <= now:
        return verified_at
    if not code:
        raise StepUpRequiredError()
    try:
        verification = verify_code(user, code, clock=clock, address=address, purpose="step-up")
    except CodeRejectedError:
        record(Events.STEP_UP_FAILED, clock=clock, actor=user, subject=user, address=address)
        raise
    record(Events.STEP_UP_OK, clock=clock, actor=user, subject=user, address=address)
    return verification.at
