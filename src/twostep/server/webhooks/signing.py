"""The signature of a delivery, as Stripe and GitHub sign theirs.

``Twostep-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>``: the time is
inside the signed text, so a receiver that refuses old timestamps refuses replays too. The
secret is ``whsec_`` and 43 URL-safe characters (256 random bits); the HMAC key is its UTF-8
bytes, whole. ``twostep.sdk.webhooks.verify`` checks it (docs/api.md has a plain-Python check).

- ``new_secret() -> str``;
- ``signature(secret, timestamp, body) -> str`` the hex digest;
- ``signature_header(secret, timestamp, body) -> str`` the header's value.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["HEADER", "SECRET_PREFIX", "new_secret", "signature", "signature_header"]

HEADER = "Twostep-Signature"
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(int(timestamp)).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={int(timestamp)},v1={signature(secret, timestamp, body)}"
