"""The OpenID Connect client of an application: made, changed, its secret rotated, deleted.

An application (``applications.Application``, what admins see) has at most one client. Redirect
URIs are matched exactly (no wildcards, no prefix): absolute ``https`` URIs, or ``http`` on a
loopback host (127.0.0.1, ::1, localhost) for local tools; no fragment. A public client (a
single-page or native app) has no secret and must use PKCE with S256; a confidential one gets a
secret, shown once and stored as its SHA-256 digest.

- ``create_client(application, *, redirect_uris, public=False, first_party=False,
  algorithm="RS256", post_logout_redirect_uris=(), clock, actor=None, address=None)
  -> NewClient`` (``.client``, ``.client_id``, ``.client_secret``: None for a public client);
- ``update_client(application, *, redirect_uris=None, post_logout_redirect_uris=None,
  first_party=None, algorithm=None, clock, actor=None, address=None) -> Client``;
- ``rotate_secret(application, *, clock, actor=None, address=None) -> str`` the new secret
  (the old one stops working at once; refused for a public client);
- ``delete_client(application, *, clock, actor=None, address=None) -> None`` its tokens,
  codes and consents go with it;
- ``client_for(application) -> Client | None``;
- ``secret_matches(provided, stored) -> bool`` (the token endpoint's check, constant time).

Errors: ``InvalidUserDataError`` (field ``redirect_uris``, ``algorithm``...), ``ConflictError``
(the application has a client already; or none).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from django.db import transaction
from oauth2_provider.models import AbstractApplication

from ..accounts.models import User
from ..applications.models import Application
from ..audit.services import record
from ..clock import Clock
from ..errors import ConflictError, InvalidUserDataError
from .events import OidcEvents
from .models import ALGORITHMS, RS256, Client

__all__ = [
    "NewClient",
    "client_for",
    "create_client",
    "delete_client",
    "rotate_secret",
    "secret_matches",
    "update_client",
]

SECRET_PREFIX: Final = "sha256:"  # noqa: S105 - a digest prefix
MAX_URIS: Final = 20


@dataclass(frozen=True)
class NewClient:
    client: Client
    client_secret: str | None  # shown once; None for a public client

    @property
    def client_id(self) -> str:
        return self.client.client_id

    def __repr__(self) -> str:
        return f"NewClient(client_id={self.client_id!r})"


def _digest(secret: str) -> str:
    return SECRET_PREFIX + hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(provided: str, stored: str) -> bool:
    if not stored.startswith(SECRET_PREFIX) or not provided:
        return False
    return hmac.compare_digest(_digest(provided), stored)


def _new_secret() -> tuple[str, str]:
    secret = secrets.token_urlsafe(48)
    return secret, _digest(secret)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_uris(uris: Iterable[str], field: str) -> str:
    checked = []
    for uri in uris:
        uri = uri.strip()
        parts = urlsplit(uri)
        if (
            not parts.netloc
            or parts.fragment
            or "#" in uri
            or any(c.isspace() for c in uri)
            or parts.scheme not in ("https", "http")
            or (parts.scheme == "http" and not _loopback(parts.hostname or ""))
        ):
            raise InvalidUserDataError(
                field,
                f"{uri!r} is not a redirect URI: give an absolute https:// URI without a "
                "fragment (http:// only on 127.0.0.1, ::1 or localhost).",
            )
        if uri not in checked:
            checked.append(uri)
    if len(checked) > MAX_URIS:
        raise InvalidUserDataError(field, f"At most {MAX_URIS} URIs.")
    return " ".join(checked)


def _check_algorithm(algorithm: str) -> str:
    if algorithm not in dict(ALGORITHMS):
        raise InvalidUserDataError(
            "algorithm", f"The ID token algorithm is one of {', '.join(dict(ALGORITHMS))}."
        )
    return algorithm


def _details(client: Client, application: Application) -> dict[str, object]:
    return {"application": application.name, "client_id": client.client_id}


def client_for(application: Application) -> Client | None:
    return Client.objects.filter(application=application).first()


def create_client(
    application: Application,
    *,
    redirect_uris: Iterable[str],
    public: bool = False,
    first_party: bool = False,
    algorithm: str = RS256,
    post_logout_redirect_uris: Iterable[str] = (),
    clock: Clock,
    actor: User | None = None,
    address: str | None = None,
) -> NewClient:
    uris = _check_uris(redirect_uris, "redirect_uris")
    if not uris:
        raise InvalidUserDataError("redirect_uris", "Give at least one redirect URI.")
    logout_uris = _check_uris(post_logout_redirect_uris, "post_logout_redirect_uris")
    _check_algorithm(algorithm)
    secret, digest = (None, "") if public else _new_secret()
    with transaction.atomic():
        if Client.objects.select_for_update().filter(application=application).exists():
            raise ConflictError(f"The application {application.name!r} has a client already.")
        client = Client.objects.create(
            application=application,
            name=application.name,
            redirect_uris=uris,
            post_logout_redirect_uris=logout_uris,
            client_type=AbstractApplication.CLIENT_PUBLIC
            if public
            else AbstractApplication.CLIENT_CONFIDENTIAL,
            authorization_grant_type=AbstractApplication.GRANT_AUTHORIZATION_CODE,
            client_secret=digest,
            hash_client_secret=False,  # our digest: django-oauth-toolkit must not hash again
            algorithm=algorithm,
            first_party=first_party,
            skip_authorization=False,
        )
        record(
            OidcEvents.CLIENT_CREATED,
            clock=clock,
            actor=actor,
            address=address,
            public=public,
            first_party=first_party,
            algorithm=algorithm,
            **_details(client, application),
        )
    return NewClient(client, secret)


def _locked(application: Application) -> Client:
    client = Client.objects.select_for_update().filter(application=application).first()
    if client is None:
        raise ConflictError(f"The application {application.name!r} has no OpenID Connect client.")
    return client


def update_client(
    application: Application,
    *,
    redirect_uris: Iterable[str] | None = None,
    post_logout_redirect_uris: Iterable[str] | None = None,
    first_party: bool | None = None,
    algorithm: str | None = None,
    clock: Clock,
    actor: User | None = None,
    address: str | None = None,
) -> Client:
    with transaction.atomic():
        client = _locked(application)
        changed = []
        if redirect_uris is not None:
            uris = _check_uris(redirect_uris, "redirect_uris")
            if not uris:
                raise InvalidUserDataError("redirect_uris", "Give at least one redirect URI.")
            client.redirect_uris = uris
            changed.append("redirect_uris")
        if post_logout_redirect_uris is not None:
            client.post_logout_redirect_uris = _check_uris(
                post_logout_redirect_uris, "post_logout_redirect_uris"
            )
            changed.append("post_logout_redirect_uris")
        if first_party is not None:
            client.first_party = first_party
            changed.append("first_party")
        if algorithm is not None:
            client.algorithm = _check_algorithm(algorithm)
            changed.append("algorithm")
        if client.name != application.name:
            client.name = application.name
            changed.append("name")
        if changed:
            client.save(update_fields=[*changed, "updated"])
            record(
                OidcEvents.CLIENT_UPDATED,
                clock=clock,
                actor=actor,
                address=address,
                changed=changed,
                **_details(client, application),
            )
    return client


def rotate_secret(
    application: Application,
    *,
    clock: Clock,
    actor: User | None = None,
    address: str | None = None,
) -> str:
    with transaction.atomic():
        client = _locked(application)
        if client.is_public:
            raise ConflictError("A public client has no secret (it uses PKCE).")
        secret, digest = _new_secret()
        client.client_secret = digest
        client.save(update_fields=["client_secret", "updated"])
        record(
            OidcEvents.SECRET_ROTATED,
            clock=clock,
            actor=actor,
            address=address,
            **_details(client, application),
        )
    return secret


def delete_client(
    application: Application,
    *,
    clock: Clock,
    actor: User | None = None,
    address: str | None = None,
) -> None:
    with transaction.atomic():
        client = _locked(application)
        details = _details(client, application)
        client.delete()  # codes, tokens, ID tokens and consents cascade
        record(OidcEvents.CLIENT_DELETED, clock=clock, actor=actor, address=address, **details)
