"""An application's webhook subscriptions: made, listed, removed by an administrator.

The signing secret is made here, returned once (to show), and stored sealed (AES-256-GCM under
``TWOSTEP_SECRET_KEYS``, bound to the row); it is never logged nor shown again.

URLs: ``https`` only, except ``http`` to ``localhost``, ``127.0.0.1`` or ``::1`` (a receiver
on the same machine); ``TWOSTEP_WEBHOOKS_ALLOW_HTTP=1`` allows any ``http`` URL (tests, a
private network; the deliveries can then be read and changed on the way). A host written as an
address must be a public one (:mod:`.addresses`; names are checked when delivering,
``TWOSTEP_WEBHOOKS_ALLOW_PRIVATE=1`` allows private ones). No user or password
in the URL (it is shown in the console): the signature is the receiver's proof.

- ``create_subscription(*, application, url, events, organisation_users=False, actor, clock,
  address=None) -> (Subscription, secret)``;
- ``list_subscriptions(application=None)``, ``get_subscription(pk)``, ``deliveries(sub)``;
- ``delete_subscription(sub, *, actor, clock, address=None)`` (its delivery log goes with it);
- ``secret_of(sub) -> str`` the secret, for signing (the delivery worker only);
- ``check_url(url) -> str`` the URL, or ``InvalidUserDataError``;
- ``rotate_secrets() -> (re-encrypted, unreadable)`` re-seals every secret under the current
  key (``twostep rotate-keys``); ``unreadable`` names those no configured key opens.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from ..accounts.models import User
from ..applications.models import Application
from ..audit.services import record
from ..clock import Clock
from ..crypto import DecryptionError
from ..errors import InvalidUserDataError, NoSuchReferenceError
from ..mfa.keys import keyring
from .addresses import LOCAL_HOSTS, check_literal
from .events import EVENTS
from .models import Delivery, Subscription
from .signing import new_secret

__all__ = [
    "CREATED",
    "DELETED",
    "check_url",
    "create_subscription",
    "delete_subscription",
    "deliveries",
    "get_subscription",
    "list_subscriptions",
    "rotate_secrets",
    "secret_of",
]

CREATED = "webhook.created"
DELETED = "webhook.deleted"


def _http_allowed() -> bool:
    return bool(getattr(settings, "TWOSTEP_WEBHOOKS_ALLOW_HTTP", False))


def check_url(url: str) -> str:
    url = str(url or "").strip()
    if not url or len(url) > 2000 or any(c.isspace() or ord(c) < 32 for c in url):
        raise InvalidUserDataError("url", "Enter the receiver's URL (at most 2000 characters).")
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise InvalidUserDataError("url", "This is not a URL.") from None
    if parts.scheme not in {"https", "http"} or not host:
        raise InvalidUserDataError("url", "Use an https:// URL.")
    if parts.username is not None or parts.password is not None:
        raise InvalidUserDataError(
            "url", "Leave the user and password out of the URL: deliveries are signed."
        )
    if parts.fragment:
        raise InvalidUserDataError("url", "Leave out the #fragment.")
    if parts.scheme == "http" and host not in LOCAL_HOSTS and not _http_allowed():
        raise InvalidUserDataError(
            "url",
            "Use https:// (http:// only to localhost or 127.0.0.1): events about your users "
            "must not travel in clear text.",
        )
    check_literal(host)
    return url


def _events(events: Iterable[str]) -> list[str]:
    chosen = sorted({str(e) for e in events})
    unknown = [e for e in chosen if e not in EVENTS]
    if unknown:
        raise InvalidUserDataError(
            "events", f"Unknown event {unknown[0]!r}; choose from: {', '.join(EVENTS)}."
        )
    if not chosen:
        raise InvalidUserDataError("events", "Choose at least one event.")
    return chosen


def _application(name: str) -> Application:
    app = Application.objects.filter(name=" ".join(str(name or "").split())).first()
    if app is None:
        raise NoSuchReferenceError("application", "There is no application of that name.")
    return app


def create_subscription(
    *,
    application: str | Application,
    url: str,
    events: Iterable[str],
    organisation_users: bool = False,
    actor: User | None,
    clock: Clock,
    address: str | None = None,
) -> tuple[Subscription, str]:
    app = application if isinstance(application, Application) else _application(application)
    url = check_url(url)
    chosen = _events(events)
    secret = new_secret()
    with transaction.atomic():
        sub = Subscription.objects.create(
            application=app,
            url=url,
            events=chosen,
            organisation_users=bool(organisation_users),
            secret_sealed=b"",
            key_id="",
            created_by=actor if getattr(actor, "pk", None) else None,
            created_at=clock(),
        )
        sealed, key_id = keyring().seal(secret.encode("utf-8"), sub.aad())
        sub.secret_sealed, sub.key_id = sealed, key_id
        sub.save(update_fields=["secret_sealed", "key_id"])
        record(
            CREATED,
            clock=clock,
            actor=actor,
            address=address,
            webhook_id=sub.pk,
            application=app.name,
            url=url,
            events=chosen,
            organisation_users=sub.organisation_users,
        )
    return sub, secret


def secret_of(sub: Subscription) -> str:
    """Raises ``DecryptionError`` when no configured key opens it."""
    return keyring().open(bytes(sub.secret_sealed), sub.key_id, sub.aad()).decode("utf-8")


def list_subscriptions(application: Application | None = None) -> QuerySet[Subscription]:
    subs = Subscription.objects.select_related("application")
    return subs if application is None else subs.filter(application=application)


def get_subscription(pk: int) -> Subscription | None:
    return list_subscriptions().filter(pk=pk).first()


def deliveries(sub: Subscription, *, limit: int = 50) -> QuerySet[Delivery]:
    return sub.deliveries.order_by("-created_at", "-id")[:limit]


def delete_subscription(
    sub: Subscription, *, actor: User | None, clock: Clock, address: str | None = None
) -> None:
    with transaction.atomic():
        record(
            DELETED,
            clock=clock,
            actor=actor,
            address=address,
            webhook_id=sub.pk,
            application=sub.application.name,
            url=sub.url,
        )
        sub.delete()


def rotate_secrets() -> tuple[int, list[str]]:
    ring = keyring()
    done, unreadable = 0, []
    for sub in Subscription.objects.exclude(key_id=ring.current_key_id).iterator():
        try:
            raw = ring.open(bytes(sub.secret_sealed), sub.key_id, sub.aad())
        except DecryptionError:
            unreadable.append(f"webhook subscription {sub.pk} (application {sub.application_id})")
            continue
        sealed, key_id = ring.seal(raw, sub.aad())
        done += Subscription.objects.filter(pk=sub.pk, key_id=sub.key_id).update(
            secret_sealed=sealed, key_id=key_id
        )
    return done, unreadable
