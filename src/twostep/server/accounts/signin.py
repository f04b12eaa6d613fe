"""The sign-in state machine (DESIGN.md §4 Sign-in), the same for the pages and the API.

The steps are driven by the use cases (:mod:`twostep.server.usecases.signin`), which check the
password, ask the policy for the decision and hand it here; the edges only keep the state
between requests (the pages in the session, the API in a sign-in token).

1. :func:`next_step` says, from the decision, what comes after the password: ``code`` (2FA is
   set up: ask for it, whether or not it is required), ``setup`` (required, not set up,
   deadline ahead or due now), or ``done`` (not required; or set up and this browser is a
   remembered one, see :mod:`.remembered`). It raises
   ``SetupDeadlinePassedError`` (required, not set up, the enrolment period ran out: recorded)
   or ``LockedOutError`` (too many wrong codes).
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
from ..errors import LockedOutError, PostponeNotAllowedError, SetupDeadlinePassedError
from .models import User

__all__ = [
    "PENDING_LIFETIME",
    "SETUP_LIFETIME",
    "NextStep",
    "Standing",
    "finish_sign_in",
    "next_step",
    "postpone",
]

PENDING_LIFETIME: Final = timedelta(minutes=5)
SETUP_LIFETIME: Final = timedelta(minutes=10)


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
            record(
                Events.LOCKED_OUT_REFUSED, clock=clock, actor=user, subject=user, address=address
            )
            raise LockedOutError()
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
