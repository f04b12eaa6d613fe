"""Bearer tokens of the API: what they look like, how they are made and checked. Pure code.

Three kinds, told apart by their first letters (so a leaked one is easy to recognise, e.g. by
secret scanners, and a token of one kind is never accepted as another)::

    tsk_<id>_<secret>   API key (admin or verify scope), made by an administrator
    tss_<id>_<secret>   sign-in token: "password accepted, second step pending" (5 or 10 min)
    tsa_<id>_<secret>   access token of a first-party client after a completed sign-in (12 h)
    tsy_<id>_<secret>   device token of an authenticator's sync account (docs/sync.md)

``<id>`` is 12 hex characters (public: it finds the row and is shown in listings), ``<secret>``
is 32 random bytes in URL-safe base64 (256 bits). Only the SHA-256 digest of the whole token is
stored: with 256 random bits a fast hash is as safe as a slow one (nothing to guess), and it
keeps authentication at one indexed lookup and one hash per request. Digests are compared in
constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Final

__all__ = [
    "ACCESS",
    "API_KEY",
    "SIGN_IN",
    "SYNC_DEVICE",
    "IssuedToken",
    "ParsedToken",
    "digest_matches",
    "digest_of",
    "generate_token",
    "parse_token",
]

API_KEY: Final = "tsk"
SIGN_IN: Final = "tss"
ACCESS: Final = "tsa"
SYNC_DEVICE: Final = "tsy"
_KINDS: Final = (API_KEY, SIGN_IN, ACCESS, SYNC_DEVICE)
_TOKEN_RE: Final = re.compile(r"^(tsk|tss|tsa|tsy)_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``text`` is shown once to its owner, ``lookup`` and ``digest`` are stored."""

    kind: str
    lookup: str
    digest: str
    text: str

    def __repr__(self) -> str:
        return f"IssuedToken(kind={self.kind!r}, lookup={self.lookup!r})"


@dataclass(frozen=True)
class ParsedToken:
    kind: str
    lookup: str
    text: str

    def __repr__(self) -> str:
        return f"ParsedToken(kind={self.kind!r}, lookup={self.lookup!r})"


def digest_of(text: str) -> str:
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def digest_matches(text: str, stored: str) -> bool:
    return hmac.compare_digest(digest_of(text).encode(), str(stored).encode())


def generate_token(kind: str) -> IssuedToken:
    if kind not in _KINDS:
        raise ValueError(f"unknown token kind {kind!r}")
    lookup = secrets.token_hex(6)
    text = f"{kind}_{lookup}_{secrets.token_urlsafe(32)}"
    return IssuedToken(kind=kind, lookup=lookup, digest=digest_of(text), text=text)


def parse_token(text: object) -> ParsedToken | None:
    """The parts of a well-formed token, or None (never raises, whatever ``text`` is)."""
    if not isinstance(text, str) or len(text) > 80:
        return None
    match = _TOKEN_RE.match(text)
    if match is None:
        return None
    return ParsedToken(kind=match.group(1), lookup=match.group(2), text=text)
