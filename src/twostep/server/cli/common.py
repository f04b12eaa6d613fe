"""What the ``twostep`` subcommands share: the one-line error, Django's set-up, argument types."""

from __future__ import annotations

import argparse
import os

__all__ = ["CommandError", "port", "setup_django"]


class CommandError(Exception):
    """A message for the user; exit code 1."""


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twostep.server.settings")
    import django

    django.setup()


def port(text: str) -> int:
    """argparse type: a TCP port number (a usage error otherwise, not a failed bind)."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)")
    return port
