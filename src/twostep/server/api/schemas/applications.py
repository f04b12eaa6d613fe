"""Bodies of the admin scope's applications (OpenID Connect relying parties)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, StringConstraints

from .common import _CLEAN, Body, Description, Name100, Name150, RoleKey

Uri = Annotated[str, StringConstraints(min_length=1, max_length=500), _CLEAN]
UrlOrEmpty = Annotated[str, StringConstraints(min_length=0, max_length=500), _CLEAN]
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
    launch_url: UrlOrEmpty = ""
    icon_url: UrlOrEmpty = ""
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
    launch_url: UrlOrEmpty | None = None
    icon_url: UrlOrEmpty | None = None
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
