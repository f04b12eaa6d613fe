"""The exceptions of the server's services, one family shared by the pages, the API and the CLI.

Each has a stable ``code`` (the API's error code) and a ``message`` safe to show to the person
who made the request: it never holds a secret, a code, or a hint that a code was right::

    ServiceError
    ├── SignInFailedError          username/email or password not right (the same for both)
    ├── CodeRejectedError          the one-time or recovery code was not accepted: wrong, reused
    │                              or beaten by a concurrent request (deliberately one error)
    ├── MalformedCodeInputError    not shaped like a code at all (letters, wrong length)
    ├── ThrottledError             too many attempts; ``retry_after`` seconds to wait
    ├── LockedOutError             too many wrong codes in a row; an administrator must unlock
    ├── SetupDeadlinePassedError   2FA was required by a deadline that passed without setup
    ├── NotEnrolledError           the user has no two-step verification set up
    ├── AlreadyEnrolledError       the user already has it set up
    ├── EnrolmentExpiredError      the pending setup expired, was replaced, or does not exist
    ├── StepUpRequiredError        this action needs a code entered in the last 10 minutes
    ├── PostponeNotAllowedError    "remind me later" is not possible (no days left)
    ├── RequiredByPolicyError      2FA cannot be turned off: the organisation requires it
    ├── OwnerExistsError           the owner account was already created
    ├── SetupLinkError             the first start's setup link is missing, wrong or replaced
    ├── ActionRefusedError         an admin action would break a rule protecting the organisation
    ├── ConflictError              a concurrent change got there first (the group was deleted...)
    ├── SignInExpiredError         a sign-in token of the sign-in API is unknown, used or expired
    ├── UnknownUserError           no user has that username, email or external id
    ├── InactiveUserError          the user is deactivated
    └── InvalidUserDataError       a user field is not acceptable (``field`` names it)
        ├── NameTakenError         the name is another group's or role's (a conflict: 409)
        └── NoSuchReferenceError   a field names a group that does not exist (404)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "ActionRefusedError",
    "AlreadyEnrolledError",
    "CodeRejectedError",
    "ConflictError",
    "EnrolmentExpiredError",
    "InactiveUserError",
    "InvalidUserDataError",
    "LockedOutError",
    "MalformedCodeInputError",
    "NameTakenError",
    "NoSuchReferenceError",
    "NotEnrolledError",
    "OwnerExistsError",
    "PostponeNotAllowedError",
    "RequiredByPolicyError",
    "ServiceError",
    "SetupDeadlinePassedError",
    "SetupLinkError",
    "SignInExpiredError",
    "SignInFailedError",
    "StepUpRequiredError",
    "ThrottledError",
    "UnknownUserError",
]


class ServiceError(Exception):
    code = "error"
    default_message = "The request could not be completed."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class SignInFailedError(ServiceError):
    code = "invalid_credentials"
    default_message = "The username or email and password do not match an account."


class CodeRejectedError(ServiceError):
    """A code was not accepted. The message is the same whatever the cause; ``reused`` (a right
    code used before, or beaten by a concurrent request) and ``locked_after`` (this failure
    locked the account) are for the use cases, which mail the user about them, never for the
    person typing."""

    code = "invalid_code"
    default_message = (
        "That code was not accepted. Enter the code your authenticator app shows now "
        "(each code works once)."
    )

    def __init__(
        self,
        message: str | None = None,
        *,
        user: Any = None,
        reused: bool = False,
        locked_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.user = user  # whose code it was (for the notice), None for a setup code
        self.reused = reused
        self.locked_after = locked_after  # the failures that locked the account, if this did


class MalformedCodeInputError(ServiceError):
    code = "malformed_code"
    default_message = "Enter the 6-digit code from your authenticator app."


class ThrottledError(ServiceError):
    code = "throttled"

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        self.retry_after = max(1, int(retry_after))
        unit = "second" if self.retry_after == 1 else "seconds"
        super().__init__(
            message or f"Too many attempts. Wait {self.retry_after} {unit}, then try again."
        )

    @classmethod
    def after_wrong_codes(cls, retry_after: int, failures: int) -> ThrottledError:
        """A code came before the wait that follows ``failures`` wrong ones in a row: say so,
        and when to try again (the code itself was not checked)."""
        wait = max(1, int(retry_after))
        unit = "second" if wait == 1 else "seconds"
        wrong = "The last code was" if failures <= 1 else f"The last {failures} codes were"
        return cls(
            wait,
            f"{wrong} wrong, so the next one can be tried in {wait} {unit}: try again then "
            "(the code just entered was not checked).",
        )


class LockedOutError(ServiceError):
    code = "locked_out"
    default_message = (
        "This account is locked after too many wrong codes. Sign in with one of your recovery "
        "codes (that lifts the lock), or ask an administrator to unlock it."
    )


class SetupDeadlinePassedError(ServiceError):
    code = "setup_deadline_passed"
    default_message = (
        "Two-step verification had to be set up for this account by a deadline that has "
        "passed, so you cannot sign in. Ask an administrator to extend the period or reset "
        "two-step verification for you."
    )


class NotEnrolledError(ServiceError):
    code = "not_enrolled"
    default_message = "Two-step verification is not set up for this account."


class AlreadyEnrolledError(ServiceError):
    code = "already_enrolled"
    default_message = "Two-step verification is already set up for this account."


class EnrolmentExpiredError(ServiceError):
    code = "enrolment_expired"
    default_message = (
        "This setup has expired or was restarted elsewhere. Start again to get a new QR code."
    )


class StepUpRequiredError(ServiceError):
    code = "step_up_required"
    default_message = "Enter a code from your authenticator app to confirm it is you."


class PostponeNotAllowedError(ServiceError):
    code = "postpone_not_allowed"
    default_message = "Two-step verification must be set up now."


class RequiredByPolicyError(ServiceError):
    code = "required_by_policy"
    default_message = (
        "Two-step verification is required for your account, so it cannot be turned off. "
        "If you lost your phone, sign in with a recovery code, or ask an administrator to "
        "reset it."
    )


class OwnerExistsError(ServiceError):
    code = "owner_exists"
    default_message = "The owner account already exists. Sign in instead."


class SetupLinkError(ServiceError):
    code = "setup_link_invalid"
    default_message = (
        "Creating the owner account needs a setup link that twostep serve printed when it "
        "started (a link from twostep setup-link replaces older ones). On the server, twostep "
        "setup-link prints a new one."
    )


class InvalidUserDataError(ServiceError):
    """Input that cannot be used: ``field`` and the message say where and why; ``errors``
    holds every field's problem found at once (the first one is ``field``'s), so that a form
    shows them all together."""

    code = "invalid"

    def __init__(self, field: str, message: str, *, more: Mapping[str, str] | None = None) -> None:
        self.field = field
        self.errors: dict[str, str] = {field: message, **(more or {})}
        super().__init__(message)

    @classmethod
    def of(cls, errors: Mapping[str, str]) -> InvalidUserDataError:
        """One error for several fields' problems (``errors`` not empty)."""
        (field, message), *rest = errors.items()
        return cls(field, message, more=dict(rest))


class ActionRefusedError(ServiceError):
    """The action would break a rule that protects the organisation (the message says which)."""

    code = "not_allowed"


class ConflictError(ServiceError):
    """Another request changed or deleted what this one changes, first (the message says what):
    reload and try again."""

    code = "conflict"
    default_message = "The change clashes with the current state; reload and try again."


class SignInExpiredError(ServiceError):
    """A sign-in token of the sign-in API is unknown, used, expired or no longer valid."""

    code = "signin_expired"
    default_message = (
        "This sign-in has expired (the code must follow the password within 5 minutes) or "
        "was already used. Sign in again with the password."
    )


class UnknownUserError(ServiceError):
    code = "user_not_found"
    default_message = "There is no user with that username, email or id."


class InactiveUserError(ServiceError):
    code = "user_inactive"
    default_message = "This user is deactivated."


class NameTakenError(InvalidUserDataError):
    """Another group or role has the name (perhaps since a moment): a form error on the pages,
    the API's 409 ``conflict`` (with ``field``), as the request itself was valid."""

    code = "conflict"


class NoSuchReferenceError(InvalidUserDataError):
    """A field refers to something that does not exist (a group id): a form error on the
    pages, the API's 404 ``not_found`` (with ``field``), as the request itself was valid."""

    code = "not_found"
