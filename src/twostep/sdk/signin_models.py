"""What the sign-in calls return: the steps of a sign-in, the signed-in user and their
sessions (see :mod:`.models` for the rest)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ._times import _dt, _req_dt
from .verify_models import MfaStatus, User

__all__ = [
    "Me",
    "Session",
    "SignInStep",
]


@dataclass(frozen=True)
class SignInStep:
    """Where a sign-in stands: ``status`` is ``signed_in`` (``access_token`` set),
    ``code_required`` or ``setup_required`` (``signin_token`` set, for the next step)."""

    status: str
    user: User
    expires_at: datetime
    signin_token: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)
    method: str | None = None
    can_postpone: bool = False
    days_left: int = 0
    deadline: datetime | None = None
    recovery_codes: tuple[str, ...] | None = field(default=None, repr=False)
    recovery_codes_left: int | None = None
    recovery_code_only: bool = False  # locked after too many wrong codes: a recovery code only
    device_token: str | None = field(default=None, repr=False)  # keep; send with sign_in
    password_change_required: bool = False  # a recovery code lifted a lockout

    @property
    def signed_in(self) -> bool:
        return self.status == "signed_in"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SignInStep:
        codes = data.get("recovery_codes")
        return cls(
            status=data["status"],
            user=User.from_json(data["user"]),
            expires_at=_req_dt(data["expires_at"]),
            signin_token=data.get("signin_token"),
            access_token=data.get("access_token"),
            method=data.get("method"),
            can_postpone=bool(data.get("can_postpone", False)),
            days_left=int(data.get("days_left", 0)),
            deadline=_dt(data.get("deadline")),
            recovery_codes=tuple(codes) if codes is not None else None,
            recovery_codes_left=data.get("recovery_codes_left"),
            recovery_code_only=bool(data.get("recovery_code_only", False)),
            device_token=data.get("device_token"),
            password_change_required=bool(data.get("password_change_required", False)),
        )


@dataclass(frozen=True)
class Me:
    user: User
    mfa: MfaStatus
    signed_in_at: datetime
    expires_at: datetime
    method: str
    password_change_required: bool = False

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Me:
        return cls(
            user=User.from_json(data["user"]),
            mfa=MfaStatus.from_json(data["mfa"]),
            signed_in_at=_req_dt(data["signed_in_at"]),
            expires_at=_req_dt(data["expires_at"]),
            method=data["method"],
            password_change_required=bool(data.get("password_change_required", False)),
        )


@dataclass(frozen=True)
class Session:
    """A signed-in session of the user: ``kind`` ``web`` (a browser) or ``api`` (an app)."""

    id: str
    kind: str
    created_at: datetime
    last_seen_at: datetime
    user_agent: str
    address: str | None
    current: bool

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Session:
        return cls(
            id=data["id"],
            kind=data["kind"],
            created_at=_req_dt(data["created_at"]),
            last_seen_at=_req_dt(data["last_seen_at"]),
            user_agent=data.get("user_agent") or "",
            address=data.get("address"),
            current=bool(data.get("current", False)),
        )
