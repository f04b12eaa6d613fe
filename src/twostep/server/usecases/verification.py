"""Verifying a code, and the notices that go with it: a reused code, a lockout and a used
recovery code are mailed to the user (in the background, after commit: a slow mail server never
holds up a verification, and a wrong code does not answer faster than a reused one). A
lockout and a used recovery code are also told to the user's application (webhooks
``user.locked``, ``mfa.recovery_code_used``; the outbox row is written right after the
verification's statement). A lockout also revokes the tokens the user's applications hold
(OpenID Connect): whoever was guessing codes may hold the password, and a lockout must not leave
an application signed in.

- ``verify(user, code, *, kind="any"|"totp"|"recovery", clock, address=None,
  purpose="sign-in") -> Verification``;
- ``verify_by(lookup, code, *, clock, address=None, purpose="api") -> Verification`` for a user
  not read yet (the API's verify);
- ``check_step_up(user, *, code, verified_at, clock, address=None) -> datetime``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from .. import metrics
from ..accounts.models import User
from ..clock import Clock
from ..errors import CodeRejectedError, ServiceError
from ..mail import notify_user
from ..mfa import verification
from ..mfa.verification import Verification
from ..webhooks.events import emit
from .sessions import revoke_application_tokens

__all__ = ["Verification", "check_step_up", "verify", "verify_by"]

Kind = Literal["any", "totp", "recovery"]
_BY_KIND: dict[str, Callable[..., Verification]] = {
    "any": verification.verify_any,
    "totp": verification.verify_code,
    "recovery": verification.verify_recovery_code,
}


def _notified(
    run: Callable[[], Any], *, clock: Clock, address: str | None, purpose: str, user: Any = None
) -> Any:
    """``run()``, counted (``metrics.verification``), with the mail its outcome calls for."""
    try:
        result = run()
    except ServiceError as exc:
        outcome = "reused" if isinstance(exc, CodeRejectedError) and exc.reused else exc.code
        who = getattr(exc, "user", None) or user
        metrics.verification(outcome, purpose=purpose, user=who, address=address)
        if isinstance(exc, CodeRejectedError):
            _notify_rejected(exc, clock=clock, address=address)
        raise
    who = getattr(result, "user", None) or user
    metrics.verification("ok", purpose=purpose, user=who, address=address)
    if isinstance(result, Verification) and result.method == "recovery" and result.user:
        notify_user(
            result.user,
            "recovery_used",
            {"left": result.recovery_codes_left, "unlocked": result.unlocked},
            clock=clock,
            address=address,
        )
        emit(
            result.user,
            "mfa.recovery_code_used",
            {"recovery_codes_left": result.recovery_codes_left, "unlocked": result.unlocked},
            clock=clock,
        )
    return result


def _notify_rejected(exc: CodeRejectedError, *, clock: Clock, address: str | None) -> None:
    if exc.user is not None and exc.locked_after is not None:
        revoke_application_tokens(exc.user)
        notify_user(
            exc.user,
            "locked_out",
            {"failures": exc.locked_after},
            clock=clock,
            address=address,
        )
        emit(
            exc.user,
            "user.locked",
            {"reason": "too_many_codes", "failures": exc.locked_after},
            clock=clock,
        )
    if exc.user is not None and exc.reused:
        notify_user(exc.user, "code_reused", clock=clock, address=address)


def verify(
    user: User,
    code: str,
    *,
    kind: Kind = "any",
    clock: Clock,
    address: str | None = None,
    purpose: str = "sign-in",
) -> Verification:
    check = _BY_KIND[kind]
    result: Verification = _notified(
        lambda: check(user, code, clock=clock, address=address, purpose=purpose),
        clock=clock,
        address=address,
        purpose=purpose,
        user=user,
    )
    return result


def verify_by(
    lookup: tuple[str, list[Any]],
    code: str,
    *,
    clock: Clock,
    address: str | None = None,
    purpose: str = "api",
) -> Verification:
    result: Verification = _notified(
        lambda: verification.verify_by(lookup, code, clock=clock, address=address, purpose=purpose),
        clock=clock,
        address=address,
        purpose=purpose,
    )
    return result


def check_step_up(
    user: User,
    *,
    code: str | None,
    verified_at: datetime | None,
    clock: Clock,
    address: str | None = None,
) -> datetime:
    at: datetime = _notified(
        lambda: verification.check_step_up(
            user, code=code, verified_at=verified_at, clock=clock, address=address
        ),
        clock=clock,
        address=address,
        purpose="step-up",
        user=user,
    )
    return at
