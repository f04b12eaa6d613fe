"""What the framework helpers (:mod:`twostep.sdk.flask`, :mod:`twostep.sdk.django`) share: the
steps of a second factor in a web app, with no web framework imported.

- :class:`AppUser`: how the app names its signed-in user to twostep (``external_id``, your own
  id as text; ``email`` and ``display_name`` for the authenticator's label and twostep's mails);
- :func:`passed` / :func:`passed_state`: the session's record that this user gave a second
  factor, and whether it is still fresh (``max_age`` seconds);
- :func:`start_setup`, :func:`confirm_setup`, :func:`needs_setup`, :func:`check_code`: the
  calls, with the messages to show; the user is made in twostep at their first setup;
- :func:`local_target`: where to go next, only ever a path on this site (no open redirect);
- :func:`policy_admits`: with the setting ``TWOSTEP_REQUIRE = "policy"``, whether twostep's
  policy lets a user without 2FA in without setting it up (``"always"``, the default: never).

Whatever these do not handle (twostep unreachable, a 5xx, a wrong API key) is a
:class:`~twostep.sdk.TwostepError` that the helpers turn into a "sign-in is unavailable" page
(503): without twostep nobody passes the second step.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from .client import Client
from .errors import (
    AlreadyEnrolledError,
    ConflictError,
    EnrolmentExpiredError,
    InvalidCodeError,
    MalformedCodeError,
    NotEnrolledError,
    ThrottledError,
    UserNotFoundError,
)
from .models import Enrolment, EnrolmentConfirmation

__all__ = [
    "DEFAULT_MAX_AGE",
    "POLICY_RECHECK",
    "REQUIRE_MODES",
    "AppUser",
    "CodeOutcome",
    "SetupOutcome",
    "check_code",
    "confirm_setup",
    "key_groups",
    "local_target",
    "needs_setup",
    "passed",
    "passed_state",
    "policy_admits",
    "require_mode",
    "start_setup",
]

log = logging.getLogger("twostep.sdk")

DEFAULT_MAX_AGE = 12 * 3600  # a second factor stays fresh for 12 hours of a session
# TWOSTEP_REQUIRE: "always" (every signed-in user gives a code, or sets 2FA up first) or
# "policy" (a user twostep does not require 2FA of, and who has none, passes without it).
REQUIRE_MODES = ("always", "policy")
# With "policy", how long a session keeps twostep's "not required" before asking again.
POLICY_RECHECK = 300
MALFORMED = "Enter the 6-digit code from your authenticator app, or a recovery code."
REJECTED = "That code was not accepted. Enter the code your app shows now (each code works once)."
LOCKED = "Too many wrong codes: your account is locked. Contact support."
SETUP_MISMATCH = "That code did not match. Enter the code your app shows now."
SETUP_EXPIRED = "The setup expired; scan the new QR code."


@dataclass(frozen=True)
class AppUser:
    """The app's signed-in user as twostep knows them (``external_id``: your id, as text)."""

    external_id: str
    email: str | None = None
    display_name: str = ""


def passed(state: object, user: AppUser, *, now: float, max_age: float | None) -> bool:
    """Whether ``state`` (what :func:`passed_state` stored in the session) says that ``user``
    gave a second factor, less than ``max_age`` seconds ago (None: any time in this session)."""
    if not isinstance(state, Mapping) or state.get("user") != user.external_id:
        return False
    at = state.get("at")
    if not isinstance(at, int | float) or at > now:
        return False
    return max_age is None or now - at <= max_age


def passed_state(user: AppUser, now: float) -> dict[str, str | int]:
    """What to keep in the session once ``user`` gave a second factor."""
    return {"user": user.external_id, "at": int(now)}


def local_target(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default``."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in target)
    ):
        return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target


def key_groups(secret: str) -> str:
    """The base32 key in groups of four, for typing it."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _make_user(client: Client, user: AppUser) -> None:
    try:
        client.create_app_user(user.external_id, email=user.email, display_name=user.display_name)
    except ConflictError as exc:  # 409 conflict, field "email"
        if exc.field != "email" or user.email is None:
            raise
        # twostep has a user with this email already (another application's): make this one
        # without it; the authenticator then shows the external id.
        client.create_app_user(user.external_id, display_name=user.display_name)


def require_mode(value: object) -> str:
    """The ``TWOSTEP_REQUIRE`` setting, checked (None: the default, ``"always"``)."""
    if value is None:
        return "always"
    if value not in REQUIRE_MODES:
        raise ValueError(f"TWOSTEP_REQUIRE must be one of {', '.join(REQUIRE_MODES)}: {value!r}")
    return str(value)


def policy_admits(
    client: Client, user: AppUser, record: object, *, now: float
) -> dict[str, str | int] | None:
    """For ``TWOSTEP_REQUIRE = "policy"``: the record to keep in the session when ``user`` may
    go on without a second factor (twostep requires none of them and they have none set up),
    else None (they give their code, or set 2FA up). ``record`` is what a previous call
    returned: twostep is asked again once it is ``POLICY_RECHECK`` seconds old. A user not in
    twostep yet is made first, so that the organisation's policy applies to them too."""
    if isinstance(record, dict) and passed(record, user, now=now, max_age=POLICY_RECHECK):
        return record
    try:
        status = client.status(external_id=user.external_id)
    except UserNotFoundError:
        _make_user(client, user)
        status = client.status(external_id=user.external_id)
    if status.enrolled or status.required:
        return None
    return passed_state(user, now)


def start_setup(client: Client, user: AppUser, enrolment_id: str | None) -> Enrolment | None:
    """The pending setup ``enrolment_id`` (if still there) or a new one; the user is made in
    twostep first if needed. None when the user has set up 2FA already."""
    if enrolment_id:
        try:
            return client.get_enrolment(enrolment_id)
        except (EnrolmentExpiredError, ValueError):
            pass
    try:
        try:
            return client.start_enrolment(external_id=user.external_id)
        except UserNotFoundError:
            _make_user(client, user)
            return client.start_enrolment(external_id=user.external_id)
    except AlreadyEnrolledError:
        return None


@dataclass(frozen=True)
class SetupOutcome:
    """``confirmation`` when the code matched (its recovery codes, to show once), else the
    ``message`` to show; ``expired``: the enrolment is gone, forget its id."""

    confirmation: EnrolmentConfirmation | None
    message: str = ""
    expired: bool = False


def confirm_setup(
    client: Client, enrolment_id: str, code: str, client_address: str | None
) -> SetupOutcome:
    try:
        done = client.confirm_enrolment(enrolment_id, code, client_address=client_address)
    except (InvalidCodeError, MalformedCodeError):
        return SetupOutcome(None, SETUP_MISMATCH)
    except (EnrolmentExpiredError, ValueError):
        return SetupOutcome(None, SETUP_EXPIRED, expired=True)
    return SetupOutcome(done)


def needs_setup(client: Client, user: AppUser) -> bool:
    """True when the user has no second factor in twostep yet (or is not in twostep)."""
    try:
        return not client.status(external_id=user.external_id).enrolled
    except UserNotFoundError:
        return True


@dataclass(frozen=True)
class CodeOutcome:
    """``valid``, else ``message`` to show (``setup``: the user has no 2FA now, send them to
    setup). ``method`` is ``totp`` or ``recovery``."""

    valid: bool
    message: str = ""
    setup: bool = False
    method: str | None = None
    recovery_codes_left: int | None = None


def check_code(client: Client, user: AppUser, code: str, client_address: str | None) -> CodeOutcome:
    try:
        result = client.verify(code, external_id=user.external_id, client_address=client_address)
    except MalformedCodeError:
        return CodeOutcome(False, MALFORMED)
    except ThrottledError as exc:
        wait = f"{exc.retry_after} seconds" if exc.retry_after else "a moment"
        return CodeOutcome(False, f"Too many attempts. Wait {wait}, then try again.")
    except (NotEnrolledError, UserNotFoundError):
        return CodeOutcome(False, setup=True)
    if result.valid:
        return CodeOutcome(
            True, method=result.method, recovery_codes_left=result.recovery_codes_left
        )
    # Wrong, reused or locked: twostep answers the same on purpose; status() tells locked.
    if client.status(external_id=user.external_id).locked_out:
        return CodeOutcome(False, LOCKED)
    return CodeOutcome(False, result.message or REJECTED)
