"""Model objects and service results as the API's response dictionaries; user lookups."""

from __future__ import annotations

import base64
from typing import Any

from twostep.otp import make_qr_png

from ..accounts.models import User
from ..accounts.services import user_lookup as accounts_lookup
from ..applications import members
from ..applications.models import ApiKey, AppUser
from ..mfa.devices import recovery_codes_left
from ..mfa.enrolment import Enrolment
from ..policy.services import Decision
from ..rows import select_one
from .errors import ApiError

__all__ = [
    "api_key_out",
    "enrolment_out",
    "mfa_status_out",
    "mfa_summary",
    "no_such_user",
    "resolve_user",
    "user_brief",
    "user_by_id",
    "user_lookup",
]


def user_lookup(ref: Any, key: ApiKey, *, manage: bool) -> tuple[str, list[Any]] | None:
    """The condition that finds the user named by a :class:`~.schemas.UserRef` for the verify
    key ``key``, as ``rows.select_one`` takes it; None when no user can match (a username with
    an ``@``, an email without one). An external id is one of the key's application; with
    ``manage`` (enrol, status) only the users the key may manage are found
    (:mod:`~twostep.server.applications.members`)."""
    if ref.external_id is not None:
        return members.external_id_lookup(key, ref.external_id.strip())
    if ref.username is not None:
        lookup = None if "@" in ref.username else accounts_lookup(ref.username)
    else:
        lookup = accounts_lookup(ref.email) if "@" in ref.email else None
    if lookup is None or not manage:
        return lookup
    return members.scoped(key, lookup)


def no_such_user() -> ApiError:
    return ApiError("user_not_found", "There is no user with that username, email or id.")


def resolve_user(ref: Any, key: ApiKey) -> User:
    """The user named by a :class:`~.schemas.UserRef` whom ``key`` may manage, with the role
    (404 ``user_not_found`` otherwise: the same for a user of another application)."""
    lookup = user_lookup(ref, key, manage=True)
    user = None if lookup is None else select_one(User, *lookup, related=("role",))
    if user is None:
        raise no_such_user()
    return user


def user_by_id(user_id: int) -> User:
    user = User.objects.select_related("role").filter(pk=user_id).first()
    if user is None:
        raise ApiError("user_not_found", f"There is no user with id {user_id}.")
    return user


def user_brief(user: User) -> dict[str, Any]:
    """A user; ``external_id`` is their application's id for them if they belong to one."""
    external_id: str | None
    try:
        external_id = user.app_membership.external_id
    except AppUser.DoesNotExist:
        external_id = user.external_id
    return {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "display_name": user.display_name,
        "external_id": external_id,
        "is_active": user.is_active,
    }


def mfa_summary(decision: Decision) -> dict[str, Any]:
    return {
        "enrolled": decision.enrolled,
        "required": decision.required,
        "status": str(decision.status),
        "deadline": decision.deadline,
        "locked": decision.locked or decision.locked_out,
    }


def mfa_status_out(user: User, decision: Decision) -> dict[str, Any]:
    return {
        "user": user_brief(user),
        "enrolled": decision.enrolled,
        "required": decision.required,
        "status": str(decision.status),
        "rules": [str(rule) for rule in decision.rules],
        "deadline": decision.deadline,
        "days_left": decision.days_left,
        "can_postpone": decision.can_postpone,
        "locked": decision.locked or decision.locked_out,
        "setup_deadline_passed": decision.locked,
        "locked_out": decision.locked_out,
        "recovery_codes_left": recovery_codes_left(user) if decision.enrolled else None,
    }


def enrolment_out(enrolment: Enrolment, user: User) -> dict[str, Any]:
    uri = enrolment.uri
    return {
        "enrolment_id": enrolment.id,
        "user_id": user.pk,
        "otpauth_uri": uri,
        "secret": enrolment.secret.base32,
        "issuer": enrolment.issuer,
        "account_name": enrolment.account_name,
        "qr_svg": enrolment.qr_svg(),
        "qr_png_base64": base64.b64encode(make_qr_png(uri)).decode("ascii"),
        "expires_at": enrolment.expires_at,
    }


def api_key_out(key: ApiKey, text: str | None = None) -> dict[str, Any]:
    out = {
        "id": key.pk,
        "name": key.name,
        "scope": key.scope,
        "prefix": key.display_prefix,
        "allow_create_users": key.allow_create_users,
        "application": key.application.name if key.application_id and key.application else None,
        "issuer": (key.application.issuer or None) if key.application else None,
        "may_enrol_any_user": key.may_enrol_any_user,
        "created_by": key.created_by.username if key.created_by_id and key.created_by else None,
        "created_at": key.created_at,
        "last_used_at": key.last_used_at,
        "revoked_at": key.revoked_at,
        "active": key.revoked_at is None,
    }
    if text is not None:
        out["key"] = text
    return out
