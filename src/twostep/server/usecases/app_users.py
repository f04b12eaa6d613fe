"""An application makes a user of its own (``POST /api/v1/users`` with a verify key).

- ``create_app_user(key, *, external_id, username=None, email=None, display_name="", clock)
  -> User``: a user with no password (they cannot sign in to the pages) who belongs to the
  key's application, with the application's external id for them (unique within the
  application only: two applications may both call their user "3"). ``username`` defaults to
  the external id made safe, with a hash suffix when taken. The user and the membership are
  made in one transaction.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from django.db import transaction

from ..accounts.models import User, same_text
from ..accounts.services import create_user
from ..applications import members
from ..applications.models import ApiKey
from ..clock import Clock
from ..errors import InvalidUserDataError, NameTakenError

__all__ = ["create_app_user"]

_NOT_USERNAME = re.compile(r"[^\w.+-]+")


def _username_for(key: ApiKey, external_id: str) -> str:
    # NFKC first, as create_user does: "½" becomes "1⁄2", whose "⁄" is no username character
    text = unicodedata.normalize("NFKC", external_id)
    base = _NOT_USERNAME.sub("-", text).strip("-.")[:120] or "user"
    if not User.objects.filter(same_text("username", base)).exists():
        return base
    # The application is part of the suffix: "3" of two applications gets two names.
    tag = f"{key.application_id}:{external_id}".encode()
    return f"{base}-{hashlib.sha256(tag).hexdigest()[:10]}"


def create_app_user(
    key: ApiKey,
    *,
    external_id: str,
    username: str | None = None,
    email: str | None = None,
    display_name: str = "",
    clock: Clock,
) -> User:
    external_id = external_id.strip()
    if not external_id or len(external_id) > 255:
        raise InvalidUserDataError("external_id", "Use 1 to 255 characters.")
    if members.external_id_taken(key, external_id):
        raise NameTakenError(
            "external_id", "Another user of this application has that external id."
        )
    with transaction.atomic():
        user = create_user(
            username=username or _username_for(key, external_id),
            email=email,
            password=None,
            display_name=display_name,
            actor=key.created_by,
            clock=clock,
        )
        members.add_member(key, user, external_id)
    return user
