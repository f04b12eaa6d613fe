"""API keys, sign-in tokens and access tokens: make, find, check, revoke. Shared by the API, its
CLI (``twostep apikeys``) and the admin console.

API keys (for the console's page too):

- ``create_api_key(*, name, scope, allow_create_users=False, actor=None, clock, address=None)
  -> tuple[ApiKey, str]`` the row and the key text, which is shown once and never stored;
- ``list_api_keys(*, include_revoked=True) -> QuerySet[ApiKey]`` newest first;
- ``get_api_key(key_id) -> ApiKey | None``;
- ``revoke_api_key(key, *, actor=None, clock, address=None) -> bool`` (False: already revoked);
  takes effect on the next request, in every process;
- ``authenticate_api_key(text, *, clock) -> ApiKey | None`` the key for an ``Authorization``
  token, or None (unknown, malformed, revoked); records ``last_used_at`` at most once a minute.

Sign-in of first-party clients (see :mod:`twostep.server.accounts.signin` for the flow):

- ``begin_sign_in(user, stage, *, clock) -> tuple[SignInState, str]`` "password accepted" for
  5 minutes (stage ``code``) or 10 (``setup``); ``load_sign_in(text, *, clock, address=None)``
  the state for a token (``ApiError("signin_expired")`` when unknown, used, expired, or the
  user's sessions were ended since); ``end_sign_in(state) -> bool`` uses it up (True once).
- ``issue_access_token(user, method, *, clock, address=None) -> tuple[AccessToken, str]``;
  ``authenticate_access_token(text, *, clock) -> AccessToken | None``;
  ``revoke_access_token(token)``.

All token texts are shown once; only digests are stored (:mod:`.tokens`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

from django.db import transaction
from django.db.models import Q, QuerySet

from ..accounts.models import User
from ..accounts.signin import PENDING_LIFETIME, SETUP_LIFETIME
from ..audit.services import Events, record
from ..clock import Clock
from ..errors import InvalidUserDataError
from ..rows import select_one
from .errors import ApiError
from .models import AccessToken, ApiKey, SignInState
from .tokens import (
    ACCESS,
    API_KEY,
    SIGN_IN,
    digest_matches,
    digest_of,
    generate_token,
    parse_token,
)

__all__ = [
    "ACCESS_LIFETIME",
    "LAST_USED_RESOLUTION",
    "ApiEvents",
    "authenticate_access_token",
    "authenticate_api_key",
    "begin_sign_in",
    "create_api_key",
    "end_sign_in",
    "get_api_key",
    "issue_access_token",
    "list_api_keys",
    "load_sign_in",
    "revoke_access_token",
    "revoke_api_key",
]

ACCESS_LIFETIME: Final = timedelta(hours=12)  # NIST AAL2 reauthentication, as the pages
LAST_USED_RESOLUTION: Final = timedelta(minutes=1)
_DUMMY_DIGEST: Final = digest_of("tsk_000000000000_" + "0" * 43)


class ApiEvents:
    KEY_CREATED = "api.key_created"
    KEY_REVOKED = "api.key_revoked"


# -- API keys ---------------------------------------------------------------------------------


def create_api_key(
    *,
    name: str,
    scope: str,
    allow_create_users: bool = False,
    actor: Any = None,
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
    issued = generate_token(API_KEY)
    key = ApiKey.objects.create(
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
    )
    return key, issued.text


def list_api_keys(*, include_revoked: bool = True) -> QuerySet[ApiKey]:
    keys = ApiKey.objects.select_related("created_by").order_by("-created_at", "-id")
    return keys if include_revoked else keys.filter(revoked_at__isnull=True)


def get_api_key(key_id: Any) -> ApiKey | None:
    try:
        return ApiKey.objects.select_related("created_by").filter(pk=int(key_id)).first()
    except (ValueError, TypeError, OverflowError):
        return None


def revoke_api_key(
    key: ApiKey, *, actor: Any = None, clock: Clock, address: str | None = None
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
    key = select_one(ApiKey, "{lookup} = %s", [parsed.lookup])
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


# -- sign-in of first-party clients -------------------------------------------------------------


def begin_sign_in(user: User, stage: str, *, clock: Clock) -> tuple[SignInState, str]:
    now = clock()
    lifetime = PENDING_LIFETIME if stage == SignInState.CODE else SETUP_LIFETIME
    issued = generate_token(SIGN_IN)
    SignInState.objects.filter(expires_at__lte=now).delete()  # tidy up (indexed)
    state = SignInState.objects.create(
        lookup=issued.lookup,
        digest=issued.digest,
        user=user,
        stage=stage,
        epoch=user.session_epoch,
        created_at=now,
        expires_at=now + lifetime,
    )
    return state, issued.text


def _expired(state: SignInState | None, *, clock: Clock, address: str | None) -> ApiError:
    if state is not None:
        SignInState.objects.filter(pk=state.pk).delete()
        record(
            Events.PENDING_EXPIRED,
            clock=clock,
            subject=state.user,
            address=address,
            stage=state.stage,
        )
    return ApiError(
        "signin_expired",
        "This sign-in has expired (the code must follow the password within 5 minutes) or "
        "was already used. Sign in again with the password.",
    )


def load_sign_in(text: str, *, clock: Clock, address: str | None = None) -> SignInState:
    parsed = parse_token(text)
    if parsed is None or parsed.kind != SIGN_IN:
        raise _expired(None, clock=clock, address=address)
    state = (
        SignInState.objects.select_related("user", "user__role")
        .filter(lookup=parsed.lookup)
        .first()
    )
    if state is None or not digest_matches(parsed.text, state.digest):
        raise _expired(None, clock=clock, address=address)
    now = clock()
    user = state.user
    if (
        not state.created_at - timedelta(minutes=1) <= now < state.expires_at
        or not user.is_active
        or user.session_epoch != state.epoch
    ):
        raise _expired(state, clock=clock, address=address)
    return state


def end_sign_in(state: SignInState) -> bool:
    """Use the sign-in token up; True for exactly one of any concurrent callers."""
    return SignInState.objects.filter(pk=state.pk).delete()[0] == 1


def set_sign_in_enrolment(state: SignInState, enrolment_id: Any) -> None:
    state.enrolment_id = enrolment_id
    SignInState.objects.filter(pk=state.pk).update(enrolment_id=enrolment_id)


def issue_access_token(
    user: User, method: str, *, clock: Clock, address: str | None = None
) -> tuple[AccessToken, str]:
    now = clock()
    issued = generate_token(ACCESS)
    with transaction.atomic():
        AccessToken.objects.filter(expires_at__lte=now).delete()  # tidy up (indexed)
        token = AccessToken.objects.create(
            lookup=issued.lookup,
            digest=issued.digest,
            user=user,
            epoch=user.session_epoch,
            method=method[:16],
            created_at=now,
            expires_at=now + ACCESS_LIFETIME,
            verified_at=now if method != "password" else None,
            address=address,
        )
    return token, issued.text


def authenticate_access_token(text: str, *, clock: Clock) -> AccessToken | None:
    parsed = parse_token(text)
    if parsed is None or parsed.kind != ACCESS:
        return None
    token = (
        AccessToken.objects.select_related("user", "user__role")
        .filter(lookup=parsed.lookup)
        .first()
    )
    if token is None:
        digest_matches(parsed.text, _DUMMY_DIGEST)
        return None
    if not digest_matches(parsed.text, token.digest):
        return None
    now: datetime = clock()
    user = token.user
    if now >= token.expires_at or not user.is_active or user.session_epoch != token.epoch:
        AccessToken.objects.filter(pk=token.pk).delete()  # dead for good: tidy up
        return None
    return token


def revoke_access_token(token: AccessToken, *, clock: Clock, address: str | None = None) -> None:
    AccessToken.objects.filter(pk=token.pk).delete()
    record(
        Events.SIGNED_OUT,
        clock=clock,
        actor=token.user,
        subject=token.user,
        address=address,
        via="api",
    )
