"""Applications that sign their users in through twostep, as administrators manage them
(console, CLI and admin API): one function per action.

An application (``applications.Application``) carries its rules (:mod:`..applications.access`:
who may use it, a code required, the portal's launch URL, icon and description); its OpenID
Connect client (:mod:`..oidc.clients`: client id, secret, redirect URIs) is made, changed and
deleted with it in one transaction.

- ``create_application(data, ...)`` -> :class:`Created` (the client secret, shown once);
- ``update_application(application, data, ...)`` -> the application (partial ``data``);
- ``rotate_secret(application, ...)`` -> the new client secret (the old one stops at once);
- ``delete_application(application, ...)``: its client, tokens and consents go with it;
  refused while API keys (the verify API) belong to it;
- ``revoke_grant(application, user, ...)`` -> bool: an administrator ends one user's grant;
- ``disconnect(user, application, ...)`` -> bool: a user ends their own grant;
- ``find_application(ref)`` (id, name or client id), ``list_applications()``,
  ``facts(application)`` (plain data: the API, ``--json``), ``grants_for(application)``,
  ``grants_of(user)``: reading, for display.

``data`` keys: ``name``, ``redirect_uris``, ``post_logout_redirect_uris``, ``public``,
``first_party``, ``access`` (``all``/``selected``), ``groups``, ``roles`` (names),
``require_second_factor``, ``launch_url``, ``icon_url``, ``description``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from ..accounts.models import User
from ..applications import access
from ..applications.models import Application
from ..audit.services import AppEvents, record
from ..clock import Clock
from ..errors import ActionRefusedError, ConflictError, InvalidUserDataError, NameTakenError
from ..oidc import clients, grants
from ..oidc.grants import ConnectedApplication

__all__ = [
    "ConnectedApplication",
    "Created",
    "create_application",
    "delete_application",
    "disconnect",
    "facts",
    "find_application",
    "grants_for",
    "grants_of",
    "list_applications",
    "revoke_grant",
    "rotate_secret",
    "update_application",
]

RULES = (
    "access",
    "groups",
    "roles",
    "require_second_factor",
    "launch_url",
    "icon_url",
    "description",
)


@dataclass(frozen=True)
class Created:
    application: Application
    client_id: str
    client_secret: str | None  # None for a public client

    def __repr__(self) -> str:  # never the secret
        return f"Created(application={self.application.name!r}, client_id={self.client_id!r})"


def _name(value: Any) -> str:
    name = " ".join(str(value or "").split())
    if not name or len(name) > 100:
        raise InvalidUserDataError("name", "Give the application a name of 1 to 100 characters.")
    return name


def _rules(data: Mapping[str, Any]) -> access.Rules:
    return access.clean_rules(**{key: data[key] for key in RULES if data.get(key) is not None})


def _uris(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.split()
    return [str(uri) for uri in value]


def find_application(ref: Any) -> Application | None:
    """The application with that id, name or OpenID Connect client id."""
    text = str(ref or "").strip()
    if not text:
        return None
    found = Application.objects.filter(name=text).first()
    if found is None and text.isdigit():
        found = Application.objects.filter(pk=int(text)).first()
    if found is None:
        found = Application.objects.filter(oidc_client__client_id=text).first()
    return found


def list_applications() -> list[Application]:
    return list(
        Application.objects.select_related("oidc_client").prefetch_related("groups", "roles")
    )


def facts(application: Application) -> dict[str, Any]:
    """Everything an administrator may read about an application (never a secret)."""
    client = clients.client_for(application)
    return {
        "id": application.pk,
        "name": application.name,
        "client_id": client.client_id if client else None,
        "public": client.is_public if client else None,
        "first_party": client.first_party if client else None,
        "redirect_uris": client.redirect_uris.split() if client else [],
        "post_logout_redirect_uris": (client.post_logout_redirect_uris or "").split()
        if client
        else [],
        **access.describe(application),
        "created_at": application.created_at.isoformat(),
    }


def create_application(
    data: Mapping[str, Any], *, actor: User | None, clock: Clock, address: str | None = None
) -> Created:
    name = _name(data.get("name"))
    rules = _rules(data)
    try:
        with transaction.atomic():
            application = Application.objects.create(name=name, created_at=clock())
            access.apply_rules(application, rules)
            new = clients.create_client(
                application,
                redirect_uris=_uris(data.get("redirect_uris")) or [],
                post_logout_redirect_uris=_uris(data.get("post_logout_redirect_uris")) or [],
                public=bool(data.get("public")),
                first_party=bool(data.get("first_party")),
                clock=clock,
                actor=actor,
                address=address,
            )
            record(
                AppEvents.CREATED,
                clock=clock,
                actor=actor,
                address=address,
                application=name,
                client_id=new.client_id,
                **access.describe(application),
            )
    except IntegrityError:
        raise NameTakenError("name", f"There is an application named {name!r} already.") from None
    return Created(application, new.client_id, new.client_secret)


def update_application(
    application: Application,
    data: Mapping[str, Any],
    *,
    actor: User | None,
    clock: Clock,
    address: str | None = None,
) -> Application:
    rules = _rules(data)
    changed = list(rules.changed)
    try:
        with transaction.atomic():
            locked = Application.objects.select_for_update().filter(pk=application.pk).first()
            if locked is None:
                raise ConflictError("The application was deleted meanwhile.")
            if data.get("name") is not None and _name(data["name"]) != locked.name:
                locked.name = _name(data["name"])
                locked.save(update_fields=["name"])
                changed.append("name")
            access.apply_rules(locked, rules)
            redirect_uris = _uris(data.get("redirect_uris"))
            logout_uris = _uris(data.get("post_logout_redirect_uris"))
            first_party = data.get("first_party")
            client_fields = {
                "redirect_uris": redirect_uris,
                "post_logout_redirect_uris": logout_uris,
                "first_party": first_party,
            }
            if clients.client_for(locked) is not None:
                clients.update_client(
                    locked,
                    redirect_uris=redirect_uris,
                    post_logout_redirect_uris=logout_uris,
                    first_party=None if first_party is None else bool(first_party),
                    clock=clock,
                    actor=actor,
                    address=address,
                )
            changed += [key for key, value in client_fields.items() if value is not None]
            if changed:
                record(
                    AppEvents.UPDATED,
                    clock=clock,
                    actor=actor,
                    address=address,
                    application=locked.name,
                    changed=sorted(set(changed)),
                    **access.describe(locked),
                )
    except IntegrityError:
        raise NameTakenError("name", "There is an application with that name already.") from None
    return locked


def rotate_secret(
    application: Application, *, actor: User | None, clock: Clock, address: str | None = None
) -> str:
    return clients.rotate_secret(application, clock=clock, actor=actor, address=address)


def delete_application(
    application: Application, *, actor: User | None, clock: Clock, address: str | None = None
) -> None:
    with transaction.atomic():
        locked = Application.objects.select_for_update().filter(pk=application.pk).first()
        if locked is None:
            raise ConflictError("The application was deleted meanwhile.")
        if locked.api_keys.exists():
            raise ActionRefusedError(
                f"The application {locked.name!r} has API keys (the verify API): it stays. "
                "Change its rules instead, or revoke its keys and keep it."
            )
        if clients.client_for(locked) is not None:
            clients.delete_client(locked, clock=clock, actor=actor, address=address)
        record(
            AppEvents.DELETED, clock=clock, actor=actor, address=address, application=locked.name
        )
        locked.delete()


def grants_for(application: Application) -> list[ConnectedApplication]:
    return grants.grants_for(application)


def grants_of(user: User) -> list[ConnectedApplication]:
    return grants.grants_of(user)


def revoke_grant(
    application: Application,
    user: User,
    *,
    actor: User | None,
    clock: Clock,
    address: str | None = None,
) -> bool:
    """An administrator ends ``user``'s grant to ``application`` (consent and tokens)."""
    return grants.revoke_grant(user, application, clock=clock, actor=actor, address=address)


def disconnect(
    user: User, application_id: Any, *, clock: Clock, address: str | None = None
) -> bool:
    """``user`` ends their own grant to the application with that id (False: none there)."""
    try:
        application = Application.objects.filter(pk=int(application_id)).first()
    except (TypeError, ValueError, OverflowError):
        application = None
    if application is None:
        return False
    return grants.revoke_grant(user, application, clock=clock, actor=user, address=address)
