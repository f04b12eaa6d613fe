"""Administration (API keys with the ``admin`` scope): users, roles, groups and memberships, the
organisation's 2FA policy, per-user requirements, reset, unlock, the audit log, API keys.

Changes are recorded in the audit log with the key's creator as the actor (the administrator
answerable for the key) and the caller's address.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status

from ...accounts import services as accounts
from ...accounts.models import Group, Role, User
from ...accounts.services import client_address, create_user
from ...audit.models import Event
from ...clock import get_clock
from ...console import services as console
from ...console.notices import notify_required
from ...errors import InvalidUserDataError
from ...mfa.services import reset, unlock_user
from ...policy.services import (
    decide,
    decide_many,
    extend_enrolment,
    get_org_policy,
    get_requirement,
    lift_requirement,
    require_user,
    set_admin_requirement,
    set_org_policy,
)
from .. import manage
from ..auth import AdminKey, acting_user
from ..errors import ApiError
from ..present import api_key_out, mfa_status_out, mfa_summary, user_by_id
from ..schemas import (
    AdminRequirementIn,
    ApiKeyCreatedOut,
    ApiKeyIn,
    ApiKeyOut,
    AuditFilter,
    AuditPage,
    GroupIn,
    GroupOut,
    GroupPatchIn,
    MembersAddedOut,
    MembersIn,
    MfaDetailOut,
    Paging,
    PolicyIn,
    PolicyOut,
    RequireIn,
    RoleIn,
    RoleOut,
    RolePatchIn,
    UnlockOut,
    UserCreateIn,
    UserFilter,
    UserOut,
    UserPage,
    UserPatchIn,
)
from ..services import create_api_key, get_api_key, list_api_keys, revoke_api_key
from . import error_responses as errors

router = Router(tags=["admin"], auth=AdminKey())

READ = errors(401, 403, 404, 422)
WRITE = errors(400, 401, 403, 404, 409, 422)


def _who(request: HttpRequest) -> dict[str, Any]:
    return {"actor": acting_user(request), "clock": get_clock(), "address": client_address(request)}


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


def _page(qs: QuerySet[User], limit: int, offset: int) -> dict[str, Any]:
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
    return _page(qs.order_by("id"), filters.limit, filters.offset)


@router.post(
    "/users",
    response={201: UserOut, **WRITE},
    summary="Create a user (no password: the user exists only for API use)",
    operation_id="create_user",
)
def create(request: HttpRequest, body: UserCreateIn) -> Any:
    who = _who(request)
    console.check_may_assign(who["actor"], accounts.get_role(body.role))
    groups = manage.groups_by_id(body.groups) if body.groups else []
    user = create_user(
        username=body.username,
        email=body.email,
        password=body.password,
        display_name=body.display_name,
        role=body.role,
        external_id=body.external_id,
        email_verified=body.email_verified,
        groups=groups,
        **who,
    )
    return Status(201, _user_out(user.pk))


@router.get(
    "/users/{user_id}", response={200: UserOut, **READ}, summary="A user", operation_id="get_user"
)
def get_user(request: HttpRequest, user_id: int) -> Any:
    return _user_out(_id(user_id))


def _id(value: int) -> int:
    if not 1 <= value <= 2**53:
        raise ApiError("not_found")
    return value


@router.patch(
    "/users/{user_id}",
    response={200: UserOut, **WRITE},
    summary="Change a user (only the fields given)",
    operation_id="update_user",
)
def update_user(request: HttpRequest, user_id: int, body: UserPatchIn) -> Any:
    user = user_by_id(_id(user_id))
    changes = body.model_dump(exclude_unset=True)
    if changes.get("email") == "":
        changes["email"] = None
    manage.update_user(user, changes, **_who(request))
    return _user_out(user.pk)


@router.delete(
    "/users/{user_id}",
    response={204: None, **WRITE},
    summary="Delete a user",
    operation_id="delete_user",
)
def delete_user(request: HttpRequest, user_id: int) -> Any:
    console.delete_user(user_by_id(_id(user_id)), **_who(request))
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
    return _mfa_detail(user_by_id(_id(user_id)))


@router.put(
    "/users/{user_id}/requirement",
    response={200: MfaDetailOut, **WRITE},
    summary="Require two-step verification on sign-in, with an enrolment period (0-365 days)",
    operation_id="require_user",
)
def require(request: HttpRequest, user_id: int, body: RequireIn) -> Any:
    user = user_by_id(_id(user_id))
    who = _who(request)
    require_user(user, days=body.days, **who)
    notify_required(user, **who)
    return _mfa_detail(user)


@router.delete(
    "/users/{user_id}/requirement",
    response={200: MfaDetailOut, **WRITE},
    summary="Lift the per-user requirement",
    operation_id="lift_requirement",
)
def lift(request: HttpRequest, user_id: int) -> Any:
    user = user_by_id(_id(user_id))
    who = _who(request)
    console.check_may_manage(who["actor"], user, "lift the two-step verification requirement of")
    lift_requirement(user, **who)
    return _mfa_detail(user)


@router.post(
    "/users/{user_id}/requirement/extend",
    response={200: MfaDetailOut, **WRITE},
    summary="Start the enrolment period again, now, with the given days (unlocks)",
    operation_id="extend_enrolment",
)
def extend(request: HttpRequest, user_id: int, body: RequireIn) -> Any:
    user = user_by_id(_id(user_id))
    who = _who(request)
    extend_enrolment(user, days=body.days, **who)
    notify_required(user, **who)
    return _mfa_detail(user)


@router.put(
    "/users/{user_id}/admin-requirement",
    response={200: MfaDetailOut, **WRITE},
    summary="Require two-step verification of this administrator (or not)",
    operation_id="set_admin_requirement",
)
def admin_requirement(request: HttpRequest, user_id: int, body: AdminRequirementIn) -> Any:
    user = user_by_id(_id(user_id))
    who = _who(request)
    if not body.required:
        console.check_may_manage(who["actor"], user, "stop requiring two-step verification of")
    set_admin_requirement(user, body.required, **who)
    return _mfa_detail(user)


@router.post(
    "/users/{user_id}/mfa/reset",
    response={200: MfaDetailOut, **WRITE},
    summary="Reset two-step verification: devices and recovery codes go, setup starts again",
    operation_id="reset_mfa",
)
def reset_mfa(request: HttpRequest, user_id: int) -> Any:
    user = user_by_id(_id(user_id))
    who = _who(request)
    if who["actor"] is not None and who["actor"].pk == user.pk:
        raise console.ActionRefusedError(
            "You cannot reset your own two-step verification. Ask another administrator."
        )
    console.check_may_manage(who["actor"], user, "reset two-step verification of")
    reset(user, **who)
    return _mfa_detail(user)


@router.post(
    "/users/{user_id}/mfa/unlock",
    response={200: UnlockOut, **WRITE},
    summary="Lift a lockout after too many wrong codes",
    operation_id="unlock_user",
)
def unlock(request: HttpRequest, user_id: int) -> Any:
    user = user_by_id(_id(user_id))
    return {"was_locked": unlock_user(user, **_who(request))}


# -- roles ---------------------------------------------------------------------------------------


def _roles(qs: QuerySet[Role]) -> list[dict[str, Any]]:
    return [
        {
            "id": r.pk,
            "key": r.key,
            "name": r.name,
            "description": r.description,
            "is_admin": r.is_admin,
            "builtin": r.builtin,
            "users": r.n_users,
        }
        for r in qs.annotate(n_users=Count("users"))
    ]


def _role(role_id: int) -> Role:
    role = Role.objects.filter(pk=_id(role_id)).first()
    if role is None:
        raise ApiError("not_found", f"There is no role with id {role_id}.")
    return role


@router.get(
    "/roles", response={200: list[RoleOut], **READ}, summary="Roles", operation_id="list_roles"
)
def list_roles(request: HttpRequest) -> Any:
    return _roles(Role.objects.all())


@router.post(
    "/roles", response={201: RoleOut, **WRITE}, summary="Create a role", operation_id="create_role"
)
def create_role(request: HttpRequest, body: RoleIn) -> Any:
    role = manage.create_role(body.model_dump(), **_who(request))
    return Status(201, _roles(Role.objects.filter(pk=role.pk))[0])


@router.get(
    "/roles/{role_id}", response={200: RoleOut, **READ}, summary="A role", operation_id="get_role"
)
def get_role(request: HttpRequest, role_id: int) -> Any:
    return _roles(Role.objects.filter(pk=_role(role_id).pk))[0]


@router.patch(
    "/roles/{role_id}",
    response={200: RoleOut, **WRITE},
    summary="Change a custom role",
    operation_id="update_role",
)
def update_role(request: HttpRequest, role_id: int, body: RolePatchIn) -> Any:
    role = manage.update_role(_role(role_id), body.model_dump(exclude_unset=True), **_who(request))
    return _roles(Role.objects.filter(pk=role.pk))[0]


@router.delete(
    "/roles/{role_id}",
    response={204: None, **WRITE},
    summary="Delete a custom role nobody has",
    operation_id="delete_role",
)
def delete_role(request: HttpRequest, role_id: int) -> Any:
    console.delete_role(_role(role_id), **_who(request))
    return Status(204, None)


# -- groups --------------------------------------------------------------------------------------


def _groups_out(
    qs: QuerySet[Group], offset: int = 0, limit: int | None = None
) -> list[dict[str, Any]]:
    annotated = qs.annotate(n_members=Count("users"))
    if limit is not None:
        annotated = annotated[offset : offset + limit]
    return [
        {
            "id": g.pk,
            "name": g.name,
            "description": g.description,
            "created_at": g.created_at,
            "members": g.n_members,
        }
        for g in annotated
    ]


def _group(group_id: int) -> Group:
    group = Group.objects.filter(pk=_id(group_id)).first()
    if group is None:
        raise ApiError("not_found", f"There is no group with id {group_id}.")
    return group


@router.get(
    "/groups", response={200: list[GroupOut], **READ}, summary="Groups", operation_id="list_groups"
)
def list_groups(request: HttpRequest, paging: Query[Paging]) -> Any:
    qs = Group.objects.order_by("name", "id")
    return _groups_out(qs, paging.offset, paging.limit)


@router.post(
    "/groups",
    response={201: GroupOut, **WRITE},
    summary="Create a group",
    operation_id="create_group",
)
def create_group(request: HttpRequest, body: GroupIn) -> Any:
    group = manage.create_group(body.model_dump(), **_who(request))
    return Status(201, _groups_out(Group.objects.filter(pk=group.pk))[0])


@router.get(
    "/groups/{group_id}",
    response={200: GroupOut, **READ},
    summary="A group",
    operation_id="get_group",
)
def get_group(request: HttpRequest, group_id: int) -> Any:
    return _groups_out(Group.objects.filter(pk=_group(group_id).pk))[0]


@router.patch(
    "/groups/{group_id}",
    response={200: GroupOut, **WRITE},
    summary="Rename or describe a group",
    operation_id="update_group",
)
def update_group(request: HttpRequest, group_id: int, body: GroupPatchIn) -> Any:
    group = manage.update_group(
        _group(group_id), body.model_dump(exclude_unset=True), **_who(request)
    )
    return _groups_out(Group.objects.filter(pk=group.pk))[0]


@router.delete(
    "/groups/{group_id}",
    response={204: None, **WRITE},
    summary="Delete a group (its members stay)",
    operation_id="delete_group",
)
def delete_group(request: HttpRequest, group_id: int) -> Any:
    console.delete_group(_group(group_id), **_who(request))
    return Status(204, None)


@router.get(
    "/groups/{group_id}/members",
    response={200: UserPage, **READ},
    summary="The members of a group",
    operation_id="list_group_members",
)
def members(request: HttpRequest, group_id: int, paging: Query[Paging]) -> Any:
    group = _group(group_id)
    return _page(group.users.order_by("id"), paging.limit, paging.offset)


@router.post(
    "/groups/{group_id}/members",
    response={200: MembersAddedOut, **WRITE},
    summary="Add users to a group",
    operation_id="add_group_members",
)
def add_members(request: HttpRequest, group_id: int, body: MembersIn) -> Any:
    group = _group(group_id)
    wanted = set(body.user_ids)
    users = list(User.objects.filter(pk__in=wanted))
    if len(users) != len(wanted):
        raise ApiError("user_not_found", "One of the users does not exist.")
    return {"added": console.add_to_group(users, group, **_who(request))}


@router.delete(
    "/groups/{group_id}/members/{user_id}",
    response={204: None, **WRITE},
    summary="Remove a user from a group",
    operation_id="remove_group_member",
)
def remove_member(request: HttpRequest, group_id: int, user_id: int) -> Any:
    group = _group(group_id)
    if not console.remove_from_group(user_by_id(_id(user_id)), group, **_who(request)):
        raise ApiError("not_found", "That user is not in the group.")
    return Status(204, None)


# -- policy --------------------------------------------------------------------------------------


def _policy_out() -> dict[str, Any]:
    policy = get_org_policy()
    return {
        "mode": policy.mode,
        "roles": sorted(policy.roles.values_list("key", flat=True)),
        "groups": sorted(policy.groups.values_list("pk", flat=True)),
        "grace_days": policy.grace_days,
        "require_all_admins": policy.require_all_admins,
        "applies_since": policy.applies_since,
        "updated_at": policy.updated_at,
    }


@router.get(
    "/policy",
    response={200: PolicyOut, **READ},
    summary="The organisation's two-step verification policy",
    operation_id="get_policy",
)
def get_policy(request: HttpRequest) -> Any:
    return _policy_out()


@router.put(
    "/policy",
    response={200: PolicyOut, **WRITE},
    summary="Set the organisation's two-step verification policy",
    operation_id="set_policy",
)
def put_policy(request: HttpRequest, body: PolicyIn) -> Any:
    roles = list(Role.objects.filter(key__in=set(body.roles)))
    if len(roles) != len(set(body.roles)):
        raise InvalidUserDataError("roles", "One of the roles does not exist.")
    groups = manage.groups_by_id(body.groups)
    set_org_policy(
        mode=body.mode,
        roles=roles,
        groups=groups,
        grace_days=body.grace_days,
        require_all_admins=body.require_all_admins,
        **_who(request),
    )
    return _policy_out()


# -- audit log -----------------------------------------------------------------------------------


@router.get(
    "/audit",
    response={200: AuditPage, **READ},
    summary="The audit log, newest first (page on with before_id)",
    operation_id="list_audit_events",
)
def audit(request: HttpRequest, filters: Query[AuditFilter]) -> Any:
    qs = Event.objects.all()
    if filters.event:
        if filters.event.endswith("."):
            qs = qs.filter(event__startswith=filters.event)
        else:
            qs = qs.filter(event=filters.event)
    if filters.user:
        qs = qs.filter(subject_id=filters.user)
    if filters.actor:
        qs = qs.filter(actor_id=filters.actor)
    if filters.since:
        qs = qs.filter(at__gte=filters.since)
    if filters.until:
        qs = qs.filter(at__lt=filters.until)
    if filters.before_id:
        qs = qs.filter(id__lt=filters.before_id)
    rows = list(qs.order_by("-id")[: filters.limit])
    return {
        "items": [
            {
                "id": e.pk,
                "at": e.at,
                "event": e.event,
                "actor_id": e.actor_id,
                "actor": e.actor_label,
                "subject_id": e.subject_id,
                "subject": e.subject_label,
                "address": e.address,
                "details": e.details if isinstance(e.details, dict) else {"value": e.details},
            }
            for e in rows
        ],
        "next_before_id": rows[-1].pk if len(rows) == filters.limit else None,
    }


# -- API keys ------------------------------------------------------------------------------------


def _key(key_id: int) -> Any:
    key = get_api_key(_id(key_id))
    if key is None:
        raise ApiError("not_found", f"There is no API key with id {key_id}.")
    return key


@router.get(
    "/api-keys",
    response={200: list[ApiKeyOut], **READ},
    summary="API keys (never the keys themselves)",
    operation_id="list_api_keys",
)
def list_keys(request: HttpRequest) -> Any:
    return [api_key_out(k) for k in list_api_keys()]


@router.post(
    "/api-keys",
    response={201: ApiKeyCreatedOut, **WRITE},
    summary="Create an API key: the key is in this answer only",
    operation_id="create_api_key",
)
def create_key(request: HttpRequest, body: ApiKeyIn) -> Any:
    key, text = create_api_key(
        name=body.name,
        scope=body.scope,
        allow_create_users=body.allow_create_users,
        **_who(request),
    )
    return Status(201, api_key_out(key, text))


@router.get(
    "/api-keys/{key_id}",
    response={200: ApiKeyOut, **READ},
    summary="An API key",
    operation_id="get_api_key",
)
def get_key(request: HttpRequest, key_id: int) -> Any:
    return api_key_out(_key(key_id))


@router.delete(
    "/api-keys/{key_id}",
    response={200: ApiKeyOut, **WRITE},
    summary="Revoke an API key (at once, in every process)",
    operation_id="revoke_api_key",
)
def revoke_key(request: HttpRequest, key_id: int) -> Any:
    key = _key(key_id)
    revoke_api_key(key, **_who(request))
    return api_key_out(key)
