"""What the verify-scope calls return (ping, verify, status, enrolment) and the user and
two-step status they carry; the rest of the results are listed in :mod:`.models`."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ._times import _dt, _req_dt

__all__ = [
    "Enrolment",
    "EnrolmentConfirmation",
    "MfaDetail",
    "MfaStatus",
    "Ping",
    "Requirement",
    "User",
    "VerifyResult",
]


@dataclass(frozen=True)
class Ping:
    ok: bool
    scope: str
    key_name: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Ping:
        return cls(bool(data["ok"]), data["scope"], data["key_name"])


@dataclass(frozen=True)
class VerifyResult:
    """``valid`` is True once per code. On failure ``reason`` is always ``"rejected"``: wrong,
    reused, or the account is locked (ask :meth:`Client.status` which)."""

    valid: bool
    method: str | None = None
    reason: str | None = None
    message: str | None = None
    recovery_codes_left: int | None = None

    def __bool__(self) -> bool:
        return self.valid

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VerifyResult:
        return cls(
            valid=bool(data["valid"]),
            method=data.get("method"),
            reason=data.get("reason"),
            message=data.get("message"),
            recovery_codes_left=data.get("recovery_codes_left"),
        )


@dataclass(frozen=True)
class User:
    id: int
    username: str
    email: str | None
    display_name: str
    external_id: str | None
    is_active: bool

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> User:
        return cls(
            id=int(data["id"]),
            username=data["username"],
            email=data.get("email"),
            display_name=data.get("display_name", ""),
            external_id=data.get("external_id"),
            is_active=bool(data.get("is_active", True)),
        )


@dataclass(frozen=True)
class MfaStatus:
    """A user's two-step verification as the server's policy decides it now."""

    user: User
    enrolled: bool
    required: bool
    status: str  # not_required | enrolled | setup_now | setup_by_deadline | locked
    rules: tuple[str, ...]
    deadline: datetime | None
    days_left: int
    can_postpone: bool
    locked: bool
    setup_deadline_passed: bool
    locked_out: bool
    recovery_codes_left: int | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MfaStatus:
        return cls(**_mfa_fields(data))


def _mfa_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "user": User.from_json(data["user"]),
        "enrolled": bool(data["enrolled"]),
        "required": bool(data["required"]),
        "status": data["status"],
        "rules": tuple(data.get("rules", ())),
        "deadline": _dt(data.get("deadline")),
        "days_left": int(data.get("days_left", 0)),
        "can_postpone": bool(data.get("can_postpone", False)),
        "locked": bool(data["locked"]),
        "setup_deadline_passed": bool(data.get("setup_deadline_passed", False)),
        "locked_out": bool(data.get("locked_out", False)),
        "recovery_codes_left": data.get("recovery_codes_left"),
    }


@dataclass(frozen=True)
class Requirement:
    required: bool
    enrolment_days: int
    required_since: datetime | None
    admin_required: bool


@dataclass(frozen=True)
class MfaDetail(MfaStatus):
    reasons: tuple[str, ...] = ()
    requirement: Requirement | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MfaDetail:
        req = data.get("requirement") or {}
        return cls(
            **_mfa_fields(data),
            reasons=tuple(data.get("reasons", ())),
            requirement=Requirement(
                required=bool(req.get("required", False)),
                enrolment_days=int(req.get("enrolment_days", 0)),
                required_since=_dt(req.get("required_since")),
                admin_required=bool(req.get("admin_required", False)),
            ),
        )


@dataclass(frozen=True)
class Enrolment:
    """A pending setup: show ``qr_svg`` (or ``qr_png``, or ``secret`` to type) to the user,
    then confirm it with the first code within 10 minutes."""

    enrolment_id: uuid.UUID
    user_id: int
    otpauth_uri: str = field(repr=False)
    secret: str = field(repr=False)
    issuer: str
    account_name: str
    qr_svg: str = field(repr=False)
    qr_png_base64: str = field(repr=False)
    expires_at: datetime

    @property
    def qr_png(self) -> bytes:
        return base64.b64decode(self.qr_png_base64)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Enrolment:
        return cls(
            enrolment_id=uuid.UUID(str(data["enrolment_id"])),
            user_id=int(data["user_id"]),
            otpauth_uri=data["otpauth_uri"],
            secret=data["secret"],
            issuer=data["issuer"],
            account_name=data["account_name"],
            qr_svg=data["qr_svg"],
            qr_png_base64=data["qr_png_base64"],
            expires_at=_req_dt(data["expires_at"]),
        )


@dataclass(frozen=True)
class EnrolmentConfirmation:
    enabled: bool
    user_id: int
    recovery_codes: tuple[str, ...] = field(repr=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EnrolmentConfirmation:
        return cls(bool(data["enabled"]), int(data["user_id"]), tuple(data["recovery_codes"]))
