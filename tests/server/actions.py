"""What the tests do to a user's second factor: the use cases the edges call (with the mail
that goes with each), and the mfa queries, under short names.

``verify_code`` / ``verify_recovery_code`` / ``verify_any`` are the code step as the sign-in
pages and API run it (``usecases.verification.verify`` with ``kind``), so a test of a reuse or
a lockout sees the user's mail too.
"""

from __future__ import annotations

from typing import Any

from twostep.server.mfa.devices import (
    device_for,
    is_enrolled,
    lockout_status,
    recovery_codes_left,
)
from twostep.server.mfa.enrolment import diagnose_setup_code, get_enrolment
from twostep.server.mfa.keys import keyring, rotate_keys
from twostep.server.mfa.recovery import format_recovery_code
from twostep.server.mfa.statements import mark_step_used
from twostep.server.mfa.verification import STEP_UP_WINDOW, Verification
from twostep.server.usecases.enrolment import (
    confirm_enrolment,
    disable,
    regenerate_recovery_codes,
    reset,
    start_enrolment,
)
from twostep.server.usecases.enrolment import unlock as unlock_user
from twostep.server.usecases.verification import check_step_up, verify

__all__ = [
    "STEP_UP_WINDOW",
    "check_step_up",
    "confirm_enrolment",
    "device_for",
    "diagnose_setup_code",
    "disable",
    "format_recovery_code",
    "get_enrolment",
    "is_enrolled",
    "keyring",
    "lockout_status",
    "mark_step_used",
    "recovery_codes_left",
    "regenerate_recovery_codes",
    "reset",
    "rotate_keys",
    "start_enrolment",
    "unlock_user",
    "verify_any",
    "verify_code",
    "verify_recovery_code",
]


def verify_code(user: Any, code: str, **kwargs: Any) -> Verification:
    return verify(user, code, kind="totp", **kwargs)


def verify_recovery_code(user: Any, code: str, **kwargs: Any) -> Verification:
    return verify(user, code, kind="recovery", **kwargs)


def verify_any(user: Any, code: str, **kwargs: Any) -> Verification:
    return verify(user, code, kind="any", **kwargs)
