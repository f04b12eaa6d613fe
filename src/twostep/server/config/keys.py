"""The generated secret key's file, when ``TWOSTEP_SECRET_KEYS`` is not set."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from .values import ConfigError

__all__ = ["KEY_FILE_NAME", "read_or_create_key_file"]

KEY_FILE_NAME = "secret_keys"


def read_or_create_key_file(path: Path) -> str:
    """The key kept in ``path``; created once (mode 0600) when missing, race-free across
    processes (``O_EXCL``: the loser of a race reads the winner's key)."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)  # fails if another process created it first
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
        text = path.read_text(encoding="utf-8").strip()
    if not text:
        raise ConfigError(f"{path}: the key file is empty; delete it or set TWOSTEP_SECRET_KEYS")
    return text
