"""django-oauth-toolkit's request validator, made ours.

What it adds to the library's (which keeps codes, tokens, PKCE, rotation and reuse detection):

- client secrets checked against our SHA-256 digests in constant time (``clients``);
- ID tokens signed with the key that signs now for the client's algorithm (RS256 or ES256),
  ``kid`` in the header; our own ID tokens (``id_token_hint``) verified by their ``kid``;
- the claims: ``sub`` (``claims.subject_for``), profile, email, groups by scope; ``amr``,
  ``acr``, ``auth_time`` from how the user signed in for this authorization
  (:class:`~.models.Authentication`, found by the code, then by the refresh token family);
- a reused authorization code revokes the tokens it became; a replayed refresh token is
  recorded (the library revokes its family);
- refresh tokens only with ``offline_access``; none for a user who is deactivated or may no
  longer use the application, and no userinfo for them either.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from django.db import transaction
from jwcrypto import jws, jwt
from oauth2_provider.models import AccessToken, RefreshToken
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings

from ..accounts.models import User
from ..applications.access import may_use
from ..audit.services import record
from ..clock import get_clock
from . import claims, keys
from .authorize import record_code
from .clients import secret_matches
from .events import OidcEvents
from .models import RS256, Authentication, Client

__all__ = ["Validator", "code_digest", "pkce_required"]


def pkce_required(client_id: str) -> bool:
    """PKCE is required of public clients (and allowed for confidential ones)."""
    return Client.objects.filter(client_id=client_id, client_type=Client.CLIENT_PUBLIC).exists()


def code_digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _details(client: Client) -> dict[str, Any]:
    return {"application": client.name, "client_id": client.client_id}


def _user_may_continue(user: User | None, client: Client) -> bool:
    return user is not None and user.is_active and may_use(client.application, user)


def _revoke_issued(auth: Authentication) -> int:
    """Revoke what one code was exchanged for: its refresh token family (every rotation of it)
    and its access token."""
    revoked = 0
    if auth.token_family is not None:
        RefreshToken.revoke_family(auth.token_family)
        revoked += 1
    if auth.access_token_id is not None:
        revoked += AccessToken.objects.filter(pk=auth.access_token_id).delete()[0]
    return revoked


class Validator(OAuth2Validator):  # type: ignore[misc]  # django-oauth-toolkit has no types
    oidc_claim_scope = claims.CLAIM_SCOPES

    # -- clients -----------------------------------------------------------------------------

    def _check_secret(self, provided_secret: Any, stored_secret: Any) -> bool:
        return secret_matches(str(provided_secret or ""), str(stored_secret or ""))

    def is_pkce_required(self, client_id: str, request: Any) -> bool:
        return pkce_required(client_id)

    # -- the authorize endpoint (the view decides login, consent and step-up itself) ----------

    def validate_silent_login(self, request: Any) -> bool:
        return True

    def validate_silent_authorization(self, request: Any) -> bool:
        return True

    # -- codes -------------------------------------------------------------------------------

    def save_authorization_code(
        self, client_id: str, code: dict[str, Any], request: Any, *args: Any, **kw: Any
    ) -> None:
        """The view passed how the user signed in (``twostep_amr``, ``twostep_auth_time``,
        ``twostep_address``) as credentials: kept with the code's digest."""
        with transaction.atomic():
            super().save_authorization_code(client_id, code, request, *args, **kw)
            record_code(
                request.user,
                request.client,
                code["code"],
                list(getattr(request, "twostep_amr", None) or ["pwd"]),
                float(getattr(request, "twostep_auth_time", None) or get_clock()().timestamp()),
                clock=get_clock(),
                address=getattr(request, "twostep_address", None),
            )

    def validate_code(self, client_id: str, code: str, client: Client, request: Any) -> bool:
        valid = bool(super().validate_code(client_id, code, client, request))
        auth = Authentication.objects.filter(code_digest=code_digest(code), client=client).first()
        # The code's lifetime also on the server's clock (the library's check reads the system's).
        lifetime = timedelta(seconds=oauth2_settings.AUTHORIZATION_CODE_EXPIRE_SECONDS)
        if valid and auth is not None and get_clock()() > auth.created_at + lifetime:
            valid = False
        if valid and auth is not None and auth.redeemed_at is None:
            if not _user_may_continue(request.user, client):
                return False
            # One winner: of two requests racing with one code, only one goes on to tokens
            # (a code that then fails PKCE is spent too).
            now = get_clock()()
            claimed = Authentication.objects.filter(pk=auth.pk, redeemed_at__isnull=True).update(
                redeemed_at=now
            )
            auth.redeemed_at = now
            if claimed:
                request.twostep_auth = auth
                return True
        if auth is not None and auth.redeemed_at is not None:
            # RFC 6749 §4.1.2: a code used twice revokes what it was exchanged for.
            with transaction.atomic():
                revoked = _revoke_issued(auth)
                record(
                    OidcEvents.CODE_REUSED,
                    clock=get_clock(),
                    subject=auth.user,
                    revoked=revoked,
                    **_details(client),
                )
        return False

    def _create_access_token(self, expires: Any, request: Any, token: Any, **kw: Any) -> Any:
        access = super()._create_access_token(expires, request, token, **kw)
        request.twostep_access_token = access
        return access

    def _create_refresh_token(self, request: Any, code: Any, access: Any, previous: Any) -> Any:
        refresh = super()._create_refresh_token(request, code, access, previous)
        request.twostep_refresh_token = refresh
        return refresh

    def save_bearer_token(self, token: dict[str, Any], request: Any, *args: Any, **kw: Any) -> Any:
        if "offline_access" not in (request.scopes or []):
            token.pop("refresh_token", None)
        with transaction.atomic():
            result = super().save_bearer_token(token, request, *args, **kw)
            auth = getattr(request, "twostep_auth", None)
            refresh = getattr(request, "twostep_refresh_token", None)
            access = getattr(request, "twostep_access_token", None)
            if request.grant_type == "authorization_code" and auth is not None:
                Authentication.objects.filter(pk=auth.pk).update(
                    redeemed_at=get_clock()(),
                    token_family=refresh.token_family if refresh is not None else None,
                    access_token_id=access.pk if access is not None else None,
                )
            record(
                OidcEvents.TOKENS_ISSUED,
                clock=get_clock(),
                actor=request.user,
                subject=request.user,
                grant_type=request.grant_type,
                refresh_token="refresh_token" in token,
                **_details(request.client),
            )
        return result

    # -- refresh tokens ----------------------------------------------------------------------

    def validate_refresh_token(
        self, refresh_token: str, client: Client, request: Any, *args: Any, **kw: Any
    ) -> bool:
        valid = bool(super().validate_refresh_token(refresh_token, client, request, *args, **kw))
        if not valid:  # a replayed token? (the library has revoked its family)
            checksum = hashlib.sha256(refresh_token.encode()).hexdigest()
            known = (
                RefreshToken.objects.filter(token_checksum=checksum).order_by("-revoked").first()
            )
            if (
                known is not None
                and known.revoked is not None
                and known.application_id == client.pk
            ):
                record(
                    OidcEvents.REFRESH_REUSED,
                    clock=get_clock(),
                    subject=known.user,
                    **_details(client),
                )
            return False
        if not _user_may_continue(request.user, client):
            return False
        rt = request.refresh_token_instance
        request.twostep_auth = (
            Authentication.objects.filter(token_family=rt.token_family).first()
            if rt.token_family
            else None
        )
        return True

    # -- bearer tokens (userinfo) ------------------------------------------------------------

    def validate_bearer_token(self, token: str, scopes: Any, request: Any) -> bool:
        if not super().validate_bearer_token(token, scopes, request):
            return False
        return _user_may_continue(request.user, request.client)

    # -- claims and ID tokens ----------------------------------------------------------------

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        found = claims.user_claims(request.user, list(request.scopes or []))
        auth = getattr(request, "twostep_auth", None)
        if auth is not None:  # in the ID token, not in userinfo
            found["amr"] = list(auth.amr)
            found["acr"] = auth.acr
        return found

    def get_claim_dict(self, request: Any) -> dict[str, Any]:
        found = dict(super().get_claim_dict(request))
        found["sub"] = claims.subject_for(request.user)
        return found

    def get_discovery_claims(self, request: Any) -> list[str]:
        return [*claims.CLAIM_SCOPES, "auth_time", "nonce"]

    def get_id_token_dictionary(
        self, token: Any, token_handler: Any, request: Any
    ) -> tuple[dict[str, Any], Any]:
        found, expires = super().get_id_token_dictionary(token, token_handler, request)
        auth = getattr(request, "twostep_auth", None)
        if auth is not None:
            found["auth_time"] = int(auth.auth_time.timestamp())
        return found, expires

    def finalize_id_token(
        self, id_token: dict[str, Any], token: Any, token_handler: Any, request: Any
    ) -> str:
        found, expires = self.get_id_token_dictionary(token, token_handler, request)
        id_token.update(**found)
        if "nonce" not in id_token and request.nonce:
            id_token["nonce"] = request.nonce
        key = keys.signing_key(request.client.algorithm or RS256, clock=get_clock())
        signed = jwt.JWT(
            header={"typ": "JWT", "alg": key.algorithm, "kid": key.kid},
            claims=json.dumps(id_token, default=str),
        )
        signed.make_signed_token(key.private)
        with transaction.atomic():
            saved = self._save_id_token(id_token["jti"], request, expires)
        request.access_token = saved
        request.id_token = saved
        return str(signed.serialize())

    def _get_key_for_token(self, token: str) -> Any:
        unverified = jws.JWS()
        unverified.deserialize(token)
        header = unverified.jose_header
        kid = header.get("kid") if isinstance(header, dict) else None
        return keys.public_key(kid, clock=get_clock()) if isinstance(kid, str) else None
