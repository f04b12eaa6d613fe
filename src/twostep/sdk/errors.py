"""The SDK's exceptions: one family that mirrors the API's error codes (docs/api.md).

::

    TwostepError                     anything this SDK raises
    ├── RequestError                 not sent: an argument HTTP cannot carry (also a ValueError)
    ├── WebhookVerificationError     a webhook delivery's signature is missing, wrong or too
    │                                old (twostep.sdk.webhooks.verify; also a ValueError)
    ├── TransportError               no usable answer: connection refused, timeout, deadline
    │                                passed, bad JSON
    └── ApiError                     the server answered with an error: .status .code .message
        ├── BadRequestError          400 bad_request
        │   └── InvalidCodeError     400 invalid_code: the code was not accepted
        ├── AuthenticationError      401 not_authenticated, invalid_token
        │   ├── InvalidCredentialsError  401 invalid_credentials (sign-in password)
        │   └── SignInExpiredError   401 signin_expired
        ├── PermissionDeniedError    403 insufficient_scope, create_users_not_allowed, not_allowed,
        │   │                            protected, step_up_required
        │   ├── UserInactiveError    403 user_inactive
        │   ├── LockedOutError       403 locked_out (sign-in; verify answers valid=False instead)
        │   └── SetupDeadlinePassedError 403 setup_deadline_passed
        ├── NotFoundError            404 not_found
        │   ├── UserNotFoundError    404 user_not_found
        │   └── EnrolmentExpiredError 404 enrolment_expired
        ├── MethodNotAllowedError    405 method_not_allowed
        ├── ConflictError            409 conflict, owner_exists, postpone_not_allowed,
        │   │                            required_by_policy
        │   ├── AlreadyEnrolledError 409 already_enrolled
        │   └── NotEnrolledError     409 not_enrolled
        ├── PayloadTooLargeError     413 too_large
        ├── ValidationError          422 validation_error, invalid (.field, .errors)
        │   └── MalformedCodeError   422 malformed_code
        ├── ThrottledError           429 throttled (.retry_after seconds)
        └── ServerError              5xx internal_error (and any 5xx without our JSON)

Arguments are checked before anything is sent: a missing or doubled user reference, a malformed
id, a key or token that cannot be sent in a header raise :class:`ValueError` (:class:`RequestError`
once a call has started), and no message, log line or ``repr`` contains the API key or a token.

A wrong or reused code given to :meth:`Client.verify` is not an exception: it is
``VerifyResult(valid=False)``. Exceptions are for what the caller must handle differently.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AlreadyEnrolledError",
    "ApiError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "EnrolmentExpiredError",
    "InvalidCodeError",
    "InvalidCredentialsError",
    "LockedOutError",
    "MalformedCodeError",
    "MethodNotAllowedError",
    "NotEnrolledError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RequestError",
    "ServerError",
    "SetupDeadlinePassedError",
    "SignInExpiredError",
    "ThrottledError",
    "TransportError",
    "TwostepError",
    "UserInactiveError",
    "UserNotFoundError",
    "ValidationError",
    "WebhookVerificationError",
    "error_for",
]


class TwostepError(Exception):
    """Base of everything the SDK raises."""


class RequestError(TwostepError, ValueError):
    """The request was not sent: an argument cannot be carried by HTTP (a URL longer than
    64 KiB, a control or non-ASCII character in a token). A ``ValueError`` too."""


class WebhookVerificationError(TwostepError, ValueError):
    """A webhook delivery did not verify: answer 400 and drop it. The message says which
    check failed (header, timestamp, signature), never the secret or the expected signature."""


class TransportError(TwostepError):
    """No usable answer from the server (network, timeout, the call's deadline passed, or not
    our JSON)."""


class ApiError(TwostepError):
    """The server answered with an error (``status``, stable ``code``, ``message``)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        retry_after: int | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.retry_after = retry_after
        self.errors = errors or []
        super().__init__(f"{status} {code}: {message}")


class BadRequestError(ApiError):
    pass


class InvalidCodeError(BadRequestError):
    pass


class AuthenticationError(ApiError):
    pass


class InvalidCredentialsError(AuthenticationError):
    pass


class SignInExpiredError(AuthenticationError):
    pass


class PermissionDeniedError(ApiError):
    pass


class UserInactiveError(PermissionDeniedError):
    pass


class LockedOutError(PermissionDeniedError):
    pass


class SetupDeadlinePassedError(PermissionDeniedError):
    pass


class NotFoundError(ApiError):
    pass


class UserNotFoundError(NotFoundError):
    pass


class EnrolmentExpiredError(NotFoundError):
    pass


class MethodNotAllowedError(ApiError):
    pass


class ConflictError(ApiError):
    pass


class AlreadyEnrolledError(ConflictError):
    pass


class NotEnrolledError(ConflictError):
    pass


class PayloadTooLargeError(ApiError):
    pass


class ValidationError(ApiError):
    pass


class MalformedCodeError(ValidationError):
    pass


class ThrottledError(ApiError):
    pass


class ServerError(ApiError):
    pass


_BY_CODE: dict[str, type[ApiError]] = {
    "invalid_code": InvalidCodeError,
    "invalid_credentials": InvalidCredentialsError,
    "signin_expired": SignInExpiredError,
    "user_inactive": UserInactiveError,
    "locked_out": LockedOutError,
    "setup_deadline_passed": SetupDeadlinePassedError,
    "user_not_found": UserNotFoundError,
    "enrolment_expired": EnrolmentExpiredError,
    "already_enrolled": AlreadyEnrolledError,
    "not_enrolled": NotEnrolledError,
    "malformed_code": MalformedCodeError,
    "throttled": ThrottledError,
}

_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: ValidationError,
    429: ThrottledError,
}


def error_for(
    status: int,
    code: str,
    message: str,
    *,
    field: str | None = None,
    retry_after: int | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> ApiError:
    """The exception for an error answer: by its ``code``, else by its status."""
    cls = _BY_CODE.get(code) or _BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else ApiError
    return cls(status, code, message, field=field, retry_after=retry_after, errors=errors)
