"""Bodies of the admin scope's applications (OpenID Connect relying parties)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, StringConstraints

from .common import _CLEAN, Body, Description, Name100, Name150, RoleKey

# What oidc.clients and applications.access accept, said in the document (stricter where a
# pattern cannot say more: ports stop at 9999, hosts are ASCII names or the loopback addresses).
_HOST = r"[A-Za-z0-9.-]+(:[1-9][0-9]{0,3})?"
_LOOPBACK = r"(localhost|127\.0\.0\.1|\[::1\])(:[1-9][0-9]{0,3})?"
#: a redirect URI: https://, or http:// on this machine; no fragment
_REDIRECT = rf"^(https://{_HOST}|http://{_LOOPBACK})([/?][!-\"$-~]*)?$"
Uri = Annotated[
    str,
    StringConstraints(min_length=1, max_length=500),
    _CLEAN,
    Field(json_schema_extra={"pattern": _REDIRECT}),
]
#: the portal's launch link (http or https) and icon (https: the pages' CSP), or empty
LaunchUrl = Annotated[
    str,
    StringConstraints(min_length=0, max_length=500),
    _CLEAN,
    Field(json_schema_extra={"pattern": rf"^(https?://{_HOST}([/?#][!-~]*)?)?$"}),
]
IconUrl = Annotated[
    str,
    StringConstraints(min_length=0, max_length=500),
    _CLEAN,
    Field(json_schema_extra={"pattern": rf"^(https://{_HOST}([/?#][!-~]*)?)?$"}),
]
Uris = Annotated[list[Uri], Field(max_length=20)]
Access = Literal["all", "selected"]


class ApplicationOut(Schema):
    id: int
    name: str
    client_id: str | None
    public: bool | None
    first_party: bool | None
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    access: Access
    groups: list[str]
    roles: list[str]
    require_second_factor: bool
    launch_url: str
    icon_url: str
    description: str
    created_at: datetime


class ApplicationCreatedOut(ApplicationOut):
    client_secret: str | None = Field(
        description="shown once (null for a public client); only its digest is stored"
    )


class ApplicationIn(Body):
    name: Name100
    redirect_uris: Annotated[list[Uri], Field(min_length=1, max_length=20)]
    post_logout_redirect_uris: Uris = Field(default_factory=list)
    public: bool = False
    first_party: bool = False
    access: Access | None = None
    groups: Annotated[list[Name150], Field(max_length=100)] | None = None
    roles: Annotated[list[RoleKey], Field(max_length=100)] | None = None
    require_second_factor: bool = False
    launch_url: LaunchUrl = ""
    icon_url: IconUrl = ""
    description: Description = ""


class ApplicationPatchIn(Body):
    name: Name100 | None = None
    redirect_uris: Annotated[list[Uri], Field(min_length=1, max_length=20)] | None = None
    post_logout_redirect_uris: Uris | None = None
    first_party: bool | None = None
    access: Access | None = None
    groups: Annotated[list[Name150], Field(max_length=100)] | None = None
    roles: Annotated[list[RoleKey], Field(max_length=100)] | None = None
    require_second_factor: bool | None = None
    launch_url: LaunchUrl | None = None
    icon_url: IconUrl | None = None
    description: Description | None = None


class SecretOut(Schema):
    client_id: str
    client_secret: str


class GrantOut(Schema):
    user_id: int
    username: str
    scopes: list[str]
    granted_at: datetime | None
    last_used_at: datetime | None
