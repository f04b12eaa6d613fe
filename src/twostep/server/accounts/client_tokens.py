"""Sign-in tokens and access tokens of first-party clients (the sign-in API).

- ``begin_sign_in(user, stage, *, clock) -> tuple[SignInState, str]`` "password accepted" for
  5 minutes (stage ``code``) or 10 (``setup``); ``load_sign_in(text, *, clock, address=None)``
  the state for a token (``SignInExpiredError`` when unknown, used, expired, or the user's
  sessions were ended since); ``end_sign_in(state) -> bool`` uses it up (True once).
- ``issue_access_token(user, method, *, clock, address=None, user_agent="") -> tuple[AccessToken,
  str]``; ``authenticate_access_token(text, *, clock) -> AccessToken | None``: None once the
  token is 12 hours old or was not used for 30 minutes (the pages' limits, ``signin``);
  ``revoke_access_token(token)``.

All token texts are shown once; only digests are stored (:mod:`twostep.server.tokens`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

from django.db import transaction
from django.db.models import Q

from ..audit.services import Events, record
from ..clock import Clock
from ..errors import SignInExpiredError
from ..tokens import ACCESS, SIGN_IN, digest_matches, digest_of, generate_token, parse_token
from .models import AccessToken, SignInState, User
from .signin import IDLE_LIMIT, PENDING_LIFETIME, SESSION_LIMIT, SETUP_LIFETIME, TOUCH_EVERY

__all__ = [
    "ACCESS_LIFETIME",
    "authenticate_access_token",
    "begin_sign_in",
    "end_sign_in",
    "issue_access_token",
    "load_sign_in",
    "revoke_access_token",
    "set_sign_in_enrolment",
]

ACCESS_LIFETIME: Final = SESSION_LIMIT  # NIST AAL2 reauthentication, as the pages
_DUMMY_DIGEST: Final = digest_of("tsa_000000000000_" + "0" * 43)


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


def _expired(state: SignInState | None, *, clock: Clock, address: str | None) -> SignInExpiredError:
    if state is not None:
        SignInState.objects.filter(pk=state.pk).delete()
        record(
            Events.PENDING_EXPIRED,
            clock=clock,
            subject=state.user,
            address=address,
            stage=state.stage,
        )
    return SignInExpiredError()


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
    user: User,
    method: str,
    *,
    clock: Clock,
    address: str | None = None,
    user_agent: str = "",
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
            last_seen_at=now,
            user_agent=" ".join(user_agent.split())[:200],
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
    seen = token.last_seen_at or token.created_at
    if (
        now >= token.expires_at
        or now - seen > IDLE_LIMIT
        or not user.is_active
        or user.session_epoch != token.epoch
    ):
        AccessToken.objects.filter(pk=token.pk).delete()  # dead for good: tidy up
        return None
    if now - seen >= TOUCH_EVERY:
        # At most one write a minute per token; the condition keeps concurrent requests from
        # all writing.
        AccessToken.objects.filter(pk=token.pk).filter(
            Q(last_seen_at__isnull=True) | Q(last_seen_at__lte=now - TOUCH_EVERY)
        ).update(last_seen_at=now)
        token.last_seen_at = now
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
