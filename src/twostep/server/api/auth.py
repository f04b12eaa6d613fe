"""Who is calling: ``Authorization: Bearer <token>`` on every endpoint but the sign-in steps.

- :class:`ApiKeyAuth` (scope ``verify``, ``admin`` or either): an API key; a missing header is
  401 ``not_authenticated``, an unknown, malformed or revoked key 401 ``invalid_token``, a key
  of the other scope 403 ``insufficient_scope``. ``request.auth`` is the :class:`ApiKey`.
- :class:`AccessTokenAuth`: the access token of a first-party client after sign-in;
  ``request.auth`` is the :class:`AccessToken`.

Scopes do not nest: an admin key cannot verify codes and a verify key cannot administer, so a
key kept by a relying party is worth as little as possible.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from ..accounts.client_tokens import authenticate_access_token
from ..accounts.models import AccessToken
from ..applications.keys import authenticate_api_key
from ..applications.models import ApiKey
from ..clock import get_clock
from .errors import ApiError

__all__ = ["AccessTokenAuth", "ApiKeyAuth", "acting_user"]


class ApiKeyAuth(HttpBearer):
    def __init__(self, scope: str | None) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey:
        key = authenticate_api_key(token.strip(), clock=get_clock())
        if key is None:
            raise ApiError("invalid_token")
        if self.scope is not None and key.scope != self.scope:
            raise ApiError(
                "insufficient_scope",
                f"This endpoint needs an API key with the {self.scope} scope.",
            )
        if key.scope == ApiKey.ADMIN and key.creator_gone:
            raise ApiError(
                "invalid_token",
                "The administrator who made this admin key is no longer an active administrator; "
                "make a new key.",
            )
        return key


class VerifyKey(ApiKeyAuth):
    """API key with the ``verify`` scope (the authentication service)."""

    def __init__(self) -> None:
        super().__init__(ApiKey.VERIFY)


class AdminKey(ApiKeyAuth):
    """API key with the ``admin`` scope."""

    def __init__(self) -> None:
        super().__init__(ApiKey.ADMIN)


class AnyKey(ApiKeyAuth):
    """API key of any scope."""

    def __init__(self) -> None:
        super().__init__(None)


class AccessTokenAuth(HttpBearer):
    """Access token of a signed-in user of a first-party client."""

    def authenticate(self, request: HttpRequest, token: str) -> AccessToken:
        access = authenticate_access_token(token.strip(), clock=get_clock())
        if access is None:
            raise ApiError("invalid_token")
        return access


def acting_user(request: HttpRequest) -> Any:
    """The user recorded as the actor of an admin change: who created the key (None if gone)."""
    key = getattr(request, "auth", None)
    if isinstance(key, ApiKey):
        return key.created_by
    if isinstance(key, AccessToken):
        return key.user
    return None
