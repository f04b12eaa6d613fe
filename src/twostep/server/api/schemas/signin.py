"""Bodies of the sign-in API of first-party clients."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from .common import (
    Body,
    CodeText,
    DeviceToken,
    Identifier,
    Password,
    TokenText,
)
from .verify import MfaStatusOut, UserBrief

# -- sign-in ------------------------------------------------------------------------------------


class SignInIn(Body):
    identifier: Identifier = Field(description="username or email")
    password: Password
    device_token: DeviceToken | None = Field(
        default=None,
        description="the device_token of this client's last completed sign-in to this account: "
        "its wrong passwords are then counted on their own, so others' cannot lock it out",
    )


class SignInCodeIn(Body):
    signin_token: TokenText
    code: CodeText


class SignInTokenIn(Body):
    signin_token: TokenText


class SignInOut(Schema):
    """One answer for every step: ``status`` says what comes next."""

    status: Literal["signed_in", "code_required", "setup_required"]
    signin_token: str | None = None
    access_token: str | None = None
    token_type: Literal["Bearer"] | None = None
    expires_at: datetime
    user: UserBrief
    method: str | None = None
    can_postpone: bool = False
    days_left: int = 0
    deadline: datetime | None = None
    recovery_codes: list[str] | None = None
    recovery_codes_left: int | None = None
    recovery_code_only: bool = Field(
        default=False,
        description="code_required: the account is locked after too many wrong codes; only a "
        "recovery code is accepted (it lifts the lock)",
    )
    device_token: str | None = Field(
        default=None,
        description="signed_in: keep it and send it with the next POST /signin (180 days)",
    )
    password_change_required: bool = Field(
        default=False,
        description="signed_in: a recovery code lifted a lockout; the user must choose a new "
        "password (on the account pages) before anything else",
    )


class MeOut(Schema):
    user: UserBrief
    mfa: MfaStatusOut
    signed_in_at: datetime
    expires_at: datetime
    method: str
    password_change_required: bool = False


class SessionOut(Schema):
    """A signed-in session of the user: in a browser (``web``) or an app (``api``)."""

    id: str = Field(description="``web-<n>`` or ``api-<n>``")
    kind: Literal["web", "api"]
    created_at: datetime
    last_seen_at: datetime
    user_agent: str
    address: str | None
    current: bool = Field(description="the session of this access token")
