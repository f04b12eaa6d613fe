"""Every error of the API, in one place: the JSON shape, the stable codes and their statuses.

Every error response is ``{"code": "...", "message": "..."}`` (plus ``field`` for a field that
is not acceptable, ``retry_after`` for 429, ``errors`` for schema validation) with the status
below; 429 also carries a ``Retry-After`` header (seconds). Messages are safe to show to a
person and never hold a secret, a code or a hint that a code was right.

====================== ====== ======================================================
code                   status meaning
====================== ====== ======================================================
bad_request            400    the body is not JSON, or not the JSON we accept
invalid_code           400    a code was not accepted (sign-in, setup confirmation)
not_authenticated      401    no ``Authorization: Bearer`` header
invalid_token          401    unknown, revoked or expired API key or access token
invalid_credentials    401    sign-in: username/email or password not right
signin_expired         401    sign-in token unknown, used or older than 5 (10) minutes
insufficient_scope     403    the key's scope does not allow this endpoint
create_users_not_allowed 403  this verify key may not create users
user_inactive          403    the user is deactivated
locked_out             403    too many wrong codes: a recovery code or an administrator unlocks
setup_deadline_passed  403    2FA was required by a deadline that passed
step_up_required       403    the action needs a recent code (no v1 endpoint yet)
not_allowed            403    the change would break a rule that protects the organisation
                              (owners, the last owner, one's own account, ...)
protected              403    administrators set up 2FA themselves (not through a verify key)
not_found              404    no such object (or no such endpoint; ``field`` when the body
                              names one, such as a group id)
user_not_found         404    no user with that username, email, external id or id
enrolment_expired      404    the pending setup expired, was replaced or does not exist
method_not_allowed     405    the endpoint exists, the HTTP method does not
already_enrolled       409    2FA is already set up for the user
not_enrolled           409    2FA is not set up for the user
postpone_not_allowed   409    sign-in setup cannot be postponed
required_by_policy     409    2FA is required for the user (cannot be turned off)
conflict               409    the change clashes with the current state (name taken:
                              with ``field``; deleted meanwhile, a concurrent change won)
owner_exists           409    the owner account already exists
too_large              413    the request body is too large
invalid                422    a field is not acceptable (``field`` names it)
malformed_code         422    the code is not shaped like a code at all
validation_error       422    the request does not match the schema (``errors`` lists why)
throttled              429    too many attempts: wait ``retry_after`` seconds
internal_error         500    a bug: the server logged it (never for any input, by test)
unavailable            503    the database cannot be reached now: retry after
                              ``Retry-After`` seconds
====================== ====== ======================================================

:func:`install` adds the handlers to the NinjaAPI; nothing else in the API turns exceptions
into responses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Final

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import DatabaseError, IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from ..errors import (
    AlreadyEnrolledError,
    CodeRejectedError,
    EnrolmentExpiredError,
    InvalidUserDataError,
    LockedOutError,
    MalformedCodeInputError,
    NameTakenError,
    NoSuchReferenceError,
    NotEnrolledError,
    OwnerExistsError,
    PostponeNotAllowedError,
    RequiredByPolicyError,
    ServiceError,
    SetupDeadlinePassedError,
    SignInFailedError,
    StepUpRequiredError,
    ThrottledError,
)
from ..web.health import RETRY_AFTER, database_trouble

__all__ = ["CODES", "ApiError", "error_response", "install"]

log = logging.getLogger("twostep.api")

#: every code the API answers with, and its status (the table above)
CODES: Final[dict[str, int]] = {
    "bad_request": 400,
    "invalid_code": 400,
    "not_authenticated": 401,
    "invalid_token": 401,
    "invalid_credentials": 401,
    "signin_expired": 401,
    "insufficient_scope": 403,
    "create_users_not_allowed": 403,
    "user_inactive": 403,
    "locked_out": 403,
    "setup_deadline_passed": 403,
    "step_up_required": 403,
    "not_allowed": 403,
    "protected": 403,
    "not_found": 404,
    "user_not_found": 404,
    "enrolment_expired": 404,
    "method_not_allowed": 405,
    "already_enrolled": 409,
    "not_enrolled": 409,
    "postpone_not_allowed": 409,
    "required_by_policy": 409,
    "conflict": 409,
    "owner_exists": 409,
    "too_large": 413,
    "invalid": 422,
    "malformed_code": 422,
    "validation_error": 422,
    "throttled": 429,
    "internal_error": 500,
    "unavailable": 503,
}

_SERVICE_STATUS: Final[dict[type[ServiceError], int]] = {
    SignInFailedError: 401,
    CodeRejectedError: 400,
    MalformedCodeInputError: 422,
    ThrottledError: 429,
    LockedOutError: 403,
    SetupDeadlinePassedError: 403,
    NotEnrolledError: 409,
    AlreadyEnrolledError: 409,
    EnrolmentExpiredError: 404,
    StepUpRequiredError: 403,
    PostponeNotAllowedError: 409,
    RequiredByPolicyError: 409,
    OwnerExistsError: 409,
    NameTakenError: 409,  # before their base class: the first match wins
    NoSuchReferenceError: 404,
    InvalidUserDataError: 422,
}

_MESSAGES: Final = {
    "not_authenticated": "Send an API key (or access token) as 'Authorization: Bearer <token>'.",
    "invalid_token": "The API key or access token is not valid (unknown, revoked or expired).",
    "insufficient_scope": "This API key's scope does not allow this request.",
    "not_found": "There is no such resource.",
    "method_not_allowed": "This endpoint does not accept that HTTP method.",
    "bad_request": "The request body must be a JSON object.",
    "too_large": "The request is too large.",
    "conflict": "The change clashes with the current state; reload and try again.",
    "internal_error": "Something went wrong on the server. It has been logged.",
    "unavailable": "The service is unavailable for a moment. Try again in a minute.",
}


class ApiError(ServiceError):
    """An answer other than success: ``ApiError("user_not_found", "No user ...")``.

    A :class:`ServiceError`, so the CLI and the console can catch it like the others.
    """

    def __init__(self, code: str, message: str | None = None, **extra: Any) -> None:
        if code not in CODES:
            raise ValueError(f"unknown API error code {code!r}")
        self.code = code
        self.status = CODES[code]
        self.extra = extra
        super().__init__(message or _MESSAGES.get(code, "The request could not be completed."))


def error_response(
    code: str, message: str | None = None, *, status: int | None = None, **extra: Any
) -> HttpResponse:
    """The one JSON shape of every error."""
    body: dict[str, Any] = {
        "code": code,
        "message": message or _MESSAGES.get(code, "The request could not be completed."),
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    response = JsonResponse(body, status=status or CODES.get(code, 400))
    if code == "throttled" and "retry_after" in body:
        response["Retry-After"] = str(body["retry_after"])
    if code == "unavailable":
        response["Retry-After"] = str(RETRY_AFTER)
    if response.status_code == 401:
        response["WWW-Authenticate"] = 'Bearer realm="twostep"'
    return response


def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(exc.code, exc.message, status=exc.status, **exc.extra)


def _service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    status = next(
        (s for cls, s in _SERVICE_STATUS.items() if isinstance(exc, cls)),
        CODES.get(exc.code, 400),
    )
    extra: dict[str, Any] = {}
    if isinstance(exc, InvalidUserDataError):
        extra["field"] = exc.field
    if isinstance(exc, ThrottledError):
        extra["retry_after"] = exc.retry_after
    code = exc.code if exc.code in CODES else "bad_request"
    return error_response(code, exc.message, status=status, **extra)


def _location(loc: Any) -> list[str | int]:
    return [p if isinstance(p, int) else str(p) for p in (loc or ())]


def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = []
    for item in exc.errors[:20]:
        errors.append(
            {
                "loc": _location(item.get("loc")),
                "msg": str(item.get("msg", "")).removeprefix("Value error, ")[:300],
                "type": str(item.get("type", ""))[:100],
            }
        )
    first = errors[0] if errors else None
    where = ".".join(str(p) for p in first["loc"][1:]) if first else ""
    message = "The request does not match the API's schema"
    if first:
        message += f": {where or 'body'}: {first['msg']}"
    return error_response("validation_error", message[:500], errors=errors)


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        return error_response("not_authenticated")
    if exc.status_code == 400:
        return error_response("bad_request")
    if exc.status_code == 404:
        return error_response("not_found")
    if exc.status_code == 405:
        return error_response("method_not_allowed")
    if exc.status_code == 413:
        return error_response("too_large")
    return error_response("bad_request", status=400)


def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response("not_found")


def _too_large(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response("too_large")


def _suspicious(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response("bad_request", "The request was refused.")


def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response("insufficient_scope")


def _integrity(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response("conflict")


def _database(request: HttpRequest, exc: Exception) -> HttpResponse:
    trouble = database_trouble(exc)
    log.error("database error in %s %s: %s", request.method, request.path, type(exc).__name__)
    if trouble == "unavailable":
        return error_response("unavailable")
    if trouble == "conflict":  # a concurrent transaction won (deadlock, serialisation)
        return error_response("conflict")
    return error_response("internal_error")


def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("unexpected error in %s %s", request.method, request.path)
    return error_response("internal_error")


def install(api: NinjaAPI) -> None:
    """Make ``api`` answer every exception with the JSON error shape."""
    handlers: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
        (ApiError, _api_error),
        (ServiceError, _service_error),
        (NinjaValidationError, _validation_error),
        (HttpError, _http_error),
        (Http404, _not_found),
        (RequestDataTooBig, _too_large),
        (SuspiciousOperation, _suspicious),
        (PermissionDenied, _forbidden),
        (IntegrityError, _integrity),
        (DatabaseError, _database),
        (Exception, _unexpected),
    ]
    for exc_type, handler in handlers:
        api.add_exception_handler(exc_type, handler)
