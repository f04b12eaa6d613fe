"""The authentication service for relying parties (API keys with the ``verify`` scope).

A relying party keeps its users' passwords (or its own sign-in) and asks twostep for the second
factor: it enrols a user (QR code to show), confirms the setup with the first code (and shows
the recovery codes once), then verifies a code at each sign-in.

``POST /verify`` answers ``{"valid": true, "method": "totp"|"recovery"}`` or ``{"valid": false,
"reason": "rejected"}``, the same whether the code was wrong, already used, beaten by a
concurrent request, or the account is locked after too many wrong codes: an answer that
differs for a reused code would confirm a right code, and one that differs for a locked account
is a state leak (Keycloak PR #13867, privacyidea/keycloak-provider#71). Only throttling is
different: 429 with ``Retry-After``, decided before the code is looked at. ``GET /status``
tells the relying party (not the person typing) whether the account is locked.

A verify key belongs to an application: it enrols and reads the status of that application's
users only (404 ``user_not_found`` for anyone else), and an external id is the application's
own (:mod:`twostep.server.applications.members` decides, with the admin's
``may_enrol_any_user`` grant).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from ...accounts.models import User
from ...applications.members import issuer_for, may_manage
from ...applications.models import ApiKey
from ...clock import get_clock
from ...errors import (
    CodeRejectedError,
    EnrolmentExpiredError,
    LockedOutError,
    UnknownUserError,
)
from ...mfa.enrolment import get_enrolment
from ...mfa.models import PendingEnrolment
from ...mfa.recovery import format_recovery_code
from ...policy.services import decide
from ...usecases.app_users import create_app_user as make_app_user
from ...usecases.enrolment import confirm_enrolment, start_enrolment
from ...usecases.verification import verify_by
from ..auth import AnyKey, VerifyKey
from ..errors import ApiError
from ..present import (
    enrolment_out,
    mfa_status_out,
    no_such_user,
    resolve_user,
    user_brief,
    user_lookup,
)
from ..schemas import (
    AppUserIn,
    ConfirmIn,
    ConfirmOut,
    EnrolmentIn,
    EnrolmentOut,
    MfaStatusOut,
    PingOut,
    UserBrief,
    UserRef,
    VerifyIn,
    VerifyOut,
)
from . import error_responses as errors

router = Router(tags=["verify"], auth=VerifyKey())
ping_router = Router(tags=["meta"], auth=AnyKey())

REJECTED = CodeRejectedError.default_message


def _usable(user: User) -> User:
    if not user.is_active:
        raise ApiError("user_inactive", "This user is deactivated.")
    return user


@ping_router.get(
    "/ping",
    response={200: PingOut, **errors(401)},
    summary="Check an API key (any scope)",
    operation_id="ping",
)
def ping(request: HttpRequest) -> dict[str, Any]:
    key = request.auth  # type: ignore[attr-defined]
    return {"ok": True, "scope": key.scope, "key_name": key.name}


@router.post(
    "/verify",
    response={200: VerifyOut, **errors(400, 401, 403, 404, 409, 422, 429)},
    summary="Verify a user's one-time or recovery code",
    operation_id="verify",
)
def verify(request: HttpRequest, body: VerifyIn) -> Any:
    """``valid`` is true once per code; every failure looks the same (``reason: rejected``).

    404 ``user_not_found``, 403 ``user_inactive``, 409 ``not_enrolled``, 422 ``malformed_code``
    (not a code at all: not counted as an attempt), 429 ``throttled`` (with ``Retry-After``).
    """
    lookup = user_lookup(body, request.auth, manage=False)  # type: ignore[attr-defined]
    if lookup is None:
        raise no_such_user()
    try:
        result = verify_by(
            lookup, body.code, clock=get_clock(), address=body.client_address, purpose="api"
        )
    except UnknownUserError:
        raise no_such_user() from None
    except (CodeRejectedError, LockedOutError):
        return {"valid": False, "method": None, "reason": "rejected", "message": REJECTED}
    return {
        "valid": True,
        "method": result.method,
        "recovery_codes_left": result.recovery_codes_left,
    }


@router.get(
    "/status",
    response={200: MfaStatusOut, **errors(401, 403, 404, 422)},
    summary="A user's two-step verification status",
    operation_id="status",
)
def status(request: HttpRequest, ref: Query[UserRef]) -> Any:
    user = resolve_user(ref, request.auth)  # type: ignore[attr-defined]
    return mfa_status_out(user, decide(user, clock=get_clock()))


@router.post(
    "/enrolments",
    response={201: EnrolmentOut, **errors(400, 401, 403, 404, 409, 422)},
    summary="Start setting up two-step verification for a user",
    operation_id="start_enrolment",
)
def start(request: HttpRequest, body: EnrolmentIn) -> Any:
    """A new pending secret (10 minutes; replaces an earlier pending one): show the QR code (or
    the key) to the user, then confirm with the code their app shows. Refused for
    administrators (403 ``protected``: they set it up themselves on the pages) and for users
    who have it set up already (409 ``already_enrolled``). A key enrols only its application's
    users (404 ``user_not_found`` for others) unless an administrator granted it
    ``may_enrol_any_user``; the authenticator shows the application's issuer."""
    key = request.auth  # type: ignore[attr-defined]
    user = _usable(resolve_user(body, key))
    if user.role.is_admin:
        raise ApiError(
            "protected",
            "Administrators set up two-step verification themselves, on the sign-in pages.",
        )
    enrolment = start_enrolment(user, clock=get_clock(), issuer=issuer_for(key))
    return Status(201, enrolment_out(enrolment, user))


def _pending_user(key: ApiKey, enrolment_id: uuid.UUID) -> User:
    user_id = (
        PendingEnrolment.objects.filter(pk=enrolment_id).values_list("user_id", flat=True).first()
    )
    user = User.objects.select_related("role").filter(pk=user_id).first() if user_id else None
    if user is None or not may_manage(key, user):  # another application's: as if none
        raise EnrolmentExpiredError()
    return _usable(user)


@router.get(
    "/enrolments/{enrolment_id}",
    response={200: EnrolmentOut, **errors(401, 403, 404, 422)},
    summary="A pending setup again (QR code, key)",
    operation_id="get_enrolment",
)
def get(request: HttpRequest, enrolment_id: uuid.UUID) -> Any:
    key = request.auth  # type: ignore[attr-defined]
    user = _pending_user(key, enrolment_id)
    enrolment = get_enrolment(user, enrolment_id, clock=get_clock(), issuer=issuer_for(key))
    return enrolment_out(enrolment, user)


@router.post(
    "/enrolments/{enrolment_id}/confirm",
    response={200: ConfirmOut, **errors(400, 401, 403, 404, 409, 422)},
    summary="Confirm a setup with the first code; returns the recovery codes, once",
    operation_id="confirm_enrolment",
)
def confirm(request: HttpRequest, enrolment_id: uuid.UUID, body: ConfirmIn) -> Any:
    """400 ``invalid_code`` when the code does not match (the setup stays pending), 404
    ``enrolment_expired``. On success the user is signed out of every session and mailed."""
    user = _pending_user(request.auth, enrolment_id)  # type: ignore[attr-defined]
    codes = confirm_enrolment(
        user, enrolment_id, body.code, clock=get_clock(), address=body.client_address
    )
    return {
        "enabled": True,
        "user_id": user.pk,
        "recovery_codes": [format_recovery_code(code) for code in codes],
    }


@router.post(
    "/users",
    response={201: UserBrief, **errors(400, 401, 403, 409, 422)},
    summary="Create a user who exists only for this application (external id, no password)",
    operation_id="create_app_user",
)
def create_app_user(request: HttpRequest, body: AppUserIn) -> Any:
    """Only for verify keys made with ``allow_create_users`` (403 ``create_users_not_allowed``
    otherwise). The user has no password and cannot sign in to the pages; the external id is
    the application's own (unique within it: another application may use the same one);
    ``username`` defaults to the external id made safe (with a hash suffix if taken)."""
    key = request.auth  # type: ignore[attr-defined]
    if not key.allow_create_users:
        raise ApiError("create_users_not_allowed", "This API key is not allowed to create users.")
    user = make_app_user(
        key,
        external_id=body.external_id,
        username=body.username,
        email=body.email,
        display_name=body.display_name,
        clock=get_clock(),
    )
    return Status(201, user_brief(user))
