"""The organisation's settings that are not the 2FA policy: its name (console's Security page,
``twostep org set-name``).

- ``rename_organisation(name, *, actor, clock, address=None) -> str`` an administrator (or the
  command line, ``actor=None``) gives the organisation a new name: the issuer of every new
  authenticator entry, the pages' titles and the mails'.
"""

from __future__ import annotations

from django.db import transaction

from ..accounts import organisation
from ..accounts.models import User
from ..clock import Clock
from ..errors import ActionRefusedError

__all__ = ["rename_organisation"]


def rename_organisation(
    name: str, *, actor: User | None, clock: Clock, address: str | None = None
) -> str:
    if actor is not None and not actor.role.is_admin:
        raise ActionRefusedError("Only an administrator can rename the organisation.")
    with transaction.atomic():
        return organisation.rename_organisation(name, actor=actor, clock=clock, address=address)
