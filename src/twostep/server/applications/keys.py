"""API keys: made, listed, revoked and checked (DESIGN.md §4, the API).

Only SHA-256 digests are stored (see :mod:`twostep.server.tokens`); ``lookup`` is the public
part that finds the row. Checking a key is one indexed read and one hash; ``last_used_at`` is
written at most once a minute per key, whatever the request rate.

Functions: ``create_api_key(*, name, scope, allow_create_users=False, application=None,
issuer=None, may_enrol_any_user=False, actor=None, clock, address=None) -> (ApiKey, text)``
(the text is shown once; a verify key belongs to the application of that name, "Default"
when none is given, made when missing), ``list_api_keys``,
``get_api_key(key_id)``, ``revoke_api_key(key, *, actor, clock, address)``,
``authenticate_api_key(text, *, clock) -> ApiKey | None``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from django.db.models import Q, QuerySet

from ..accounts.models import User
from ..audit.services import ApiEvents, record
from ..clock import Clock
from ..errors import InvalidUserDataError
from ..rows import select_one
from ..tokens import API_KEY, digest_matches, digest_of, generate_token, parse_token
from .members import application_named
from .models import ApiKey, Application

__all__ = [
    "LAST_USED_RESOLUTION",
    "authenticate_api_key",
    "create_api_key",
    "get_api_key",
    "list_api_keys",
    "revoke_api_key",
]

LAST_USED_RESOLUTION: Final = timedelta(minutes=1)
_DUMMY_DIGEST: Final = digest_of("tsk_000000000000_" + "0" * 43)


# -- API keys ---------------------------------------------------------------------------------


def create_api_key(
    *,
    name: str,
    scope: str,
    allow_create_users: bool = False,
    application: str | None = None,
    issuer: str | None = None,
    may_enrol_any_user: bool = False,
    actor: User | None = None,
    clock: Clock,
    address: str | None = None,
) -> tuple[ApiKey, str]:
    name = " ".join(str(name or "").split())
    if not name or len(name) > 100:
        raise InvalidUserDataError("name", "Give the key a name of 1 to 100 characters.")
    if scope not in {ApiKey.VERIFY, ApiKey.ADMIN}:
        raise InvalidUserDataError("scope", "Choose the scope verify or admin.")
    if allow_create_users and scope != ApiKey.VERIFY:
        raise InvalidUserDataError(
            "allow_create_users", "Only verify keys have this option (admin keys can always)."
        )
    if scope != ApiKey.VERIFY and (application or issuer or may_enrol_any_user):
        raise InvalidUserDataError(
            "application", "Only verify keys belong to an application (admin keys reach all)."
        )
    app = None
    if scope == ApiKey.VERIFY:
        app = application_named(application or Application.DEFAULT_NAME, issuer, clock=clock)
    issued = generate_token(API_KEY)
    key = ApiKey.objects.create(
        application=app,
        may_enrol_any_user=bool(may_enrol_any_user),
        name=name,
        scope=scope,
        lookup=issued.lookup,
        digest=issued.digest,
        allow_create_users=bool(allow_create_users),
        created_by=actor if getattr(actor, "pk", None) else None,
        made_by_user=bool(getattr(actor, "pk", None)),
        created_at=clock(),
    )
    record(
        ApiEvents.KEY_CREATED,
        clock=clock,
        actor=actor,
        address=address,
        api_key_id=key.pk,
        name=name,
        scope=scope,
        allow_create_users=key.allow_create_users,
        application=app.name if app else None,
        may_enrol_any_user=key.may_enrol_any_user,
    )
    return key, issued.text


def list_api_keys(*, include_revoked: bool = True) -> QuerySet[ApiKey]:
    keys = ApiKey.objects.select_related("created_by", "application").order_by("-created_at", "-id")
    return keys if include_revoked else keys.filter(revoked_at__isnull=True)


def get_api_key(key_id: Any) -> ApiKey | None:
    try:
        return (
            ApiKey.objects.select_related("created_by", "application")
            .filter(pk=int(key_id))
            .first()
        )
    except (ValueError, TypeError, OverflowError):
        return None


def revoke_api_key(
    key: ApiKey, *, actor: User | None = None, clock: Clock, address: str | None = None
) -> bool:
    now = clock()
    done = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=now) == 1
    key.refresh_from_db(fields=["revoked_at"])
    if done:
        record(
            ApiEvents.KEY_REVOKED,
            clock=clock,
            actor=actor,
            address=address,
            api_key_id=key.pk,
            name=key.name,
            scope=key.scope,
        )
    return done


def authenticate_api_key(text: str, *, clock: Clock) -> ApiKey | None:
    parsed = parse_token(text)
    if parsed is None or parsed.kind != API_KEY:
        return None
    key = select_one(ApiKey, "{lookup} = %s", [parsed.lookup], related=("application",))
    if key is None:
        digest_matches(parsed.text, _DUMMY_DIGEST)  # the same work as for a known id
        return None
    if not digest_matches(parsed.text, key.digest) or key.revoked_at is not None:
        return None
    now = clock()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        # At most one write a minute per key, whatever the request rate; the condition keeps
        # concurrent requests of several processes from all writing.
        ApiKey.objects.filter(pk=key.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
        key.last_used_at = now
    return key
