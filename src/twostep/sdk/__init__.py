"""Python client for the twostep REST API (``/api/v1``): :class:`Client` (sync) and
:class:`AsyncClient` (asyncio), both on httpx.

- every endpoint is a method returning a typed, frozen dataclass (:mod:`.models`);
- 429 and 503 answers are retried, honouring ``Retry-After``, at most ``max_retries`` times,
  never waiting longer than ``max_retry_wait`` seconds at once nor past the call's deadline;
- a request that met a reset or closed connection before any answer is sent once more, on a
  fresh connection;
- each call has a deadline for everything it does (default 10 s; 5 s for ``verify``), besides
  the timeouts of each step (5 s to connect, 10 s for each read or write);
- the API key is checked when the client is made (surrounding whitespace, such as the newline
  of a key read from a file, is removed; any other character HTTP cannot carry is a
  ``ValueError``) and never appears in an exception, a log line or a ``repr``;
- errors raise the :class:`TwostepError` family of :mod:`.errors`, one class per API error code
  (the tree is documented there and in docs/api.md);
- :func:`twostep.sdk.webhooks.verify` checks a webhook delivery's signature (standard library
  only); the clients' ``*_webhook*`` methods manage subscriptions (admin keys).

Example (docs/sdk-example.md adds 2FA to a Flask app with it)::

    from twostep.sdk import Client

    with Client("https://2fa.example.com", api_key=KEY) as twostep:
        result = twostep.verify(request.form["code"], username=user.name,
                                client_address=request.remote_addr)
        if result.valid:
            ...
"""

from __future__ import annotations

from ._core import RetryPolicy
from ._ops import UNSET
from .aio import AsyncClient
from .applications import Application, ApplicationGrant, ClientSecret, CreatedApplication
from .client import Client
from .errors import (
    AlreadyEnrolledError,
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    EnrolmentExpiredError,
    InvalidCodeError,
    InvalidCredentialsError,
    LockedOutError,
    MalformedCodeError,
    MethodNotAllowedError,
    NotEnrolledError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RequestError,
    ServerError,
    SetupDeadlinePassedError,
    SignInExpiredError,
    ThrottledError,
    TransportError,
    TwostepError,
    UserInactiveError,
    UserNotFoundError,
    ValidationError,
    WebhookVerificationError,
)
from .models import (
    ApiKey,
    AuditEvent,
    AuditPage,
    CreatedApiKey,
    Enrolment,
    EnrolmentConfirmation,
    Group,
    Me,
    MfaDetail,
    MfaStatus,
    MfaSummary,
    Ping,
    Policy,
    Requirement,
    Role,
    Session,
    SignInStep,
    User,
    UserDetail,
    UserPage,
    VerifyResult,
)
from .webhook_models import CreatedWebhookSubscription, WebhookDelivery, WebhookSubscription

__all__ = [
    "UNSET",
    "AlreadyEnrolledError",
    "ApiError",
    "ApiKey",
    "Application",
    "ApplicationGrant",
    "AsyncClient",
    "AuditEvent",
    "AuditPage",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ClientSecret",
    "ConflictError",
    "CreatedApiKey",
    "CreatedApplication",
    "CreatedWebhookSubscription",
    "Enrolment",
    "EnrolmentConfirmation",
    "EnrolmentExpiredError",
    "Group",
    "InvalidCodeError",
    "InvalidCredentialsError",
    "LockedOutError",
    "MalformedCodeError",
    "Me",
    "MethodNotAllowedError",
    "MfaDetail",
    "MfaStatus",
    "MfaSummary",
    "NotEnrolledError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "Ping",
    "Policy",
    "RequestError",
    "Requirement",
    "RetryPolicy",
    "Role",
    "ServerError",
    "Session",
    "SetupDeadlinePassedError",
    "SignInExpiredError",
    "SignInStep",
    "ThrottledError",
    "TransportError",
    "TwostepError",
    "User",
    "UserDetail",
    "UserInactiveError",
    "UserNotFoundError",
    "UserPage",
    "ValidationError",
    "VerifyResult",
    "WebhookDelivery",
    "WebhookSubscription",
    "WebhookVerificationError",
]
