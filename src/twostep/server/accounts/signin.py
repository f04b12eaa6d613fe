"""The sign-in flow (DESIGN.md §4 Sign-in), the same for the pages and the API.

1. :func:`start_sign_in` checks the password, asks the policy for the decision, and says what
   comes next: ``code`` (2FA is set up: ask for it, whether or not it is required), ``setup``
   (required, not set up, deadline ahead or due now), or ``done`` (not required). It raises
   ``SetupDeadlinePassedError`` (required, not set up, the enrolment period ran out: recorded),
   ``LockedOutError`` (too many wrong codes), ``SignInFailedError`` or ``ThrottledError``.
2. The caller keeps "password accepted" for at most :data:`PENDING_LIFETIME` (5 minutes) for
   the code step, or :data:`SETUP_LIFETIME` (10 minutes, the life of a pending secret) for
   setup, under a new session id.
3. Then ``mfa.services.verify_code`` / ``verify_recovery_code``, or setup with
   ``mfa.services.start_enrolment`` / ``confirm_enrolment``, or :func:`postpone_setup` when the
   decision allows "Remind me later".
4. :func:`finish_sign_in` records the completed sign-in and how it was made.

Functions: ``start_sign_in(identifier, password, *, clock, address=None) -> PasswordAccepted``,
``postpone_setup(user, *, clock, address=None) -> Decision``,
``finish_sign_in(user, method, *, clock, address=None)``,
``recheck(user, *, clock) -> NextStep`` (re-asks the policy when a pending step resumes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any, Final

from ..audit.services import Events, record
from ..clock import Clock
from ..errors import LockedOutError, PostponeNotAllowedError, SetupDeadlinePassedError
from ..policy.services import Decision, decide
from .models import User
from .services import check_password_for_sign_in

__all__ = [
    "PENDING_LIFETIME",
    "SETUP_LIFETIME",
    "NextStep",
    "PasswordAccepted",
    "finish_sign_in",
    "postpone_setup",
    "recheck",
    "start_sign_in",
]

PENDING_LIFETIME: Final = timedelta(minutes=5)
SETUP_LIFETIME: Final = timedelta(minutes=10)


class NextStep(StrEnum):
    CODE = "code"
    SETUP = "setup"
    DONE = "done"


@dataclass(frozen=True)
class PasswordAccepted:
    user: User
    next: NextStep
    decision: Decision


def _next(user: User, decision: Decision, *, clock: Clock, address: str | None) -> NextStep:
    if decision.enrolled:
        if decision.locked_out:
            record(
                Events.LOCKED_OUT_REFUSED, clock=clock, actor=user, subject=user, address=address
            )
            raise LockedOutError()
        return NextStep.CODE
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


def start_sign_in(
    identifier: str, password: str, *, clock: Clock, address: str | None = None
) -> PasswordAccepted:
    user = check_password_for_sign_in(identifier, password, clock=clock, address=address)
    decision = decide(user, clock=clock)
    return PasswordAccepted(user, _next(user, decision, clock=clock, address=address), decision)


def recheck(user: User, *, clock: Clock, address: str | None = None) -> NextStep:
    """What the user must do now (the policy may have changed since the password step)."""
    return _next(user, decide(user, clock=clock), clock=clock, address=address)


def postpone_setup(user: User, *, clock: Clock, address: str | None = None) -> Decision:
    decision = decide(user, clock=clock)
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
    return decision


def finish_sign_in(user: Any, method: str, *, clock: Clock, address: str | None = None) -> None:
    record(Events.SIGNED_IN, clock=clock, actor=user, subject=user, address=address, method=method)
