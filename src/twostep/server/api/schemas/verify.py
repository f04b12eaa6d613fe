"""Bodies of the verify scope: who a request is about, verify, enrolment, app users."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .common import (
    Address,
    Body,
    CodeText,
    DisplayName,
    Email,
    ExternalId,
    Method,
    MfaStatus,
    NewUsername,
    Username,
)

# -- who ----------------------------------------------------------------------------------------


def _named(field: str) -> dict[str, Any]:
    return {"required": [field], "properties": {field: {"type": "string"}}}


#: "exactly one of" in JSON Schema: each branch holds when its field is a string (not absent,
#: not null), and ``oneOf`` holds when exactly one branch does.
EXACTLY_ONE_USER_REF: dict[str, Any] = {
    "oneOf": [_named("username"), _named("email"), _named("external_id")]
}


class UserRef(BaseModel):
    """Exactly one of ``username``, ``email`` or ``external_id`` (a plain model, as
    :class:`Body`: it comes from a body or a query string). Bodies say so in the document with
    ``oneOf``; the query string's form is written by ``api.api.TwostepApi``."""

    model_config = ConfigDict(json_schema_extra=EXACTLY_ONE_USER_REF)

    username: Username | None = None
    email: Email | None = None
    external_id: ExternalId | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> UserRef:
        given = [v for v in (self.username, self.email, self.external_id) if v is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of username, email or external_id")
        return self


class UserBrief(Schema):
    id: int
    username: str
    email: str | None
    display_name: str
    external_id: str | None
    is_active: bool


class MfaStatusOut(Schema):
    """A user's two-step verification, as the policy service decides it now."""

    user: UserBrief
    enrolled: bool
    required: bool
    status: MfaStatus
    rules: list[str]
    deadline: datetime | None
    days_left: int
    can_postpone: bool
    locked: bool = Field(description="cannot sign in now: setup deadline passed or locked out")
    setup_deadline_passed: bool
    locked_out: bool = Field(
        description="too many wrong codes; a recovery code or an administrator unlocks"
    )
    recovery_codes_left: int | None


# -- verify scope -------------------------------------------------------------------------------


class VerifyIn(UserRef, Body):
    code: CodeText = Field(description="6-digit code or a recovery code")
    client_address: Address | None = Field(
        default=None,
        description="the end user's IP address, for per-network throttling and the audit log",
    )


class VerifyOut(Schema):
    valid: bool
    method: Method | None = None
    reason: Literal["rejected"] | None = Field(
        default=None,
        description="on failure always 'rejected': wrong, reused, or the account is locked",
    )
    message: str | None = None
    recovery_codes_left: int | None = None


class EnrolmentIn(UserRef, Body):
    pass


class EnrolmentOut(Schema):
    enrolment_id: uuid.UUID
    user_id: int
    otpauth_uri: str
    secret: str = Field(description="the key in base32, for typing into an app")
    issuer: str
    account_name: str
    qr_svg: str
    qr_png_base64: str
    expires_at: datetime


class ConfirmIn(Body):
    code: CodeText
    client_address: Address | None = None


class ConfirmOut(Schema):
    enabled: bool
    user_id: int
    recovery_codes: list[str]


class AppUserIn(Body):
    external_id: ExternalId
    username: NewUsername | None = None
    email: Email | None = None
    display_name: DisplayName = ""


class PingOut(Schema):
    ok: bool
    scope: str
    key_name: str
