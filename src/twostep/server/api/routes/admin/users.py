"""Admin API: users, and each user's two-step verification (requirement, reset, unlock)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Query, Status

from ....accounts.directory import delete_user as remove_user
from ....accounts.models import User
from ....clock import get_clock
from ....policy.services import decide, decide_many, get_requirement
from ....usecases import enrolment, requirements
from ....usecases.users import add_user, groups_by_id
from ....usecases.users import update_user as change_user
from ...errors import ApiError
from ...present import mfa_status_out, mfa_summary, user_by_id
from ...schemas import (
    AdminRequirementIn,
    MfaDetailOut,
    RequireIn,
    UnlockOut,
    UserCreateIn,
    UserFilter,
    UserOut,
    UserPage,
    UserPatchIn,
)
from .common import READ, WRITE, id_in_range, router, who

# -- users ---------------------------------------------------------------------------------------


def _users_out(users: list[User]) -> list[dict[str, Any]]:
    decisions = decide_many(users, clock=get_clock()) if users else {}
    return [
        {
            "id": u.pk,
            "username": u.username,
            "email": u.email,
            "display_name": u.display_name,
            "external_id": u.external_id,
            "role": u.role.key,
            "groups": [{"id": g.pk, "name": g.name} for g in u.groups.all()],
            "is_active": u.is_active,
            "email_verified": u.email_verified,
            "has_password": u.has_usable_password(),
            "date_joined": u.date_joined,
            "mfa": mfa_summary(decisions[u.pk]),
        }
        for u in users
    ]


def _user_out(user_id: int) -> dict[str, Any]:
    users = list(User.objects.select_related("role").prefetch_related("groups").filter(pk=user_id))
    if not users:
        raise ApiError("user_not_found", f"There is no user with id {user_id}.")
    return _users_out(users)[0]


def users_page(qs: QuerySet[User], limit: int, offset: int) -> dict[str, Any]:
    total = qs.count()
    users = list(qs.select_related("role").prefetch_related("groups")[offset : offset + limit])
    return {"items": _users_out(users), "total": total, "limit": limit, "offset": offset}


@router.get(
    "/users", response={200: UserPage, **READ}, summary="List users", operation_id="list_users"
)
def list_users(request: HttpRequest, filters: Query[UserFilter]) -> Any:
    qs = User.objects.all()
    if filters.q:
        qs = qs.filter(
            Q(username__icontains=filters.q)
            | Q(email__icontains=filters.q)
            | Q(display_name__icontains=filters.q)
        )
    if filters.role:
        qs = qs.filter(role__key=filters.role)
    if filters.group:
        qs = qs.filter(groups__id=filters.group)
    if filters.is_active is not None:
        qs = qs.filter(is_active=filters.is_active)
    if filters.enrolled is not None:
        qs = qs.filter(totp_device__isnull=not filters.enrolled)
    if filters.external_id:
        qs = qs.filter(external_id=filters.external_id)
    return users_page(qs.order_by("id"), filters.limit, filters.offset)


@router.post(
    "/users",
    response={201: UserOut, **WRITE},
    summary="Create a user (no password: the user exists only for API use)",
    operation_id="create_user",
)
def create(request: HttpRequest, body: UserCreateIn) -> Any:
    added = add_user(
        username=body.username,
        email=body.email,
        password=body.password,
        display_name=body.display_name,
        role=body.role,
        external_id=body.external_id,
        email_verified=body.email_verified,
        groups=groups_by_id(body.groups) if body.groups else [],
        **who(request),
    )
    return Status(201, _user_out(added.user.pk))


@router.get(
    "/users/{user_id}", response={200: UserOut, **READ}, summary="A user", operation_id="get_user"
)
def get_user(request: HttpRequest, user_id: int) -> Any:
    return _user_out(id_in_range(user_id))


@router.patch(
    "/users/{user_id}",
    response={200: UserOut, **WRITE},
    summary="Change a user (only the fields given)",
    operation_id="update_user",
)
def update_user(request: HttpRequest, user_id: int, body: UserPatchIn) -> Any:
    user = user_by_id(id_in_range(user_id))
    changes = body.model_dump(exclude_unset=True)
    if changes.get("email") == "":
        changes["email"] = None
    change_user(user, changes, **who(request))
    return _user_out(user.pk)


@router.delete(
    "/users/{user_id}",
    response={204: None, **WRITE},
    summary="Delete a user",
    operation_id="delete_user",
)
def delete_user(request: HttpRequest, user_id: int) -> Any:
    remove_user(user_by_id(id_in_range(user_id)), **who(request))
    return Status(204, None)


# -- per-user two-step verification ---------------------------------------------------------------


def _mfa_detail(user: User) -> dict[str, Any]:
    user.refresh_from_db()
    decision = decide(user, clock=get_clock())
    req = get_requirement(user)
    out = mfa_status_out(user, decision)
    out["reasons"] = list(decision.reasons)
    out["requirement"] = {
        "required": req.required,
        "enrolment_days": req.enrolment_days,
        "required_since": req.required_since,
        "admin_required": req.admin_required,
    }
    return out


@router.get(
    "/users/{user_id}/mfa",
    response={200: MfaDetailOut, **READ},
    summary="A user's two-step verification: status, rules and requirement",
    operation_id="get_user_mfa",
)
def get_mfa(request: HttpRequest, user_id: int) -> Any:
    return _mfa_detail(user_by_id(id_in_range(user_id)))


@router.put(
    "/users/{user_id}/requirement",
    response={200: MfaDetailOut, **WRITE},
    summary="Require two-step verification on sign-in, with an enrolment period (0-365 days)",
    operation_id="require_user",
)
def require(request: HttpRequest, user_id: int, body: RequireIn) -> Any:
    user = user_by_id(id_in_range(user_id))
    requirements.require(user, days=body.days, **who(request))
    return _mfa_detail(user)


@router.delete(
    "/users/{user_id}/requirement",
    response={200: MfaDetailOut, **WRITE},
    summary="Lift the per-user requirement",
    operation_id="lift_requirement",
)
def lift(request: HttpRequest, user_id: int) -> Any:
    user = user_by_id(id_in_range(user_id))
    requirements.lift(user, **who(request))
    return _mfa_detail(user)


@router.post(
    "/users/{user_id}/requirement/extend",
    response={200: MfaDetailOut, **WRITE},
    summary="Start the enrolment period again, now, with the given days (unlocks)",
    operation_id="extend_enrolment",
)
def extend(request: HttpRequest, user_id: int, body: RequireIn) -> Any:
    user = user_by_id(id_in_range(user_id))
    requirements.extend(user, days=body.days, **who(request))
    return _mfa_detail(user)


@router.put(
    "/users/{user_id}/admin-requirement",
    response={200: MfaDetailOut, **WRITE},
    summary="Require two-step verification of this administrator (or not)",
    operation_id="set_admin_requirement",
)
def admin_requirement(request: HttpRequest, user_id: int, body: AdminRequirementIn) -> Any:
    user = user_by_id(id_in_range(user_id))
    requirements.set_admin_requirement(user, body.required, **who(request))
    return _mfa_detail(user)


@router.post(
    "/users/{user_id}/mfa/reset",
    response={200: MfaDetailOut, **WRITE},
    summary="Reset two-step verification: devices and recovery codes go, setup starts again",
    operation_id="reset_mfa",
)
def reset_mfa(request: HttpRequest, user_id: int) -> Any:
    user = user_by_id(id_in_range(user_id))
    enrolment.reset(user, **who(request))
    return _mfa_detail(user)


@router.post(
    "/users/{user_id}/mfa/unlock",
    response={200: UnlockOut, **WRITE},
    summary="Lift a lockout after too many wrong codes",
    operation_id="unlock_user",
)
def unlock(request: HttpRequest, user_id: int) -> Any:
    user = user_by_id(id_in_range(user_id))
    return {"was_locked": enrolment.unlock(user, **who(request))}
