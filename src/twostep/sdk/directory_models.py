"""What the admin calls about users, roles and groups return (see :mod:`.models` for the
rest)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ._times import _dt
from .verify_models import User

__all__ = [
    "Group",
    "MfaSummary",
    "Role",
    "UserDetail",
    "UserPage",
]


@dataclass(frozen=True)
class MfaSummary:
    enrolled: bool
    required: bool
    status: str
    deadline: datetime | None
    locked: bool


@dataclass(frozen=True)
class UserDetail(User):
    role: str = "member"
    groups: tuple[tuple[int, str], ...] = ()  # (id, name)
    email_verified: bool = False
    has_password: bool = False
    date_joined: datetime | None = None
    mfa: MfaSummary | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UserDetail:
        mfa = data.get("mfa") or {}
        base = User.from_json(data)
        return cls(
            id=base.id,
            username=base.username,
            email=base.email,
            display_name=base.display_name,
            external_id=base.external_id,
            is_active=base.is_active,
            role=data["role"],
            groups=tuple((int(g["id"]), g["name"]) for g in data.get("groups", ())),
            email_verified=bool(data.get("email_verified", False)),
            has_password=bool(data.get("has_password", False)),
            date_joined=_dt(data.get("date_joined")),
            mfa=MfaSummary(
                enrolled=bool(mfa.get("enrolled", False)),
                required=bool(mfa.get("required", False)),
                status=mfa.get("status", ""),
                deadline=_dt(mfa.get("deadline")),
                locked=bool(mfa.get("locked", False)),
            ),
        )


@dataclass(frozen=True)
class UserPage:
    items: tuple[UserDetail, ...]
    total: int
    limit: int
    offset: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UserPage:
        return cls(
            items=tuple(UserDetail.from_json(u) for u in data["items"]),
            total=int(data["total"]),
            limit=int(data["limit"]),
            offset=int(data["offset"]),
        )


@dataclass(frozen=True)
class Role:
    id: int
    key: str
    name: str
    description: str
    is_admin: bool
    builtin: bool
    users: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Role:
        return cls(
            id=int(data["id"]),
            key=data["key"],
            name=data["name"],
            description=data.get("description", ""),
            is_admin=bool(data["is_admin"]),
            builtin=bool(data["builtin"]),
            users=int(data.get("users", 0)),
        )


@dataclass(frozen=True)
class Group:
    id: int
    name: str
    description: str
    created_at: datetime | None
    members: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Group:
        return cls(
            id=int(data["id"]),
            name=data["name"],
            description=data.get("description", ""),
            created_at=_dt(data.get("created_at")),
            members=int(data.get("members", 0)),
        )
