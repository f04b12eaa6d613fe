"""Admin API: roles, groups and group membership."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.http import HttpRequest
from ninja import Query, Status

from ....accounts import directory
from ....accounts.models import Group, Role, User
from ....usecases import directory as changes
from ...errors import ApiError
from ...present import user_by_id
from ...schemas import (
    GroupIn,
    GroupOut,
    GroupPatchIn,
    MembersAddedOut,
    MembersIn,
    Paging,
    RoleIn,
    RoleOut,
    RolePatchIn,
    UserPage,
)
from .common import READ, WRITE, id_in_range, router, who
from .users import users_page

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


def _role_out(role: Role) -> dict[str, Any]:
    """``role`` as the change left it (even if a concurrent delete removed it since)."""
    return {
        "id": role.pk,
        "key": role.key,
        "name": role.name,
        "description": role.description,
        "is_admin": role.is_admin,
        "builtin": role.builtin,
        "users": User.objects.filter(role_id=role.pk).count(),
    }


def _role(role_id: int) -> Role:
    role = Role.objects.filter(pk=id_in_range(role_id)).first()
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
    role = changes.create_role(body.model_dump(), **who(request))
    return Status(201, _role_out(role))


@router.get(
    "/roles/{role_id}", response={200: RoleOut, **READ}, summary="A role", operation_id="get_role"
)
def get_role(request: HttpRequest, role_id: int) -> Any:
    return _role_out(_role(role_id))


@router.patch(
    "/roles/{role_id}",
    response={200: RoleOut, **WRITE},
    summary="Change a custom role",
    operation_id="update_role",
)
def update_role(request: HttpRequest, role_id: int, body: RolePatchIn) -> Any:
    role = changes.update_role(_role(role_id), body.model_dump(exclude_unset=True), **who(request))
    return _role_out(role)


@router.delete(
    "/roles/{role_id}",
    response={204: None, **WRITE},
    summary="Delete a custom role nobody has",
    operation_id="delete_role",
)
def delete_role(request: HttpRequest, role_id: int) -> Any:
    changes.delete_role(_role(role_id), **who(request))
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


def _group_out(group: Group) -> dict[str, Any]:
    """``group`` as the change left it (a concurrent delete may have removed it since: the
    change happened, so it is still the answer)."""
    return {
        "id": group.pk,
        "name": group.name,
        "description": group.description,
        "created_at": group.created_at,
        "members": Group.users.through.objects.filter(group_id=group.pk).count(),
    }


def _group(group_id: int) -> Group:
    group = Group.objects.filter(pk=id_in_range(group_id)).first()
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
    group = changes.create_group(body.model_dump(), **who(request))
    return Status(201, _group_out(group))


@router.get(
    "/groups/{group_id}",
    response={200: GroupOut, **READ},
    summary="A group",
    operation_id="get_group",
)
def get_group(request: HttpRequest, group_id: int) -> Any:
    return _group_out(_group(group_id))


@router.patch(
    "/groups/{group_id}",
    response={200: GroupOut, **WRITE},
    summary="Rename or describe a group",
    operation_id="update_group",
)
def update_group(request: HttpRequest, group_id: int, body: GroupPatchIn) -> Any:
    group = changes.update_group(
        _group(group_id), body.model_dump(exclude_unset=True), **who(request)
    )
    return _group_out(group)


@router.delete(
    "/groups/{group_id}",
    response={204: None, **WRITE},
    summary="Delete a group (its members stay)",
    operation_id="delete_group",
)
def delete_group(request: HttpRequest, group_id: int) -> Any:
    changes.delete_group(_group(group_id), **who(request))
    return Status(204, None)


@router.get(
    "/groups/{group_id}/members",
    response={200: UserPage, **READ},
    summary="The members of a group",
    operation_id="list_group_members",
)
def members(request: HttpRequest, group_id: int, paging: Query[Paging]) -> Any:
    group = _group(group_id)
    return users_page(group.users.order_by("id"), paging.limit, paging.offset)


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
    return {"added": directory.add_to_group(users, group, **who(request))}


@router.delete(
    "/groups/{group_id}/members/{user_id}",
    response={204: None, **WRITE},
    summary="Remove a user from a group",
    operation_id="remove_group_member",
)
def remove_member(request: HttpRequest, group_id: int, user_id: int) -> Any:
    group = _group(group_id)
    if not directory.remove_from_group(user_by_id(id_in_range(user_id)), group, **who(request)):
        raise ApiError("not_found", "That user is not in the group.")
    return Status(204, None)
