"""The sync API's errors (docs/sync.md, "HTTP API"): each has the HTTP status and the stable
``code`` the client reads, a message for a person, and sometimes more fields (``extra``).

:class:`~twostep.server.errors.ThrottledError` is reused for 429 (``retry_after``).
"""

from __future__ import annotations

from typing import Any

from ..errors import ServiceError


class SyncError(ServiceError):
    status = 400

    def __init__(self, message: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.extra = extra


class InvalidFieldError(SyncError):
    code = "invalid"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)


class WrongCodeError(SyncError):
    code = "wrong_code"
    default_message = "That code is not the one in the mail. Check it and try again."


class UnauthorizedError(SyncError):
    status = 401
    code = "unauthorized"
    default_message = (
        "This device is not signed in to sync (its token is missing, unknown or revoked). "
        "Log in again."
    )


class InvalidCredentialsError(SyncError):
    status = 401
    code = "invalid_credentials"
    default_message = "The email address and password (or recovery key) do not match an account."


class SyncDisabledError(SyncError):
    status = 403
    code = "sync_disabled"
    default_message = "This server does not offer sync (its administrator has TWOSTEP_SYNC=off)."


class DomainNotAllowedError(SyncError):
    status = 403
    code = "domain_not_allowed"
    default_message = (
        "This server takes sync registrations only for its organisation's mail domains."
    )


class UnverifiedError(SyncError):
    status = 403
    code = "unverified"
    default_message = (
        "The address of this account is not confirmed yet: open the link in the mail or enter "
        "its code."
    )


class NotFoundError(SyncError):
    status = 404
    code = "not_found"
    default_message = "This account has no such device."


class VersionConflictError(SyncError):
    status = 409
    code = "version_conflict"
    default_message = (
        "Another device uploaded first: download the current vault, merge, and upload again."
    )


class TooManyDevicesError(SyncError):
    status = 409
    code = "too_many_devices"
    default_message = "This account has the most devices allowed (20): revoke one first."


class ExpiredError(SyncError):
    status = 410
    code = "expired"
    default_message = (
        "This link or code does not work any more (it works once, for an hour, and for five "
        "tries). Ask for a new mail."
    )


class TooLargeError(SyncError):
    status = 413
    code = "too_large"


class MailFailedError(SyncError):
    status = 503
    code = "mail_failed"
    default_message = (
        "The server could not send the mail. Try again later (ask for a new mail); if it "
        "keeps failing, tell the server's administrator."
    )
