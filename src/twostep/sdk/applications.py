"""Applications that sign their users in through twostep (OpenID Connect), for the admin scope:
what the API returns, each endpoint as a :class:`~._core.Call`, and the methods that
:class:`~.client.Client` and :class:`~.aio.AsyncClient` inherit from
:class:`ApplicationsMethods` and :class:`AsyncApplicationsMethods`.

Example::

    with Client("https://2fa.example.com", api_key=admin_key) as tw:
        made = tw.create_application(
            "Grafana",
            redirect_uris=["https://grafana.example.com/login/generic_oauth"],
            groups=["Ops"],
            require_second_factor=True,
        )
        store(made.client_id, made.client_secret)  # the secret is shown once
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from ._core import Call, nothing
from ._ops import UNSET, _given, _list, _Unset
from ._times import _dt

__all__ = [
    "Application",
    "ApplicationGrant",
    "ApplicationsMethods",
    "AsyncApplicationsMethods",
    "ClientSecret",
    "CreatedApplication",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Application:
    id: int
    name: str
    client_id: str | None
    public: bool | None
    first_party: bool | None
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]
    access: str  # all | selected
    groups: tuple[str, ...]
    roles: tuple[str, ...]
    require_second_factor: bool
    launch_url: str
    icon_url: str
    description: str
    created_at: datetime | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Application:
        return cls(
            id=int(data["id"]),
            name=data["name"],
            client_id=data.get("client_id"),
            public=data.get("public"),
            first_party=data.get("first_party"),
            redirect_uris=tuple(data.get("redirect_uris", ())),
            post_logout_redirect_uris=tuple(data.get("post_logout_redirect_uris", ())),
            access=data.get("access", "all"),
            groups=tuple(data.get("groups", ())),
            roles=tuple(data.get("roles", ())),
            require_second_factor=bool(data.get("require_second_factor")),
            launch_url=data.get("launch_url", ""),
            icon_url=data.get("icon_url", ""),
            description=data.get("description", ""),
            created_at=_dt(data.get("created_at")),
        )


@dataclass(frozen=True)
class CreatedApplication:
    application: Application
    client_id: str
    client_secret: str | None  # shown once; None for a public client

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CreatedApplication:
        return cls(Application.from_json(data), data["client_id"], data.get("client_secret"))

    def __repr__(self) -> str:  # never the secret
        return f"CreatedApplication(client_id={self.client_id!r})"


@dataclass(frozen=True)
class ClientSecret:
    client_id: str
    client_secret: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ClientSecret:
        return cls(data["client_id"], data["client_secret"])

    def __repr__(self) -> str:
        return f"ClientSecret(client_id={self.client_id!r})"


@dataclass(frozen=True)
class ApplicationGrant:
    user_id: int
    username: str
    scopes: tuple[str, ...]
    granted_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ApplicationGrant:
        return cls(
            user_id=int(data["user_id"]),
            username=data["username"],
            scopes=tuple(data.get("scopes", ())),
            granted_at=_dt(data.get("granted_at")),
            last_used_at=_dt(data.get("last_used_at")),
        )


# -- the calls ----------------------------------------------------------------------------------


def _path(application_id: int) -> str:
    return f"/admin/applications/{int(application_id)}"


def _optional(values: Iterable[str] | _Unset | None) -> list[str] | _Unset | None:
    if values is None or isinstance(values, _Unset):
        return values
    return list(values)


def list_applications() -> Call[tuple[Application, ...]]:
    return Call("GET", "/admin/applications", _list(Application.from_json))


def create_application(name: str, body: dict[str, Any]) -> Call[CreatedApplication]:
    payload = {"name": name, **{k: v for k, v in body.items() if v is not None}}
    return Call("POST", "/admin/applications", CreatedApplication.from_json, body=payload)


def get_application(application_id: int) -> Call[Application]:
    return Call("GET", _path(application_id), Application.from_json)


def update_application(application_id: int, changes: dict[str, Any]) -> Call[Application]:
    return Call("PATCH", _path(application_id), Application.from_json, body=_given(**changes))


def rotate_application_secret(application_id: int) -> Call[ClientSecret]:
    return Call("POST", _path(application_id) + "/secret", ClientSecret.from_json)


def delete_application(application_id: int) -> Call[None]:
    return Call("DELETE", _path(application_id), nothing)


def list_application_grants(application_id: int) -> Call[tuple[ApplicationGrant, ...]]:
    return Call("GET", _path(application_id) + "/grants", _list(ApplicationGrant.from_json))


def revoke_application_grant(application_id: int, user_id: int) -> Call[None]:
    return Call("DELETE", f"{_path(application_id)}/grants/{int(user_id)}", nothing)


def _create_body(  # noqa: PLR0917 - the create methods' keyword arguments, in order
    redirect_uris: Iterable[str],
    post_logout_redirect_uris: Iterable[str],
    public: bool,
    first_party: bool,
    groups: Iterable[str] | None,
    roles: Iterable[str] | None,
    require_second_factor: bool,
    launch_url: str,
    icon_url: str,
    description: str,
) -> dict[str, Any]:
    return {
        "redirect_uris": list(redirect_uris),
        "post_logout_redirect_uris": list(post_logout_redirect_uris),
        "public": public,
        "first_party": first_party,
        "groups": None if groups is None else list(groups),
        "roles": None if roles is None else list(roles),
        "require_second_factor": require_second_factor,
        "launch_url": launch_url,
        "icon_url": icon_url,
        "description": description,
    }


# -- the methods --------------------------------------------------------------------------------


class ApplicationsMethods:
    """The applications' methods of :class:`~.client.Client` (admin scope)."""

    def _call(self, call: Call[T]) -> T:  # pragma: no cover - the client's own
        raise NotImplementedError

    def list_applications(self) -> tuple[Application, ...]:
        return self._call(list_applications())

    def create_application(
        self,
        name: str,
        *,
        redirect_uris: Iterable[str],
        post_logout_redirect_uris: Iterable[str] = (),
        public: bool = False,
        first_party: bool = False,
        groups: Iterable[str] | None = None,
        roles: Iterable[str] | None = None,
        require_second_factor: bool = False,
        launch_url: str = "",
        icon_url: str = "",
        description: str = "",
    ) -> CreatedApplication:
        """Add an application; the answer holds its client secret, shown this once."""
        body = _create_body(
            redirect_uris,
            post_logout_redirect_uris,
            public,
            first_party,
            groups,
            roles,
            require_second_factor,
            launch_url,
            icon_url,
            description,
        )
        return self._call(create_application(name, body))

    def get_application(self, application_id: int) -> Application:
        return self._call(get_application(application_id))

    def update_application(
        self,
        application_id: int,
        *,
        name: str | _Unset = UNSET,
        redirect_uris: Iterable[str] | _Unset = UNSET,
        post_logout_redirect_uris: Iterable[str] | _Unset = UNSET,
        first_party: bool | _Unset = UNSET,
        access: str | _Unset = UNSET,
        groups: Iterable[str] | _Unset = UNSET,
        roles: Iterable[str] | _Unset = UNSET,
        require_second_factor: bool | _Unset = UNSET,
        launch_url: str | _Unset = UNSET,
        icon_url: str | _Unset = UNSET,
        description: str | _Unset = UNSET,
    ) -> Application:
        """Change what is given; ``groups``/``roles`` replace the lists (``access="all"``
        opens the application to every user again)."""
        changes = {
            "name": name,
            "redirect_uris": _optional(redirect_uris),
            "post_logout_redirect_uris": _optional(post_logout_redirect_uris),
            "first_party": first_party,
            "access": access,
            "groups": _optional(groups),
            "roles": _optional(roles),
            "require_second_factor": require_second_factor,
            "launch_url": launch_url,
            "icon_url": icon_url,
            "description": description,
        }
        return self._call(update_application(application_id, changes))

    def rotate_application_secret(self, application_id: int) -> ClientSecret:
        """A new client secret; the old one stops working at once."""
        return self._call(rotate_application_secret(application_id))

    def delete_application(self, application_id: int) -> None:
        return self._call(delete_application(application_id))

    def list_application_grants(self, application_id: int) -> tuple[ApplicationGrant, ...]:
        return self._call(list_application_grants(application_id))

    def revoke_application_grant(self, application_id: int, user_id: int) -> None:
        """End a user's grant: their consent is forgotten and their tokens revoked."""
        return self._call(revoke_application_grant(application_id, user_id))


class AsyncApplicationsMethods:
    """The same for :class:`~.aio.AsyncClient`."""

    async def _call(self, call: Call[T]) -> T:  # pragma: no cover - the client's own
        raise NotImplementedError

    async def list_applications(self) -> tuple[Application, ...]:
        return await self._call(list_applications())

    async def create_application(
        self,
        name: str,
        *,
        redirect_uris: Iterable[str],
        post_logout_redirect_uris: Iterable[str] = (),
        public: bool = False,
        first_party: bool = False,
        groups: Iterable[str] | None = None,
        roles: Iterable[str] | None = None,
        require_second_factor: bool = False,
        launch_url: str = "",
        icon_url: str = "",
        description: str = "",
    ) -> CreatedApplication:
        """Add an application; the answer holds its client secret, shown this once."""
        body = _create_body(
            redirect_uris,
            post_logout_redirect_uris,
            public,
            first_party,
            groups,
            roles,
            require_second_factor,
            launch_url,
            icon_url,
            description,
        )
        return await self._call(create_application(name, body))

    async def get_application(self, application_id: int) -> Application:
        return await self._call(get_application(application_id))

    async def update_application(
        self,
        application_id: int,
        *,
        name: str | _Unset = UNSET,
        redirect_uris: Iterable[str] | _Unset = UNSET,
        post_logout_redirect_uris: Iterable[str] | _Unset = UNSET,
        first_party: bool | _Unset = UNSET,
        access: str | _Unset = UNSET,
        groups: Iterable[str] | _Unset = UNSET,
        roles: Iterable[str] | _Unset = UNSET,
        require_second_factor: bool | _Unset = UNSET,
        launch_url: str | _Unset = UNSET,
        icon_url: str | _Unset = UNSET,
        description: str | _Unset = UNSET,
    ) -> Application:
        """Change what is given (see :meth:`ApplicationsMethods.update_application`)."""
        changes = {
            "name": name,
            "redirect_uris": _optional(redirect_uris),
            "post_logout_redirect_uris": _optional(post_logout_redirect_uris),
            "first_party": first_party,
            "access": access,
            "groups": _optional(groups),
            "roles": _optional(roles),
            "require_second_factor": require_second_factor,
            "launch_url": launch_url,
            "icon_url": icon_url,
            "description": description,
        }
        return await self._call(update_application(application_id, changes))

    async def rotate_application_secret(self, application_id: int) -> ClientSecret:
        """A new client secret; the old one stops working at once."""
        return await self._call(rotate_application_secret(application_id))

    async def delete_application(self, application_id: int) -> None:
        return await self._call(delete_application(application_id))

    async def list_application_grants(self, application_id: int) -> tuple[ApplicationGrant, ...]:
        return await self._call(list_application_grants(application_id))

    async def revoke_application_grant(self, application_id: int, user_id: int) -> None:
        """End a user's grant: their consent is forgotten and their tokens revoked."""
        return await self._call(revoke_application_grant(application_id, user_id))
