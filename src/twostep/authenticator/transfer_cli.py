"""``twostep-auth import`` and ``twostep-auth export``: accounts in from, and out to, other apps.

Each direction is its own module: :mod:`.import_cli` and :mod:`.export_cli`, with what they
share at the terminal in :mod:`.transfer_terminal`. Only the argparse definitions live at
module level (``twostep-auth code`` must start fast); the formats, the vault and the crypto are
imported inside the handlers. The work itself is in :mod:`twostep.authenticator.formats`.
"""

from __future__ import annotations

from typing import Any

from twostep.authenticator import export_cli, import_cli

__all__ = ["register"]

PROG = "twostep-auth"


def register(subparsers: Any) -> None:
    """Add the ``import`` and ``export`` subcommands (called by the CLI's parser builder)."""
    import_cli.register(subparsers)
    export_cli.register(subparsers)
