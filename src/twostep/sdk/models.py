"""What the SDK returns: frozen dataclasses read from the API's JSON (unknown fields ignored,
so a newer server does not break an older SDK). Times are aware ``datetime`` objects."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "ApiKey",
    "AuditEvent",
    "AuditPage",
    "CreatedApiKey",
    "Enrolment",
    "EnrolmentConfirmation",
    "Group",
    "Me",
    "MfaDetail",
    "MfaStatus",
    "MfaSummary",
    "Ping",
    "Policy",
    "Requirement",
    "Role",
    "Session",
    "SignInStep",
    "User",
    "UserDetail",
    "UserPage",
    "VerifyResult",
]


def _dt(value: Any) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _req_dt(value: Any) -> datetime:
    result = _dt(value)
    if result is None:
        raise ValueError("missing time")
    return result


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
