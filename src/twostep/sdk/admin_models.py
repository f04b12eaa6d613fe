"""What the admin calls about the organisation's policy, the audit log and API keys return
(see :mod:`.models` for the rest)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ._times import _dt, _req_dt

__all__ = [
    "ApiKey",
    "AuditEvent",
    "AuditPage",
    "CreatedApiKey",
    "Policy",
]


@dataclass(frozen=True)
class Policy:
    mode: str  # off | all | roles | groups
    roles: tuple[str, ...]
    groups: tuple[int, ...]
    grace_days: int
    require_all_admins: bool
    applies_since: datetime | None
    updated_at: datetime | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Policy:
        return cls(
            mode=data["mode"],
            roles=tuple(data.get("roles", ())),
            groups=tuple(int(g) for g in data.get("groups", ())),
            grace_days=int(data.get("grace_days", 0)),
            require_all_admins=bool(data.get("require_all_admins", True)),
            applies_since=_dt(data.get("applies_since")),
            updated_at=_dt(data.get("updated_at")),
        )


@dataclass(frozen=True)
class AuditEvent:
    id: int
    at: datetime
    event: str
    actor_id: int | None
    actor: str
    subject_id: int | None
    subject: str
    address: str | None
    details: dict[str, Any]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AuditEvent:
        return cls(
            id=int(data["id"]),
            at=_req_dt(data["at"]),
            event=data["event"],
            actor_id=data.get("actor_id"),
            actor=data.get("actor", ""),
            subject_id=data.get("subject_id"),
            subject=data.get("subject", ""),
            address=data.get("address"),
            details=dict(data.get("details") or {}),
        )


@dataclass(frozen=True)
class AuditPage:
    items: tuple[AuditEvent, ...]
    next_before_id: int | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AuditPage:
        return cls(
            items=tuple(AuditEvent.from_json(e) for e in data["items"]),
            next_before_id=data.get("next_before_id"),
        )


@dataclass(frozen=True)
class ApiKey:
    id: int
    name: str
    scope: str
    prefix: str
    allow_create_users: bool
    created_by: str | None
    created_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    active: bool
    application: str | None = None  # verify keys: the application they belong to
    issuer: str | None = None  # what its users' authenticators show (None: the organisation's)
    may_enrol_any_user: bool = False

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ApiKey:
        return cls(**_key_fields(data))


def _key_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": int(data["id"]),
        "name": data["name"],
        "scope": data["scope"],
        "prefix": data["prefix"],
        "allow_create_users": bool(data.get("allow_create_users", False)),
        "created_by": data.get("created_by"),
        "created_at": _dt(data.get("created_at")),
        "last_used_at": _dt(data.get("last_used_at")),
        "revoked_at": _dt(data.get("revoked_at")),
        "active": bool(data.get("active", True)),
        "application": data.get("application"),
        "issuer": data.get("issuer"),
        "may_enrol_any_user": bool(data.get("may_enrol_any_user", False)),
    }


@dataclass(frozen=True)
class CreatedApiKey(ApiKey):
    """A new key: ``key`` is shown by the server this once."""

    key: str = field(default="", repr=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CreatedApiKey:
        return cls(**_key_fields(data), key=data["key"])
