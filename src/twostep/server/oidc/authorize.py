"""The authorize endpoint's decisions: sign in (again), a code, refuse, consent, or issue.

The view gathers the facts (the signed-in user, how and when they signed in, the request's
``prompt``, ``max_age``, ``acr_values``, ``id_token_hint``) and acts on the :class:`Outcome`;
every rule is here.

An ``id_token_hint`` that does not name the signed-in user (another user, or a token our keys
did not sign, or not our issuer) never gets a code for the signed-in user (OIDC Core 3.1.2.1):
``login_required`` for ``prompt=none``, else sign in again; when the new sign-in still is not
the hinted user, ``login_required``.

- ``decide(client, request, session, *, scopes, clock) -> Outcome``;
- ``give_consent(user, client, scopes, *, clock, address=None)`` / ``deny(user, client, *,
  clock, address=None, reason)`` (recorded);
- ``record_code(user, client, code, amr, auth_time, *, clock, address=None)`` remembers how
  the user signed in for this code (the ID token's ``amr``, ``acr``, ``auth_time``).
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import transaction
from oauth2_provider.settings import oauth2_settings

from ..accounts.models import User
from ..applications.access import may_use, requires_second_factor
from ..audit.services import record
from ..clock import Clock
from ..mfa.devices import is_enrolled
from . import claims, keys
from .events import OidcEvents
from .models import Authentication, Client, Consent

__all__ = [
    "AuthorizeRequest",
    "Outcome",
    "SessionFacts",
    "decide",
    "deny",
    "give_consent",
    "record_code",
]


class Outcome(enum.Enum):
    SIGN_IN = "sign_in"  # not signed in: the sign-in pages, then back
    SIGN_IN_AGAIN = "sign_in_again"  # prompt=login or max_age passed: sign out, sign in
    STEP_UP = "step_up"  # signed in with the password only, two factors wanted: a code
    REFUSED = "refused"  # may not use this application: a page
    NEEDS_SETUP = "needs_setup"  # the application requires 2FA, the user has none: a page
    UNMET = "unmet_authentication_requirements"  # acr_values asked 2FA, the user has none
    LOGIN_REQUIRED = "login_required"  # prompt=none errors (OIDC Core 3.1.2.6)
    INTERACTION_REQUIRED = "interaction_required"
    CONSENT_REQUIRED = "consent_required"
    ACCESS_DENIED = "access_denied"
    ASK_CONSENT = "ask_consent"
    ISSUE = "issue"


#: The outcomes that go back to the client as an error in the redirect.
ERRORS = frozenset(
    {
        Outcome.UNMET,
        Outcome.LOGIN_REQUIRED,
        Outcome.INTERACTION_REQUIRED,
        Outcome.CONSENT_REQUIRED,
        Outcome.ACCESS_DENIED,
    }
)


@dataclass(frozen=True)
class AuthorizeRequest:
    prompt: frozenset[str] = frozenset()
    max_age: int | None = None
    acr_values: str | None = None
    id_token_hint: str | None = None

    @classmethod
    def parse(
        cls,
        prompt: str | None,
        max_age: str | None,
        acr_values: str | None,
        id_token_hint: str | None = None,
    ) -> AuthorizeRequest:
        age = None
        if max_age is not None and max_age.strip().isdigit():
            age = int(max_age.strip())
        return cls(frozenset((prompt or "").split()), age, acr_values, id_token_hint or None)


@dataclass(frozen=True)
class SessionFacts:
    user: User | None
    amr: list[str] = field(default_factory=list)
    auth_time: float | None = None
    #: when this request forced a new sign-in: a sign-in since then satisfies prompt=login
    #: and max_age (max_age=0 would otherwise loop)
    fresh_after: float | None = None


def _fresh(session: SessionFacts) -> bool:
    return (
        session.fresh_after is not None
        and session.auth_time is not None
        and session.auth_time >= session.fresh_after
    )


def _hint_names(hint: str, user: User, *, clock: Clock) -> bool:
    """The hint is an ID token of ours (our key, our issuer) about ``user``."""
    found = keys.verified_claims(hint, clock=clock)
    return (
        found is not None
        and found.get("iss") == oauth2_settings.OIDC_ISS_ENDPOINT
        and found.get("sub") == claims.subject_for(user)
    )


def decide(
    client: Client,
    request: AuthorizeRequest,
    session: SessionFacts,
    *,
    scopes: list[str],
    clock: Clock,
) -> Outcome:
    silent = "none" in request.prompt
    user = session.user
    if user is None or session.auth_time is None:
        return Outcome.LOGIN_REQUIRED if silent else Outcome.SIGN_IN
    if request.id_token_hint is not None and not _hint_names(
        request.id_token_hint, user, clock=clock
    ):
        return Outcome.LOGIN_REQUIRED if silent or _fresh(session) else Outcome.SIGN_IN_AGAIN
    if not _fresh(session):
        too_old = (
            request.max_age is not None
            and clock().timestamp() - session.auth_time > request.max_age
        )
        if "login" in request.prompt or too_old:
            return Outcome.LOGIN_REQUIRED if silent else Outcome.SIGN_IN_AGAIN
    if not may_use(client.application, user):
        return Outcome.ACCESS_DENIED if silent else Outcome.REFUSED
    app_rule = requires_second_factor(client.application)
    if (app_rule or claims.wants_two_factors(request.acr_values)) and not claims.two_factors(
        session.amr
    ):
        if is_enrolled(user):
            return Outcome.INTERACTION_REQUIRED if silent else Outcome.STEP_UP
        if app_rule and not silent:
            return Outcome.NEEDS_SETUP
        return Outcome.UNMET
    if client.first_party and "consent" not in request.prompt:
        return Outcome.ISSUE
    consent = Consent.objects.filter(user=user, client=client).first()
    if (
        consent is not None
        and set(scopes) <= set(consent.scopes.split())
        and "consent" not in request.prompt
    ):
        return Outcome.ISSUE
    return Outcome.CONSENT_REQUIRED if silent else Outcome.ASK_CONSENT


def _details(client: Client) -> dict[str, str]:
    return {"application": client.name, "client_id": client.client_id}


def give_consent(
    user: User, client: Client, scopes: list[str], *, clock: Clock, address: str | None = None
) -> None:
    now = clock()
    with transaction.atomic():
        consent, made = Consent.objects.select_for_update().get_or_create(
            user=user,
            client=client,
            defaults={"scopes": " ".join(sorted(scopes)), "created_at": now, "last_used_at": now},
        )
        if not made:
            consent.scopes = " ".join(sorted(set(consent.scopes.split()) | set(scopes)))
            consent.last_used_at = now
            consent.save(update_fields=["scopes", "last_used_at"])
        record(
            OidcEvents.CONSENTED,
            clock=clock,
            actor=user,
            subject=user,
            address=address,
            scopes=sorted(scopes),
            **_details(client),
        )


def deny(
    user: User | None, client: Client, *, clock: Clock, address: str | None = None, reason: str
) -> None:
    record(
        OidcEvents.DENIED,
        clock=clock,
        actor=user,
        subject=user,
        address=address,
        reason=reason,
        **_details(client),
    )


def record_code(
    user: User,
    client: Client,
    code: str,
    amr: list[str],
    auth_time: float,
    *,
    clock: Clock,
    address: str | None = None,
) -> Authentication:
    """Called when the code is saved (the validator): how this user signed in for it."""
    auth = Authentication.objects.create(
        user=user,
        client=client,
        code_digest=hashlib.sha256(code.encode()).hexdigest(),
        amr=list(amr),
        acr=claims.acr_for(amr),
        auth_time=datetime.fromtimestamp(auth_time, UTC),
        created_at=clock(),
    )
    record(
        OidcEvents.AUTHORIZED,
        clock=clock,
        actor=user,
        subject=user,
        address=address,
        amr=list(amr),
        **_details(client),
    )
    return auth
