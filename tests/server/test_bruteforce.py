"""Brute force on a fake clock: how many code guesses an attacker who knows the password gets in
30 days, as fast as the throttle allows, from many addresses, mixing TOTP and recovery guesses;
after the lock only recovery codes are checked (their own lane), which adds next to nothing."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from server import actions as mfa
from twostep.otp import generate_totp
from twostep.server.attempts import throttle
from twostep.server.attempts.throttle import CODE_LOCKOUT_FAILURES
from twostep.server.clock import FakeClock
from twostep.server.errors import CodeRejectedError, LockedOutError, ThrottledError
from twostep.server.mfa.recovery import CODE_COUNT

from .helpers import Member

pytestmark = pytest.mark.django_db

WINDOW_CODES = 3  # window ±1: each guess is compared with 3 valid codes
CODE_SPACE = 10**6


def wrong_guess(member: Member, clock: FakeClock, n: int) -> str:
    """A guess that is certainly wrong (so the attacker never gets lucky in the test)."""
    assert member.secret is not None
    now = clock().timestamp()
    valid = {generate_totp(member.secret, now + 30 * k) for k in (-1, 0, 1)}
    for candidate in (f"{(n * 7919 + i) % CODE_SPACE:06d}" for i in itertools.count()):
        if candidate not in valid:
            return candidate
    raise AssertionError  # pragma: no cover


def recovery_lane_guesses(seconds: int) -> int:
    """How many recovery guesses the ``recovery`` lane lets through in ``seconds``, each sent
    the moment it is allowed (its delays are tested in test_lockout.py)."""
    at, failures = 0, 0
    while at < seconds:
        failures += 1
        at += throttle.recovery_delay(failures)
        if throttle.recovery_delay(failures) == 0 and failures > 1000:  # pragma: no cover
            raise AssertionError("the recovery lane must slow down")
    return failures


def test_guesses_in_30_days_are_bounded(enrolled: Member, clock: FakeClock) -> None:
    end = clock() + timedelta(days=30)
    guesses = 0  # on the code lane (one-time and recovery codes), until the lock
    after_lock = 0  # recovery codes on the locked lane (its own throttle)
    throttled = 0
    locked_at = None
    for n in itertools.count():
        if clock() >= end:
            break
        address = f"198.51.{n % 200}.{n % 250}"  # a botnet: a new address each time
        locked = mfa.lockout_status(enrolled.user, clock=clock).locked
        try:
            if n % 5 == 4:
                mfa.verify_recovery_code(
                    enrolled.user, "zzzz-zzzz-zzzz-zzzz", clock=clock, address=address
                )
            else:
                mfa.verify_code(
                    enrolled.user, wrong_guess(enrolled, clock, n), clock=clock, address=address
                )
        except CodeRejectedError:
            if locked:
                after_lock += 1
            else:
                guesses += 1
        except ThrottledError as exc:
            throttled += 1
            clock.advance(seconds=exc.retry_after)
        except LockedOutError:
            locked_at = locked_at or clock()
            clock.advance(hours=6)  # keep trying until the 30 days are over
    chance = guesses * WINDOW_CODES / CODE_SPACE
    # After the lock only a recovery code gets in: 10 unused codes of 80 bits, at most as many
    # guesses as the recovery lane lets through in 30 days, however they are sent.
    most = recovery_lane_guesses(30 * 86400)
    recovery_chance = most * CODE_COUNT / 2**80
    print(
        f"\nbrute force, 30 days: {guesses} guesses reached the code check "
        f"({throttled} refused by the delay, locked after "
        f"{(locked_at - (end - timedelta(days=30))) if locked_at else 'never'}); "
        f"success chance <= {guesses} x {WINDOW_CODES} / {CODE_SPACE:,} = {chance:.1e}; "
        f"then recovery codes only: {after_lock} tried here, at most {most:,} in 30 days, "
        f"chance <= {most:,} x {CODE_COUNT} / 2^80 = {recovery_chance:.1e}; "
        f"in all {chance + recovery_chance:.1e}"
    )
    assert guesses == CODE_LOCKOUT_FAILURES
    assert after_lock > 0
    assert chance + recovery_chance < 1 / 10_000
    assert locked_at is not None
