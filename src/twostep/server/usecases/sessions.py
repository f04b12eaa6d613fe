"""Ending a user's sessions everywhere: twostep's own (pages, sign-in API, remembered browsers:
the session epoch) and the tokens twostep's OpenID Connect provider gave applications.

- ``sign_out_everywhere(user, *, actor, clock, address=None)`` the pages' "sign out my other
  sessions" and the console's "sign out everywhere" (the caller keeps its own page session with
  ``state.refresh_session_hash``): every access and refresh token of the user, for every
  application, is revoked in the same transaction;
- ``revoke_application_tokens(user)`` the token part alone, for the use cases whose action ends
  the sessions in its own way (a new password, a deactivation, a lockout, an admin's reset).
"""

from __future__ import annotations

from django.db import transaction

from ..accounts import services as accounts
from ..accounts.models import User
from ..clock import Clock
from ..oidc import grants

__all__ = ["revoke_application_tokens", "sign_out_everywhere"]


def revoke_application_tokens(user: User) -> int:
    return grants.revoke_all_tokens(user)


def sign_out_everywhere(
    user: User, *, actor: User | None, clock: Clock, address: str | None = None
) -> None:
    with transaction.atomic():
        accounts.sign_out_everywhere(user, actor=actor, clock=clock, address=address)
        revoke_application_tokens(user)
