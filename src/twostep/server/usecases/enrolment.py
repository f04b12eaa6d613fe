"""Setting up two-step verification, turning it off, new recovery codes; an administrator's reset
and unlock. Each mails the user what changed and tells the user's application (webhooks:
``mfa.enabled``, ``mfa.disabled``, ``mfa.reset``, written with the change).

- ``start_enrolment(user, *, clock, address=None, actor=None) -> Enrolment``;
- ``confirm_enrolment(user, enrolment_id, code, *, clock, address=None, actor=None)
  -> list[str]`` the recovery codes (shown once);
- ``disable(user, *, code=None, verified_at=None, clock, address=None, actor=None)`` needs a
  step-up; refused (``RequiredByPolicyError``) when the policy requires 2FA of the user: an
  administrator resets instead;
- ``regenerate_recovery_codes(user, *, code=None, verified_at=None, clock, address=None,
  actor=None) -> list[str]`` needs a step-up; the old codes stop working;
- ``reset(user, *, actor, clock, address=None)`` devices, pending setup, recovery codes and the
  lockout go, the enrolment period starts again, the user is signed out everywhere (and the
  tokens of the user's applications are revoked); refused
  for one's own account and, unless the actor is an owner, for an owner's;
- ``unlock(user, *, actor, clock, address=None) -> bool`` lift a lockout (True if locked).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from ..accounts.directory import check_may_manage
from ..accounts.models import User
from ..attempts import throttle
from ..audit.services import Events, record
from ..clock import Clock
from ..errors import ActionRefusedError, NotEnrolledError, RequiredByPolicyError
from ..mail import notify_user
from ..mfa import devices, enrolment
from ..mfa.enrolment import Enrolment
from ..policy.services import decide, restart_enrolment_period
from ..webhooks.events import emit
from .sessions import revoke_application_tokens
from .verification import check_step_up

__all__ = [
    "confirm_enrolment",
    "disable",
    "regenerate_recovery_codes",
    "reset",
    "start_enrolment",
    "unlock",
]


def start_enrolment(
    user: User,
    *,
    clock: Clock,
    address: str | None = None,
    actor: User | None = None,
    issuer: str | None = None,
) -> Enrolment:
    return enrolment.start_enrolment(user, clock=clock, address=address, actor=actor, issuer=issuer)


def confirm_enrolment(
    user: User,
    enrolment_id: Any,
    code: str,
    *,
    clock: Clock,
    address: str | None = None,
    actor: User | None = None,
) -> list[str]:
    codes = enrolment.confirm_enrolment(
        user,
        enrolment_id,
        code,
        clock=clock,
        address=address,
        actor=actor,
        with_device=lambda: emit(user, "mfa.enabled", clock=clock),
    )
    notify_user(user, "mfa_enabled", clock=clock, address=address)
    return codes


def disable(
    user: User,
    *,
    code: str | None = None,
    verified_at: datetime | None = None,
    clock: Clock,
    address: str | None = None,
    actor: User | None = None,
) -> None:
    if not devices.is_enrolled(user):
        raise NotEnrolledError()
    if decide(user, clock=clock).required:
        raise RequiredByPolicyError()
    check_step_up(user, code=code, verified_at=verified_at, clock=clock, address=address)
    with transaction.atomic():
        devices.remove_device(user)
        record(Events.DISABLED, clock=clock, actor=actor or user, subject=user, address=address)
        emit(user, "mfa.disabled", clock=clock)
    notify_user(user, "mfa_disabled", clock=clock, address=address)


def regenerate_recovery_codes(
    user: User,
    *,
    code: str | None = None,
    verified_at: datetime | None = None,
    clock: Clock,
    address: str | None = None,
    actor: User | None = None,
) -> list[str]:
    if not devices.is_enrolled(user):
        raise NotEnrolledError()
    check_step_up(user, code=code, verified_at=verified_at, clock=clock, address=address)
    codes = devices.store_recovery_codes(user, clock())
    record(
        Events.RECOVERY_REGENERATED, clock=clock, actor=actor or user, subject=user, address=address
    )
    notify_user(user, "recovery_regenerated", clock=clock, address=address)
    return codes


def reset(user: User, *, actor: User | None, clock: Clock, address: str | None = None) -> None:
    if actor is not None and actor.pk == user.pk:
        raise ActionRefusedError(
            "You cannot reset your own two-step verification here. Ask another administrator."
        )
    check_may_manage(actor, user, "reset two-step verification of")
    with transaction.atomic():
        had_device = devices.remove_device(user)
        revoke_application_tokens(user)
        throttle.unlock(user, clock=clock)
        restart_enrolment_period(user, clock=clock)
        record(
            Events.RESET,
            clock=clock,
            actor=actor,
            subject=user,
            address=address,
            had_device=had_device,
        )
        emit(user, "mfa.reset", {"had_device": had_device}, clock=clock)
    notify_user(user, "mfa_reset", {"actor": actor}, clock=clock, address=address)


def unlock(user: User, *, actor: User | None, clock: Clock, address: str | None = None) -> bool:
    return devices.unlock(user, actor=actor, clock=clock, address=address)
