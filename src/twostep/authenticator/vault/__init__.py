"""The encrypted vault: one file holding every entry, AES-256-GCM under a random master key.

- :mod:`.format`: the byte layout and format versions;
- :mod:`.sealed`: AES-256-GCM, and opening the payload with the master key;
- :mod:`.crypto`: the Argon2id password KDF;
- :mod:`.storage`: atomic, durable writes with a ``.bak`` backup, and the writer lock;
- :mod:`.codec`: the payload (entries as JSON);
- :mod:`.core`: :class:`Vault`, which ties them together.

Importing this package costs nothing (its names load on first use), because the fast ``code``
path imports :mod:`.format` and :mod:`.sealed` through it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .core import Vault, read_layout

__all__ = ["Vault", "read_layout"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import core

        return getattr(core, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
