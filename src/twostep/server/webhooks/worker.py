"""The delivery worker of a process: a daemon thread that sends due deliveries.

``twostep serve`` starts one in each gunicorn worker (``start``); a use case that wrote a
delivery wakes the one of its process after commit (``nudge``), so an event usually goes out
at once; otherwise each worker looks every ``POLL_SECONDS`` (retries that came due, events
written by another process such as the CLI). ``twostep webhooks deliver`` runs ``run_forever``
in the foreground instead.

- ``start(*, poll_seconds=POLL_SECONDS) -> None`` (once per process; a forked child starts its
  own);
- ``nudge() -> None``;
- ``run_forever(*, poll_seconds, clock_source=get_clock) -> None``.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Final

from django.db import connection

from ..clock import Clock, get_clock
from .delivery import deliver_due, prune

__all__ = ["POLL_SECONDS", "nudge", "run_forever", "start"]

log = logging.getLogger("twostep.webhooks")

POLL_SECONDS: Final = 5.0
PRUNE_SECONDS: Final = 3600.0

_wake = threading.Event()
_lock = threading.Lock()
_started: dict[str, int] = {"pid": -1}  # the process whose thread runs (a fork has none)


def _round(clock: Clock, *, prune_too: bool = False) -> None:
    try:
        while deliver_due(clock=clock).found:
            pass
        if prune_too:
            prune(clock=clock)
    except Exception:  # the database is down, ...: try again at the next round
        log.exception("webhook deliveries could not be sent this round")
    finally:
        connection.close()  # this thread's own


def run_forever(
    *, poll_seconds: float = POLL_SECONDS, clock_source: Callable[[], Clock] = get_clock
) -> None:
    pruned_at = -PRUNE_SECONDS
    while True:
        due = time.monotonic() - pruned_at >= PRUNE_SECONDS
        _round(clock_source(), prune_too=due)
        if due:
            pruned_at = time.monotonic()
        _wake.wait(poll_seconds)
        _wake.clear()


def start(*, poll_seconds: float = POLL_SECONDS) -> None:
    with _lock:
        if _started["pid"] == os.getpid():
            return
        _started["pid"] = os.getpid()
        threading.Thread(
            target=run_forever,
            kwargs={"poll_seconds": poll_seconds},
            name="twostep-webhooks",
            daemon=True,
        ).start()


def nudge() -> None:
    if _started["pid"] == os.getpid():
        _wake.set()
