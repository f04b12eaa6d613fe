"""The admin API's user endpoints (users, their two-step requirement, unlocking) as
:class:`~._core.Call` s, shared by both clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import models as m
from ._core import Call, nothing
from ._ops import _given


def next_offset(page: m.UserPage, offset: int) -> int | None:
    """Where the page after ``page`` (which began at ``offset``) begins; None after the last."""
    offset += len(page.items)
    return None if not page.items or offset >= page.total else offset


def list_users(
    *,
    q: str | None,
    role: str | None,
    group: int | None,
    is_active: bool | None,
    enrolled: bool | None,
    external_id: str | None,
    limit: int,
    offset: int,
) -> Call[m.UserPage]:
    params = {
        "q": q,
        "role": role,
        "group": group,
        "is_active": is_active,
        "enrolled": enrolled,
        "external_id": external_id,
        "limit": limit,
        "offset": offset,
    }
    return Call("GET", "/admin/users", m.UserPage.from_json, params=params)


def create_user(
    username: str,
    *,
    email: str | None,
    password: str | None,
    display_name: str,
    role: str,
    external_id: str | None,
    email_verified: bool,
    groups: Iterable[int],
) -> Call[m.UserDetail]:
    body: dict[str, Any] = {
        "username": username,
        "display_name": display_name,
        "role": role,
        "email_verified": email_verified,
        "groups": list(groups),
    }
    for name, value in (("email", email), ("password", password), ("external_id", external_id)):
        if value is not None:
            body[name] = value
    return Call("POST", "/admin/users", m.UserDetail.from_json, body=body)


def get_user(user_id: int) -> Call[m.UserDetail]:
    return Call("GET", f"/admin/users/{int(user_id)}", m.UserDetail.from_json)


def update_user(user_id: int, changes: dict[str, Any]) -> Call[m.UserDetail]:
    body = _given(**changes)
    if "groups" in body and body["groups"] is not None:
        body["groups"] = list(body["groups"])
    return Call("PATCH", f"/admin/users/{int(user_id)}", m.UserDetail.from_json, body=body)


def delete_user(user_id: int) -> Call[None]:
    return Call("DELETE", f"/admin/users/{int(user_id)}", nothing)


def get_user_mfa(user_id: int) -> Call[m.MfaDetail]:
    return Call("GET", f"/admin/users/{int(user_id)}/mfa", m.MfaDetail.from_json)


def require_user(user_id: int, days: int) -> Call[m.MfaDetail]:
    return Call(
        "PUT",
        f"/admin/users/{int(user_id)}/requirement",
        m.MfaDetail.from_json,
        body={"days": days},
    )


def lift_requirement(user_id: int) -> Call[m.MfaDetail]:
    return Call("DELETE", f"/admin/users/{int(user_id)}/requirement", m.MfaDetail.from_json)


def extend_enrolment(user_id: int, days: int) -> Call[m.MfaDetail]:
    return Call(
        "POST",
        f"/admin/users/{int(user_id)}/requirement/extend",
        m.MfaDetail.from_json,
        body={"days": days},
    )


def set_admin_requirement(user_id: int, required: bool) -> Call[m.MfaDetail]:
    return Call(
        "PUT",
        f"/admin/users/{int(user_id)}/admin-requirement",
        m.MfaDetail.from_json,
        body={"required": bool(required)},
    )


def reset_mfa(user_id: int) -> Call[m.MfaDetail]:
    return Call("POST", f"/admin/users/{int(user_id)}/mfa/reset", m.MfaDetail.from_json)


def unlock_user(user_id: int) -> Call[bool]:
    return Call("POST", f"/admin/users/{int(user_id)}/mfa/unlock", lambda d: bool(d["was_locked"]))
