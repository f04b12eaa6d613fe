"""The sign-in state machine (DESIGN.md §4 Sign-in), the same for the pages and the API.

The steps are driven by the use cases (:mod:`twostep.server.usecases.signin`), which check the
password, ask the policy for the decision and hand it here; the edges only keep the state
between requests (the pages in the session, the API in a sign-in token).

1. :func:`next_step` says, from the decision, what comes after the password: ``code`` (2FA is
   set up: ask for it, whether or not it is required), ``setup`` (required, not set up,
   deadline ahead or due now), or ``done`` (not required; or set up and this browser is a
   remembered one, see :mod:`.remembered`). It raises ``SetupDeadlinePassedError``
   (required, not set up, the enrolment period ran out: recorded). An account locked after too
   many wrong codes goes to the code step, where only a recovery code is accepted
   (``recovery_only``; a one-time code raises ``LockedOutError``), remembered browser or not.
2. The caller keeps "password accepted" for at most :data:`PENDING_LIFETIME` (5 minutes) for
   the code step, or :data:`SETUP_LIFETIME` (10 minutes, the life of a pending secret) for
   setup, under a new session id.
3. Then the code (or a recovery code), or setup, or :func:`postpone` when the decision allows
   "Remind me later"; when a pending step resumes the decision is asked again (:func:`next_step`).
4. :func:`finish_sign_in` records the completed sign-in and how it was made.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final, Protocol

from ..audit.services import Events, record
from ..clock import Clock
from ..errors import PostponeNotAllowedError, SetupDeadlinePassedError
from .models import User

__all__ = [
    "IDLE_LIMIT",
    "PENDING_LIFETIME",
    "SESSION_LIMIT",
    "SETUP_LIFETIME",
    "TOUCH_EVERY",
    "NextStep",
    "Standing",
    "finish_sign_in",
    "next_step",
    "postpone",
]

PENDING_LIFETIME: Final = timedelta(minutes=5)
SETUP_LIFETIME: Final = timedelta(minutes=10)
# A signed-in session, on the pages and through the sign-in API alike: it ends after 30 minutes
# without a request and 12 hours after the sign-in however active it is (NIST SP 800-63B AAL2
# reauthentication, ASVS 3.3.2 and 3.3.4).
IDLE_LIMIT: Final = timedelta(minutes=30)
SESSION_LIMIT: Final = timedelta(hours=12)
TOUCH_EVERY: Final = timedelta(minutes=1)  # "last seen" is written at most once a minute


class NextStep(StrEnum):
    CODE = "code"
    SETUP = "setup"
    DONE = "done"


class Standing(Protocol):
    """What the machine needs of the policy's decision for a user (``policy.Decision``)."""

    @property
    def enrolled(self) -> bool: ...
    @property
    def locked_out(self) -> bool: ...
    @property
    def locked(self) -> bool: ...
    @property
    def required(self) -> bool: ...
    @property
    def can_postpone(self) -> bool: ...
    @property
    def days_left(self) -> int: ...
    @property
    def deadline(self) -> datetime | None: ...
    @property
    def rules(self) -> Sequence[str]: ...


def next_step(
    user: User,
    decision: Standing,
    *,
    clock: Clock,
    address: str | None = None,
    remembered: bool = False,
) -> NextStep:
    """What the user must do now, given the policy's decision. ``remembered``: this browser
    is a remembered one (``remembered.recognise``), which skips the code, never setup."""
    if decision.enrolled:
        if decision.locked_out:
            # Locked after too many wrong codes: the code step, where only a recovery code is
            # accepted now (the owner's way back, mfa.verification); a remembered browser too.
            return NextStep.CODE
        return NextStep.DONE if remembered else NextStep.CODE
    if decision.locked:
        record(
            Events.DEADLINE_REFUSED,
            clock=clock,
            actor=user,
            subject=user,
            address=address,
            rules=[str(rule) for rule in decision.rules],
            deadline=decision.deadline.isoformat() if decision.deadline else None,
        )
        raise SetupDeadlinePassedError()
    if decision.required:
        return NextStep.SETUP
    return NextStep.DONE


def postpone(user: User, decision: Standing, *, clock: Clock, address: str | None = None) -> None:
    """ "Remind me later": allowed while every requiring rule's deadline is ahead."""
    if not decision.can_postpone:
        raise PostponeNotAllowedError()
    record(
        Events.SETUP_POSTPONED,
        clock=clock,
        actor=user,
        subject=user,
        address=address,
        days_left=decision.days_left,
    )


def finish_sign_in(user: User, method: str, *, clock: Clock, address: str | None = None) -> None:
    record(Events.SIGNED_IN, clock=clock, actor=user, subject=user, address=address, method=method)
