"""Known devices: the signed token a browser or app gets when it completes a sign-in (the OWASP
"device cookies" pattern against lockout by wrong passwords).

A device that shows a valid token for the account it signs in to is judged on its own password
failures (the throttle's ``device`` lane, keyed by its device id); every other client shares
the account's ``password`` lane. So whoever sends wrong passwords for a username from anywhere
slows only the clients that never signed in to it, and the owner's browser still gets in; a
stolen token gets only its own lane's guesses.

The token is Django's signing (``django.core.signing``, HMAC-SHA256 with the server's
``SECRET_KEY``, salted for this use, with a timestamp): ``{"u": user id, "d": device id}``, the
device id 128 random bits. Nothing is stored on the server but the lane's counter. It stays
valid :data:`DEVICE_LIFETIME` after it was issued; each completed sign-in issues it again
(same device id, new time).

- ``issue_device_token(user, previous=None) -> str`` after a completed sign-in; ``previous``:
  the token the client showed, whose device id is kept when it is this user's and valid;
- ``device_id(token, user) -> str | None`` the device id when ``token`` is a valid token of
  ``user``, else None (unsigned, tampered, expired, another user's: an unknown client).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any, Final

from django.core import signing

from .models import User

__all__ = ["DEVICE_COOKIE", "DEVICE_LIFETIME", "device_id", "issue_device_token"]

DEVICE_COOKIE: Final = "twostep_device"
DEVICE_LIFETIME: Final = timedelta(days=180)
_SALT: Final = "twostep.accounts.known-device"
_MAX_TOKEN: Final = 512


def _load(token: Any) -> dict[str, Any] | None:
    if not isinstance(token, str) or not token or len(token) > _MAX_TOKEN:
        return None
    try:
        data = signing.loads(token, salt=_SALT, max_age=DEVICE_LIFETIME)
    except signing.BadSignature:  # tampered, another key, or expired (SignatureExpired)
        return None
    return data if isinstance(data, dict) else None


def device_id(token: Any, user: User | None) -> str | None:
    data = _load(token)
    if data is None or user is None or data.get("u") != user.pk:
        return None
    found = data.get("d")
    return found if isinstance(found, str) and 16 <= len(found) <= 64 else None


def issue_device_token(user: User, previous: Any = None) -> str:
    device = device_id(previous, user) or secrets.token_urlsafe(16)
    return signing.dumps({"u": user.pk, "d": device}, salt=_SALT)
