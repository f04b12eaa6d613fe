"""Every endpoint of ``/api/v1`` as a :class:`~._core.Call`, shared by both clients."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from . import models as m
from ._core import Call, nothing


class _Unset(enum.Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset.UNSET
"""Marks an argument of an update as not given (``None`` clears a field where allowed)."""


def next_offset(page: m.UserPage, offset: int) -> int | None:
    """Where the page after ``page`` (which began at ``offset``) begins; None after the last."""
    offset += len(page.items)
    return None if not page.items or offset >= page.total else offset


def _ref(username: str | None, email: str | None, external_id: str | None) -> dict[str, str]:
    given = {
        k: v
        for k, v in (("username", username), ("email", email), ("external_id", external_id))
        if v is not None
    }
    if len(given) != 1:
        raise ValueError("give exactly one of username, email or external_id")
    return given


def _given(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not UNSET}


def _list(parse: Any) -> Any:
    return lambda data: tuple(parse(item) for item in data)


# -- meta and verify scope ----------------------------------------------------------------------


def ping() -> Call[m.Ping]:
    return Call("GET", "/ping", m.Ping.from_json)


def verify(
    code: str,
    *,
    username: str | None,
    email: str | None,
    external_id: str | None,
    client_address: str | None,
) -> Call[m.VerifyResult]:
    body: dict[str, Any] = {**_ref(username, email, external_id), "code": code}
    if client_address is not None:
        body["client_address"] = client_address
    return Call("POST", "/verify", m.VerifyResult.from_json, body=body)


def status(
    *, username: str | None, email: str | None, external_id: str | None
) -> Call[m.MfaStatus]:
    return Call("GET", "/status", m.MfaStatus.from_json, params=_ref(username, email, external_id))


def start_enrolment(
    *, username: str | None, email: str | None, external_id: str | None
) -> Call[m.Enrolment]:
    return Call(
        "POST", "/enrolments", m.Enrolment.from_json, body=_ref(username, email, external_id)
    )


def get_enrolment(enrolment_id: uuid.UUID | str) -> Call[m.Enrolment]:
    return Call("GET", f"/enrolments/{uuid.UUID(str(enrolment_id))}", m.Enrolment.from_json)


def confirm_enrolment(
    enrolment_id: uuid.UUID | str, code: str, *, client_address: str | None
) -> Call[m.EnrolmentConfirmation]:
    body: dict[str, Any] = {"code": code}
    if client_address is not None:
        body["client_address"] = client_address
    return Call(
        "POST",
        f"/enrolments/{uuid.UUID(str(enrolment_id))}/confirm",
        m.EnrolmentConfirmation.from_json,
        body=body,
    )


def create_app_user(
    external_id: str, *, username: str | None, email: str | None, display_name: str
) -> Call[m.User]:
    body: dict[str, Any] = {"external_id": external_id, "display_name": display_name}
    if username is not None:
        body["username"] = username
    if email is not None:
        body["email"] = email
    return Call("POST", "/users", m.User.from_json, body=body)


# -- admin: users -------------------------------------------------------------------------------


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


# -- admin: roles and groups --------------------------------------------------------------------


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


# -- admin: policy, audit, keys -----------------------------------------------------------------


def get_policy() -> Call[m.Policy]:
    return Call("GET", "/admin/policy", m.Policy.from_json)


def set_policy(
    mode: str,
    *,
    roles: Iterable[str],
    groups: Iterable[int],
    grace_days: int,
    require_all_admins: bool | None,
) -> Call[m.Policy]:
    body: dict[str, Any] = {
        "mode": mode,
        "roles": list(roles),
        "groups": [int(g) for g in groups],
        "grace_days": grace_days,
    }
    if require_all_admins is not None:
        body["require_all_admins"] = require_all_admins
    return Call("PUT", "/admin/policy", m.Policy.from_json, body=body)


def list_audit_events(
    *,
    event: str | None,
    user: int | None,
    actor: int | None,
    since: datetime | None,
    until: datetime | None,
    before_id: int | None,
    limit: int,
) -> Call[m.AuditPage]:
    params = {
        "event": event,
        "user": user,
        "actor": actor,
        "since": since,
        "until": until,
        "before_id": before_id,
        "limit": limit,
    }
    return Call("GET", "/admin/audit", m.AuditPage.from_json, params=params)


def list_api_keys() -> Call[tuple[m.ApiKey, ...]]:
    return Call("GET", "/admin/api-keys", _list(m.ApiKey.from_json))


def create_api_key(
    name: str,
    scope: str,
    *,
    allow_create_users: bool,
    application: str | None = None,
    issuer: str | None = None,
    may_enrol_any_user: bool = False,
) -> Call[m.CreatedApiKey]:
    body: dict[str, Any] = {"name": name, "scope": scope, "allow_create_users": allow_create_users}
    if application is not None:
        body["application"] = application
    if issuer is not None:
        body["issuer"] = issuer
    if may_enrol_any_user:
        body["may_enrol_any_user"] = True
    return Call("POST", "/admin/api-keys", m.CreatedApiKey.from_json, body=body)


def get_api_key(key_id: int) -> Call[m.ApiKey]:
    return Call("GET", f"/admin/api-keys/{int(key_id)}", m.ApiKey.from_json)


def revoke_api_key(key_id: int) -> Call[m.ApiKey]:
    return Call("DELETE", f"/admin/api-keys/{int(key_id)}", m.ApiKey.from_json)


# -- sign-in ------------------------------------------------------------------------------------


def sign_in(identifier: str, password: str, device_token: str | None = None) -> Call[m.SignInStep]:
    body = {"identifier": identifier, "password": password}
    if device_token:
        body["device_token"] = device_token
    return Call("POST", "/signin", m.SignInStep.from_json, body=body)


def sign_in_code(signin_token: str, code: str) -> Call[m.SignInStep]:
    body = {"signin_token": signin_token, "code": code}
    return Call("POST", "/signin/code", m.SignInStep.from_json, body=body)


def sign_in_setup(signin_token: str) -> Call[m.Enrolment]:
    return Call("POST", "/signin/setup", m.Enrolment.from_json, body={"signin_token": signin_token})


def confirm_sign_in_setup(signin_token: str, code: str) -> Call[m.SignInStep]:
    body = {"signin_token": signin_token, "code": code}
    return Call("POST", "/signin/setup/confirm", m.SignInStep.from_json, body=body)


def postpone_sign_in_setup(signin_token: str) -> Call[m.SignInStep]:
    return Call(
        "POST",
        "/signin/setup/postpone",
        m.SignInStep.from_json,
        body={"signin_token": signin_token},
    )


def me(access_token: str) -> Call[m.Me]:
    return Call("GET", "/me", m.Me.from_json, token=access_token)


def sign_out(access_token: str) -> Call[None]:
    return Call("POST", "/signout", nothing, token=access_token)


def list_sessions(access_token: str) -> Call[tuple[m.Session, ...]]:
    return Call("GET", "/me/sessions", _list(m.Session.from_json), token=access_token)


def end_session(access_token: str, session_id: str) -> Call[None]:
    return Call(
        "DELETE", f"/me/sessions/{quote(str(session_id), safe='')}", nothing, token=access_token
    )
