"""Connected applications: what a user allowed, listed and revoked (by the user or an admin).

A grant is everything one user gave one client: the consent and the live tokens.

- ``grants_of(user) -> list[ConnectedApplication]`` the user's connected applications;
- ``grants_for(application) -> list[ConnectedApplication]`` an application's users (admins);
- ``revoke_grant(user, application, *, clock, actor=None, address=None) -> bool`` forgets the
  consent and revokes every refresh token, access token, ID token and pending code of that
  user for that application (False when there was nothing to revoke);
- ``revoke_tokens(user, client) -> int`` the token part alone (the provider calls it when a
  code or a refresh token is replayed);
- ``revoke_all_tokens(user) -> int`` the token part for every client: the use cases that end
  a user's twostep sessions call it (sign out everywhere, a new password, deactivation, a
  lockout, an admin's 2FA reset), so an application's tokens die with the sessions. Consents
  stay: the next sign-in through twostep gives new tokens without asking again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Max
from oauth2_provider.models import AccessToken, Grant, IDToken, RefreshToken

from ..accounts.models import User
from ..applications.models import Application
from ..audit.services import record
from ..clock import Clock
from .events import OidcEvents
from .models import Client, Consent

__all__ = [
    "ConnectedApplication",
    "grants_for",
    "grants_of",
    "revoke_all_tokens",
    "revoke_grant",
    "revoke_tokens",
]


@dataclass(frozen=True)
class ConnectedApplication:
    application: Application
    user: User
    client_id: str
    scopes: tuple[str, ...]
    granted_at: datetime | None  # None: a first-party application (no consent asked)
    last_used_at: datetime | None


def _connected(user_ids: set[int], clients: list[Client]) -> list[ConnectedApplication]:
    consents = {
        (c.user_id, c.client_id): c
        for c in Consent.objects.filter(user_id__in=user_ids, client__in=clients)
    }
    live = {
        (row["user_id"], row["application_id"]): row["last"]
        for row in RefreshToken.objects.filter(
            user_id__in=user_ids, application__in=clients, revoked__isnull=True
        )
        .values("user_id", "application_id")
        .annotate(last=Max("created"))
    }
    for row in (
        AccessToken.objects.filter(user_id__in=user_ids, application__in=clients)
        .values("user_id", "application_id")
        .annotate(last=Max("created"))
    ):
        key = (row["user_id"], row["application_id"])
        live[key] = max(live.get(key) or row["last"], row["last"])
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids)}
    out = []
    by_id = {c.pk: c for c in clients}
    for key in sorted(set(consents) | set(live)):
        user_id, client_id = key
        client = by_id[client_id]
        consent = consents.get(key)
        out.append(
            ConnectedApplication(
                application=client.application,
                user=users[user_id],
                client_id=client.client_id,
                scopes=tuple(consent.scopes.split()) if consent else (),
                granted_at=consent.created_at if consent else None,
                last_used_at=max(
                    [t for t in (live.get(key), consent.last_used_at if consent else None) if t],
                    default=None,
                ),
            )
        )
    return sorted(out, key=lambda c: (c.application.name, c.user.username))


def grants_of(user: User) -> list[ConnectedApplication]:
    return _connected({user.pk}, list(Client.objects.select_related("application")))


def grants_for(application: Application) -> list[ConnectedApplication]:
    clients = list(Client.objects.select_related("application").filter(application=application))
    user_ids = set(
        Consent.objects.filter(client__in=clients).values_list("user_id", flat=True)
    ) | set(
        RefreshToken.objects.filter(application__in=clients, revoked__isnull=True).values_list(
            "user_id", flat=True
        )
    )
    return _connected(user_ids, clients)


def revoke_tokens(user: User | int, client: Client) -> int:
    """Revoke every token and code of one user for one client; returns how many went."""
    user_id = user if isinstance(user, int) else user.pk
    with transaction.atomic():
        refresh = RefreshToken.objects.filter(
            user_id=user_id, application=client, revoked__isnull=True
        )
        families = set(refresh.values_list("token_family", flat=True))
        count = 0
        for family in families - {None}:
            RefreshToken.revoke_family(family)
            count += 1
        for token in refresh:  # tokens without a family
            token.revoke()
            count += 1
        count += AccessToken.objects.filter(user_id=user_id, application=client).delete()[0]
        count += IDToken.objects.filter(user_id=user_id, application=client).delete()[0]
        count += Grant.objects.filter(user_id=user_id, application=client).delete()[0]
    return int(count)


def revoke_all_tokens(user: User) -> int:
    """Revoke every token and code of one user, for every client; returns how many went."""
    client_ids: set[int] = set()
    for model in (RefreshToken, AccessToken, IDToken, Grant):
        client_ids.update(
            model.objects.filter(user_id=user.pk).values_list("application_id", flat=True)
        )
    count = 0
    with transaction.atomic():
        for client in Client.objects.filter(pk__in=client_ids - {None}):
            count += revoke_tokens(user, client)
    return count


def revoke_grant(
    user: User,
    application: Application,
    *,
    clock: Clock,
    actor: User | None = None,
    address: str | None = None,
) -> bool:
    client = Client.objects.filter(application=application).first()
    if client is None:
        return False
    with transaction.atomic():
        consents = Consent.objects.filter(user=user, client=client).delete()[0]
        tokens = revoke_tokens(user, client)
        if consents or tokens:
            record(
                OidcEvents.GRANT_REVOKED,
                clock=clock,
                actor=actor or user,
                subject=user,
                address=address,
                application=application.name,
                client_id=client.client_id,
            )
    return bool(consents or tokens)
