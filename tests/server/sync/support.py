"""A tiny sync client for the server's tests: derived keys as docs/sync.md describes (with
random master keys instead of a real Argon2id run: the server never runs the client's KDF), and
calls through Django's test client."""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.test import Client

API = "/api/sync/v1/"
KDF = {"algorithm": "argon2id", "memory_kib": 65536, "iterations": 3, "parallelism": 1}
LINK_RE = re.compile(r"(https?://\S+/sync/verify/[A-Za-z0-9_-]+/)")
CODE_RE = re.compile(r"^\s+([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.MULTILINE)


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def hkdf(key: bytes, info: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info.encode()).derive(key)


def seal(key: bytes, plain: bytes, aad: str) -> str:
    nonce = os.urandom(12)
    return b64(nonce + AESGCM(key).encrypt(nonce, plain, aad.encode()))


@dataclass
class Keys:
    """What one password (here: a random master key) and one recovery key give."""

    master: bytes = field(default_factory=lambda: os.urandom(32))
    recovery: bytes = field(default_factory=lambda: os.urandom(32))
    vault_key: bytes = field(default_factory=lambda: os.urandom(32))
    salt: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def auth_key(self) -> str:
        return b64(hkdf(self.master, "twostep-sync/auth/v1"))

    @property
    def recovery_auth_key(self) -> str:
        return b64(hkdf(self.recovery, "twostep-sync/recovery-auth/v1"))

    def wrapped_key(self) -> str:
        wrap = hkdf(self.master, "twostep-sync/wrap/v1")
        return seal(wrap, self.vault_key, "twostep-sync/vault-key/v1")

    def recovery_wrapped_key(self) -> str:
        wrap = hkdf(self.recovery, "twostep-sync/recovery-wrap/v1")
        return seal(wrap, self.vault_key, "twostep-sync/vault-key/v1")

    def encrypt(self, plain: bytes) -> str:
        return seal(self.vault_key, plain, "twostep-sync/vault/v1")

    def registration(self, email: str, device: str = "laptop") -> dict[str, Any]:
        return {
            "email": email,
            "auth_key": self.auth_key,
            "salt": b64(self.salt),
            "kdf": KDF,
            "wrapped_key": self.wrapped_key(),
            "recovery_auth_key": self.recovery_auth_key,
            "recovery_wrapped_key": self.recovery_wrapped_key(),
            "device_name": device,
        }


def call(
    client: Client, method: str, path: str, body: Any = None, token: str | None = None
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = json.dumps(body) if body is not None else ""
    response = client.generic(
        method, API + path, data, content_type="application/json", headers=headers
    )
    payload = json.loads(response.content) if response.content else None
    return response.status_code, payload


def mail_text(message: Any) -> str:
    if isinstance(message, Message):
        payload = message.get_payload(decode=True)
        assert isinstance(payload, bytes)
        return payload.decode()
    return str(message.body)


def link_and_code(message: Any) -> tuple[str, str]:
    text = mail_text(message)
    link = LINK_RE.search(text)
    code = CODE_RE.search(text)
    assert link, text
    assert code, text
    return link.group(1), code.group(1)
