"""A user's own new password (the pages' change-password page, which a recovery code that
lifted a lockout leads to and which cannot be skipped).

- ``change_password(user, password, *, clock, address=None)`` validates and sets it, ends every
  other session and access token of the user (``session_epoch`` + 1; the caller keeps its own
  session), revokes the tokens the user's applications hold (OpenID Connect), and clears
  ``must_change_password``; raises ``InvalidUserDataError`` (field
  ``password``).
"""

from __future__ import annotations

from django.db import transaction

from ..accounts.models import User
from ..accounts.services import set_password
from ..clock import Clock
from .sessions import revoke_application_tokens

__all__ = ["change_password"]


def change_password(user: User, password: str, *, clock: Clock, address: str | None = None) -> None:
    with transaction.atomic():
        set_password(user, password, actor=user, clock=clock, address=address)
        revoke_application_tokens(user)
