"""Bodies of the admin scope: users, requirements, roles, groups, policy, audit, API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from .common import (
    AuditLimit,
    Body,
    Days,
    Description,
    DisplayName,
    Email,
    EmailOrEmpty,
    ExternalId,
    Id,
    Issuer,
    Limit,
    MfaStatus,
    Moment,
    Name100,
    Name150,
    NewPassword,
    NewUsername,
    Offset,
    QueryBool,
    QueryId,
    RoleKey,
    Scope,
    Search,
    ShortText,
)
from .verify import MfaStatusOut, UserRef  # noqa: F401

# -- admin: users -------------------------------------------------------------------------------


class GroupBrief(Schema):
    id: int
    name: str


class MfaSummary(Schema):
    enrolled: bool
    required: bool
    status: MfaStatus
    deadline: datetime | None
    locked: bool


class UserOut(Schema):
    id: int
    username: str
    email: str | None
    display_name: str
    external_id: str | None
    role: str
    groups: list[GroupBrief]
    is_active: bool
    email_verified: bool
    has_password: bool
    date_joined: datetime
    mfa: MfaSummary


class UserPage(Schema):
    items: list[UserOut]
    total: int
    limit: int
    offset: int


class UserCreateIn(Body):
    username: NewUsername
    email: Email | None = None
    password: NewPassword | None = None
    display_name: DisplayName = ""
    role: RoleKey = "member"
    external_id: ExternalId | None = None
    email_verified: bool = False
    groups: list[Id] = Field(default_factory=list, max_length=500)


class UserPatchIn(Body):
    """Only the fields given change (the console's services, with their rules)."""

    email: EmailOrEmpty | None = Field(
        default=None, description="empty string or null removes it; a new email is unverified"
    )
    password: NewPassword | None = None
    display_name: DisplayName | None = None
    role: RoleKey | None = None
    is_active: bool | None = None
    groups: list[Id] | None = Field(default=None, max_length=500)


class UserFilter(Schema):
    q: Search | None = Field(
        default=None, description="part of the username, email or display name"
    )
    role: ShortText | None = None
    group: QueryId | None = None
    is_active: QueryBool | None = None
    enrolled: QueryBool | None = None
    external_id: ExternalId | None = None
    limit: Limit = 50
    offset: Offset = 0


class RequirementOut(Schema):
    required: bool
    enrolment_days: int
    required_since: datetime | None
    admin_required: bool


class MfaDetailOut(MfaStatusOut):
    reasons: list[str]
    requirement: RequirementOut


class RequireIn(Body):
    days: Days = 7


class AdminRequirementIn(Body):
    required: bool


class UnlockOut(Schema):
    was_locked: bool


# -- admin: roles and groups --------------------------------------------------------------------


class RoleOut(Schema):
    id: int
    key: str
    name: str
    description: str
    is_admin: bool
    builtin: bool
    users: int


class RoleIn(Body):
    name: Name100 = Field(description="the key is made from the name")
    description: Description = ""
    is_admin: bool = False


class RolePatchIn(Body):
    name: Name100 | None = None
    description: Description | None = None
    is_admin: bool | None = None


class GroupOut(Schema):
    id: int
    name: str
    description: str
    created_at: datetime
    members: int


class GroupIn(Body):
    name: Name150
    description: Description = ""


class GroupPatchIn(Body):
    name: Name150 | None = None
    description: Description | None = None


class MembersIn(Body):
    user_ids: list[Id] = Field(min_length=1, max_length=1000)


class MembersAddedOut(Schema):
    added: int


class Paging(Schema):
    limit: Limit = 50
    offset: Offset = 0


# -- admin: policy, audit, API keys -------------------------------------------------------------


class PolicyOut(Schema):
    mode: Literal["off", "all", "roles", "groups"]
    roles: list[str]
    groups: list[int]
    grace_days: int
    require_all_admins: bool
    applies_since: datetime | None
    updated_at: datetime | None


class PolicyIn(Body):
    # What set_org_policy refuses, said in the document: "roles" names at least one role,
    # "groups" at least one group.
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"properties": {"mode": {"enum": ["off", "all"]}}},
                {
                    "properties": {"mode": {"const": "roles"}, "roles": {"minItems": 1}},
                    "required": ["roles"],
                },
                {
                    "properties": {"mode": {"const": "groups"}, "groups": {"minItems": 1}},
                    "required": ["groups"],
                },
            ]
        }
    )

    mode: Literal["off", "all", "roles", "groups"]
    roles: list[RoleKey] = Field(default_factory=list, max_length=100)
    groups: list[Id] = Field(default_factory=list, max_length=500)
    grace_days: Days = 0
    require_all_admins: bool | None = None


class AuditFilter(Schema):
    event: ShortText | None = Field(
        default=None, description="an event name, or a prefix ending in '.' (e.g. 'mfa.')"
    )
    user: QueryId | None = Field(default=None, description="events about this user (subject)")
    actor: QueryId | None = None
    since: Moment | None = None
    until: Moment | None = None
    before_id: QueryId | None = Field(default=None, description="the next_before_id of a page")
    limit: AuditLimit = 100


class AuditEventOut(Schema):
    id: int
    at: datetime
    event: str
    actor_id: int | None
    actor: str
    subject_id: int | None
    subject: str
    address: str | None
    details: dict[str, Any]


class AuditPage(Schema):
    items: list[AuditEventOut]
    next_before_id: int | None


class ApiKeyOut(Schema):
    id: int
    name: str
    scope: Scope
    prefix: str
    allow_create_users: bool
    application: str | None = Field(description="verify keys: the application they belong to")
    issuer: str | None = Field(
        description="the name the application's users see in their authenticator (null: the "
        "organisation's)"
    )
    may_enrol_any_user: bool = Field(
        description="may enrol and read any user, not only its application's"
    )
    created_by: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    active: bool


class ApiKeyCreatedOut(ApiKeyOut):
    key: str = Field(description="the key itself: shown this once, never again")


class ApiKeyIn(Body):
    # What create_api_key refuses, said in the document: an admin key belongs to no application
    # and has none of a verify key's options.
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"properties": {"scope": {"const": "verify"}}},
                {
                    "properties": {
                        "scope": {"const": "admin"},
                        "allow_create_users": {"const": False},
                        "application": {"type": "null"},
                        "issuer": {"anyOf": [{"type": "null"}, {"maxLength": 0}]},
                        "may_enrol_any_user": {"const": False},
                    }
                },
            ]
        }
    )

    name: Name100
    scope: Scope
    allow_create_users: bool = False
    application: Name100 | None = Field(
        default=None,
        description='verify keys: the application\'s name (made when new; default "Default"); '
        "its users and external ids are its own",
    )
    issuer: Issuer | None = Field(
        default=None, description="sets the application's issuer (shown in authenticators)"
    )
    may_enrol_any_user: bool = Field(
        default=False,
        description="verify keys: may enrol and read any user (for example people who sign in "
        "with a password), not only its application's. Off by default: only grant it to an "
        "application that authenticates the user itself before enrolling them",
    )
