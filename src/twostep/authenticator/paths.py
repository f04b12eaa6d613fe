"""Where the app keeps its files (XDG base directories; environment variables override).

- the vault: ``$TWOSTEP_VAULT``, else ``$XDG_DATA_HOME/twostep/vault.twostep``, else
  ``~/.local/share/twostep/vault.twostep``;
- sessions (see :mod:`twostep.authenticator.session`): ``$XDG_RUNTIME_DIR/twostep/sessions``
  when that runtime directory exists (a tmpfs private to the user, emptied at logout), else
  ``$XDG_CACHE_HOME/twostep/sessions`` or ``~/.cache/twostep/sessions``; created mode 0700.

Only ``os.path`` (not even :mod:`pathlib`): this runs on the fast ``code`` path. The functions
return plain strings; wrap them in :class:`pathlib.Path` where convenient.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

__all__ = ["VAULT_FILENAME", "ensure_private_dir", "session_dir", "vault_path"]

VAULT_FILENAME = "vault.twostep"


def _home(env: Mapping[str, str]) -> str:
    return env.get("HOME") or os.path.expanduser("~")


def vault_path(env: Mapping[str, str] | None = None) -> str:
    """The vault file to use (it may not exist yet)."""
    env = os.environ if env is None else env
    explicit = env.get("TWOSTEP_VAULT")
    if explicit:
        return os.path.expanduser(explicit)
    data = env.get("XDG_DATA_HOME")
    base = data if data and os.path.isabs(data) else os.path.join(_home(env), ".local", "share")
    return os.path.join(base, "twostep", VAULT_FILENAME)


def session_dir(env: Mapping[str, str] | None = None) -> str:
    """The directory of session files (it may not exist yet)."""
    env = os.environ if env is None else env
    runtime = env.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isabs(runtime) and os.path.isdir(runtime):
        return os.path.join(runtime, "twostep", "sessions")
    cache = env.get("XDG_CACHE_HOME")
    base = cache if cache and os.path.isabs(cache) else os.path.join(_home(env), ".cache")
    return os.path.join(base, "twostep", "sessions")


def ensure_private_dir(path: str | os.PathLike[str]) -> str:
    """Create ``path`` (and parents) if needed and make sure only the user can use it."""
    path = os.fspath(path)
    os.makedirs(path, mode=0o700, exist_ok=True)
    if os.stat(path).st_mode & 0o077:
        os.chmod(path, 0o700)
    return path
