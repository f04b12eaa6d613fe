"""Where the app keeps its files (XDG base directories; environment variables override).

- the vault: ``$TWOSTEP_VAULT``, else ``$XDG_DATA_HOME/twostep/vault.twostep``, else
  ``~/.local/share/twostep/vault.twostep``;
- sessions (see :mod:`twostep.authenticator.session`): ``$XDG_RUNTIME_DIR/twostep/sessions``
  when that runtime directory exists (a tmpfs private to the user, emptied at logout), else
  ``$XDG_CACHE_HOME/twostep/sessions`` or ``~/.cache/twostep/sessions``; created mode 0700.

Only the standard library: this runs on the fast ``code`` path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

__all__ = ["VAULT_FILENAME", "ensure_private_dir", "session_dir", "vault_path"]

VAULT_FILENAME = "vault.twostep"


def _home(env: Mapping[str, str]) -> Path:
    home = env.get("HOME")
    return Path(home) if home else Path.home()


def vault_path(env: Mapping[str, str] | None = None) -> Path:
    """The vault file to use (it may not exist yet)."""
    env = os.environ if env is None else env
    explicit = env.get("TWOSTEP_VAULT")
    if explicit:
        return Path(explicit).expanduser()
    data = env.get("XDG_DATA_HOME")
    base = Path(data) if data and os.path.isabs(data) else _home(env) / ".local" / "share"
    return base / "twostep" / VAULT_FILENAME


def session_dir(env: Mapping[str, str] | None = None) -> Path:
    """The directory of session files (it may not exist yet)."""
    env = os.environ if env is None else env
    runtime = env.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isabs(runtime) and os.path.isdir(runtime):
        return Path(runtime) / "twostep" / "sessions"
    cache = env.get("XDG_CACHE_HOME")
    base = Path(cache) if cache and os.path.isabs(cache) else _home(env) / ".cache"
    return base / "twostep" / "sessions"


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if needed and make sure only the user can use it."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        os.chmod(path, 0o700)
    return path
