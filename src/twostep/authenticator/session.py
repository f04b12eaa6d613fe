"""Sessions: unlock once per shell, then skip the password and the KDF until the session expires.

``twostep-auth unlock`` creates a session and prints ``export TWOSTEP_SESSION=<token>``.

- The token is ``tss1.<id>.<key>``: a random 128-bit session id (the name of the session file)
  and a random 256-bit session key (base64url). The token never contains the master key.
- The session file (``<session dir>/<id>``, mode 0600 in a 0700 directory, see
  :func:`twostep.authenticator.paths.session_dir`) holds the vault's master key encrypted with
  AES-256-GCM under the session key, with its metadata (vault path, key id, creation time,
  absolute expiry, idle timeout) as authenticated data. The file alone, or the token alone, gives
  nothing; both together give the master key, as long as the session lives.
- A session expires after :data:`DEFAULT_IDLE` seconds without use (each use touches the
  file's modification time) and in any case :data:`DEFAULT_MAX_AGE` seconds after unlocking.
  ``twostep-auth lock`` deletes the file (revokes it); ``lock --all`` deletes every session of
  the vault; changing the password revokes them too (the master key changes). An expired file
  is deleted when it is next seen.

Standard library plus ``cryptography``'s AES-GCM only: the fast ``code`` path uses this module.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
from typing import Any, Final

from twostep.authenticator.errors import VaultLockedError
from twostep.authenticator.vault.sealed import aesgcm

__all__ = [
    "DEFAULT_IDLE",
    "DEFAULT_MAX_AGE",
    "ENV_VAR",
    "create_session",
    "open_session",
    "revoke_all_sessions",
    "revoke_session",
]

ENV_VAR: Final = "TWOSTEP_SESSION"
TOKEN_PREFIX: Final = "tss1"  # noqa: S105 - a format tag, not a password
#: Seconds without use after which a session expires (15 minutes).
DEFAULT_IDLE: Final = 15 * 60
#: Seconds after unlocking after which a session expires whatever its use (12 hours).
DEFAULT_MAX_AGE: Final = 12 * 3600
_ID_HEX: Final = 32
_KEY_BYTES: Final = 32


def _aad(meta: dict[str, Any]) -> bytes:
    return json.dumps(meta, sort_keys=True, separators=(",", ":")).encode()


def _parse_token(token: str) -> tuple[str, bytes]:
    parts = token.strip().split(".")
    invalid = VaultLockedError(
        f"{ENV_VAR} does not hold a twostep-auth session token; unlock again "
        '(`eval "$(twostep-auth unlock)"`)'
    )
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        raise invalid
    session_id, key_text = parts[1], parts[2]
    if len(session_id) != _ID_HEX or any(c not in "0123456789abcdef" for c in session_id):
        raise invalid
    try:
        key = base64.urlsafe_b64decode(key_text + "=" * (-len(key_text) % 4))
    except (binascii.Error, ValueError):
        raise invalid from None
    if len(key) != _KEY_BYTES:
        raise invalid
    return session_id, key


def _canonical(path: str | os.PathLike[str]) -> str:
    return os.path.realpath(os.fspath(path))


def create_session(
    directory: str | os.PathLike[str],
    vault_path: str | os.PathLike[str],
    master_key: bytes,
    key_id: str,
    *,
    now: float,
    idle: int = DEFAULT_IDLE,
    max_age: int = DEFAULT_MAX_AGE,
) -> str:
    """Write a session file for the unlocked vault and return its token."""
    import secrets

    from twostep.authenticator.paths import ensure_private_dir

    folder = ensure_private_dir(directory)
    _remove_expired(folder, now)
    session_id = secrets.token_hex(_ID_HEX // 2)
    key = secrets.token_bytes(_KEY_BYTES)
    meta = {
        "v": 1,
        "vault": _canonical(vault_path),
        "key_id": key_id,
        "created": now,
        "expires": now + max_age,
        "idle": idle,
    }
    nonce = secrets.token_bytes(12)
    sealed = aesgcm(key).encrypt(nonce, master_key, _aad(meta))
    record = dict(
        meta, nonce=base64.b64encode(nonce).decode(), ct=base64.b64encode(sealed).decode()
    )
    fd = os.open(os.path.join(folder, session_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(record, handle)
    token_key = base64.urlsafe_b64encode(key).decode().rstrip("=")
    return f"{TOKEN_PREFIX}.{session_id}.{token_key}"


def _is_expired(record: dict[str, Any], mtime: float, now: float) -> bool:
    try:
        return bool(now >= float(record["expires"]) or now - mtime >= float(record["idle"]))
    except (KeyError, TypeError, ValueError):
        return True


def _remove_expired(folder: str, now: float) -> None:
    with contextlib.suppress(OSError), os.scandir(folder) as it:
        for item in it:
            if len(item.name) != _ID_HEX:
                continue
            try:
                with open(item.path, encoding="utf-8") as handle:
                    record = json.load(handle)
                expired = _is_expired(record, item.stat().st_mtime, now)
            except (OSError, ValueError):
                expired = True
            if expired:
                with contextlib.suppress(OSError):
                    os.unlink(item.path)


def open_session(
    token: str, directory: str | os.PathLike[str], vault_path: str | os.PathLike[str], *, now: float
) -> tuple[bytes, str]:
    """The master key and key id held by the session ``token`` for the vault at ``vault_path``.

    Raises :class:`VaultLockedError` if the token is malformed, the session was revoked or has
    expired (its file is then deleted), or it belongs to another vault. Touches the file (idle).
    """
    session_id, key = _parse_token(token)
    path = os.path.join(os.fspath(directory), session_id)
    gone = VaultLockedError(
        'the session has expired or was locked; unlock again (`eval "$(twostep-auth unlock)"`)'
    )
    try:
        with open(path, encoding="utf-8") as handle:
            record = json.load(handle)
            mtime = os.fstat(handle.fileno()).st_mtime
    except (OSError, ValueError):
        raise gone from None
    if not isinstance(record, dict) or _is_expired(record, mtime, now):
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise gone
    meta = {k: v for k, v in record.items() if k not in ("nonce", "ct")}
    if meta.get("vault") != _canonical(vault_path):
        raise VaultLockedError(
            "the session was opened for another vault than "
            f"{os.fspath(vault_path)}; unlock this one"
        )
    from cryptography.exceptions import InvalidTag

    try:
        master_key = aesgcm(key).decrypt(
            base64.b64decode(record["nonce"]), base64.b64decode(record["ct"]), _aad(meta)
        )
    except (InvalidTag, KeyError, TypeError, ValueError):
        raise gone from None
    with contextlib.suppress(OSError):
        os.utime(path)
    return master_key, str(meta.get("key_id", ""))


def revoke_session(token: str, directory: str | os.PathLike[str]) -> bool:
    """Delete the session of ``token``; whether there was one."""
    session_id, _ = _parse_token(token)
    try:
        os.unlink(os.path.join(os.fspath(directory), session_id))
    except FileNotFoundError:
        return False
    return True


def revoke_all_sessions(
    directory: str | os.PathLike[str], vault_path: str | os.PathLike[str] | None = None
) -> int:
    """Delete every session (of the vault at ``vault_path`` only, if given); how many."""
    wanted = None if vault_path is None else _canonical(vault_path)
    count = 0
    with contextlib.suppress(FileNotFoundError), os.scandir(directory) as it:
        for item in it:
            if len(item.name) != _ID_HEX:
                continue
            if wanted is not None:
                try:
                    with open(item.path, encoding="utf-8") as handle:
                        if json.load(handle).get("vault") != wanted:
                            continue
                except (OSError, ValueError, AttributeError):
                    pass  # unreadable: delete it
            with contextlib.suppress(FileNotFoundError):
                os.unlink(item.path)
                count += 1
    return count
