"""django-oauth-toolkit's request validator, made ours (filled in by the provider)."""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

from .clients import secret_matches
from .models import Client

__all__ = ["Validator", "pkce_required"]


def pkce_required(client_id: str) -> bool:
    """PKCE is required of public clients (and allowed for confidential ones)."""
    return Client.objects.filter(client_id=client_id, client_type=Client.CLIENT_PUBLIC).exists()


class Validator(OAuth2Validator):  # type: ignore[misc]
    def _check_secret(self, provided_secret: Any, stored_secret: Any) -> bool:
        return secret_matches(str(provided_secret or ""), str(stored_secret or ""))
