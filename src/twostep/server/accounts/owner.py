"""The first account: the setup links that may create it, and the owner itself.

Functions (``clock``: callable returning an aware datetime; ``address``: the client address
for the audit log):

- ``needs_owner() -> bool`` True until the first (owner) account exists.
- ``new_setup_token(*, keep_earlier=False) -> tuple[str, bool]`` the one-time token of a
  setup link (``twostep serve`` prints one on the first start, keeping the links of earlier
  starts valid; ``twostep setup-link`` one that replaces every earlier link); only SHA-256s
  are stored, the last ``SETUP_LINKS_KEPT``; True when that dropped the oldest link.
  ``setup_token_valid(token) -> bool``.
- ``create_owner(*, username, email, password, display_name="", setup_token, clock,
  address=None) -> User`` the first account (role Owner); raises ``OwnerExistsError`` once one
  was made (atomic: two visitors racing cannot both become owner) and ``SetupLinkError`` unless
  ``setup_token`` is the current setup link's token (None: the command line, run on the
  server). The token is spent with it.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Final

from django.db import transaction

from ..audit.services import Events, record
from ..clock import Clock
from ..crypto import link_token_hash
from ..errors import InvalidUserDataError, OwnerExistsError, SetupLinkError
from .models import OWNER, Organisation, User
from .services import create_user

__all__ = [
    "SETUP_LINKS_KEPT",
    "create_owner",
    "needs_owner",
    "new_setup_token",
    "setup_token_valid",
]


def needs_owner() -> bool:
    org = Organisation.objects.filter(pk=1).first()
    return not (org and org.owner_created) and not User.objects.exists()


#: how many setup links stay valid at once (each start of a fresh server prints one)
SETUP_LINKS_KEPT: Final = 8


def new_setup_token(*, keep_earlier: bool = False) -> tuple[str, bool]:
    """A new one-time token for a setup link (``/welcome/?token=...``) and whether an earlier
    link stopped working. ``keep_earlier``: the links given before stay valid (the oldest
    beyond ``SETUP_LINKS_KEPT`` excepted), so that a second ``twostep serve`` started on the
    same fresh database does not silently break the link the first one printed; otherwise the
    new link replaces every earlier one. Raises ``OwnerExistsError`` once there is an account."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        Organisation.objects.get_or_create(pk=1)
        org = Organisation.objects.select_for_update().get(pk=1)  # two starts at once: in turn
        if not needs_owner():
            raise OwnerExistsError()
        earlier = org.setup_token_hashes.split() if keep_earlier else []
        kept = [*earlier, link_token_hash(token)][-SETUP_LINKS_KEPT:]
        org.setup_token_hashes = " ".join(kept)
        org.save(update_fields=["setup_token_hashes"])
    dropped = bool(org.setup_token_hashes) and len(earlier) >= SETUP_LINKS_KEPT
    return token, dropped


def setup_token_valid(token: str | None) -> bool:
    """True if ``token`` is one of the valid setup links' (compared in constant time)."""
    if not token or len(token) > 128:
        return False
    stored = Organisation.objects.filter(pk=1).values_list("setup_token_hashes", flat=True).first()
    given = link_token_hash(token)
    matches = [hmac.compare_digest(str(h), given) for h in str(stored or "").split()]
    return any(matches)


def create_owner(
    *,
    username: str,
    email: str,
    password: str,
    display_name: str = "",
    setup_token: str | None,
    clock: Clock,
    address: str | None = None,
) -> User:
    """``setup_token``: the setup link's token, from the pages; None from the command line (it
    runs on the server, as whoever can read its database)."""
    if not email:
        raise InvalidUserDataError("email", "Enter your email address.")
    if password is None:
        raise InvalidUserDataError("password", "Choose a password.")
    with transaction.atomic():
        Organisation.objects.get_or_create(pk=1)
        if User.objects.exists():
            raise OwnerExistsError()
        if setup_token is not None and not setup_token_valid(setup_token):
            raise SetupLinkError()
        # The flag flips once: of two visitors racing, only one gets rowcount 1. The setup
        # link is spent with it.
        flipped = Organisation.objects.filter(pk=1, owner_created=False).update(
            owner_created=True, setup_token_hashes=""
        )
        if flipped != 1:
            raise OwnerExistsError()
        user = create_user(
            username=username,
            email=email,
            password=password,
            display_name=display_name,
            role=OWNER,
            clock=clock,
            address=address,
        )
    record(Events.OWNER_CREATED, clock=clock, actor=user, subject=user, address=address)
    return user
