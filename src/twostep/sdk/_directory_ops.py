"""The admin API's role and group endpoints as :class:`~._core.Call` s, shared by both clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import models as m
from ._core import Call, nothing
from ._ops import _given, _list


def list_roles() -> Call[tuple[m.Role, ...]]:
    return Call("GET", "/admin/roles", _list(m.Role.from_json))


def create_role(name: str, *, description: str, is_admin: bool) -> Call[m.Role]:
    body = {"name": name, "description": description, "is_admin": is_admin}
    return Call("POST", "/admin/roles", m.Role.from_json, body=body)


def get_role(role_id: int) -> Call[m.Role]:
    return Call("GET", f"/admin/roles/{int(role_id)}", m.Role.from_json)


def update_role(role_id: int, changes: dict[str, Any]) -> Call[m.Role]:
    return Call("PATCH", f"/admin/roles/{int(role_id)}", m.Role.from_json, body=_given(**changes))


def delete_role(role_id: int) -> Call[None]:
    return Call("DELETE", f"/admin/roles/{int(role_id)}", nothing)


def list_groups(*, limit: int, offset: int) -> Call[tuple[m.Group, ...]]:
    params = {"limit": limit, "offset": offset}
    return Call("GET", "/admin/groups", _list(m.Group.from_json), params=params)


def create_group(name: str, *, description: str) -> Call[m.Group]:
    body = {"name": name, "description": description}
    return Call("POST", "/admin/groups", m.Group.from_json, body=body)


def get_group(group_id: int) -> Call[m.Group]:
    return Call("GET", f"/admin/groups/{int(group_id)}", m.Group.from_json)


def update_group(group_id: int, changes: dict[str, Any]) -> Call[m.Group]:
    return Call(
        "PATCH", f"/admin/groups/{int(group_id)}", m.Group.from_json, body=_given(**changes)
    )


def delete_group(group_id: int) -> Call[None]:
    return Call("DELETE", f"/admin/groups/{int(group_id)}", nothing)


def list_group_members(group_id: int, *, limit: int, offset: int) -> Call[m.UserPage]:
    params = {"limit": limit, "offset": offset}
    return Call(
        "GET", f"/admin/groups/{int(group_id)}/members", m.UserPage.from_json, params=params
    )


def add_group_members(group_id: int, user_ids: Iterable[int]) -> Call[int]:
    return Call(
        "POST",
        f"/admin/groups/{int(group_id)}/members",
        lambda d: int(d["added"]),
        body={"user_ids": [int(u) for u in user_ids]},
    )


def remove_group_member(group_id: int, user_id: int) -> Call[None]:
    return Call("DELETE", f"/admin/groups/{int(group_id)}/members/{int(user_id)}", nothing)
