"""Placeholder: ``twostep`` subcommands of the admin console (issue 6 adds them here).

:func:`register` is called by :mod:`twostep.server.cli` with the argparse subparsers object.
A command registers with ``sub = subparsers.add_parser(...)`` and
``sub.set_defaults(handler=function)``; the handler receives the parsed ``args`` after Django is
set up and returns the exit code.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the console's subcommands (none yet)."""
