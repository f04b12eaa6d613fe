"""The admin API's policy, audit log and API key endpoints as :class:`~._core.Call` s, shared
by both clients."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from . import models as m
from ._core import Call
from ._ops import _list


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
