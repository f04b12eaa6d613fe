"""Decisions in words, for the pages and the command line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..policy.services import Decision, Status

__all__ = ["StatusView", "describe", "plural", "postpone_reminder"]


@dataclass(frozen=True)
class StatusView:
    label: str
    tone: str  # ok, warn, bad, off
    detail: str = ""


def _date(moment: datetime) -> str:
    return f"{moment:%-d %b %Y, %H:%M} UTC"


def describe(decision: Decision) -> StatusView:
    """The decision in words for a table cell."""
    status = decision.status
    if status == Status.ENROLLED:
        if decision.locked_out:
            return StatusView(
                "Locked: wrong codes", "bad", "Too many wrong codes; unlock or reset."
            )
        return StatusView("Set up", "ok")
    if status == Status.NOT_REQUIRED:
        return StatusView("Off", "off", "Not required")
    if status == Status.LOCKED:
        deadline = decision.deadline
        return StatusView(
            "Locked: not set up in time",
            "bad",
            f"Deadline {_date(deadline)} passed" if deadline else "Deadline passed",
        )
    if status == Status.SETUP_BY_DEADLINE and decision.deadline is not None:
        days = decision.days_left
        return StatusView(
            "Required, pending",
            "warn",
            f"By {_date(decision.deadline)} ({days} day{'s' if days != 1 else ''} left)",
        )
    return StatusView("Required, pending", "warn", "At the next sign-in")


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def postpone_reminder(decision: Decision) -> str:
    """What "Remind me later" answers: the time left, and what happens once it runs out."""
    deadline = decision.deadline
    days = decision.days_left
    first = f"Reminder: set up two-step verification within {plural(days, 'day')}"
    if deadline is not None:
        first += f", by {_date(deadline)}"
    locks_at = decision.locks_at
    if locks_at is not None:
        return (
            f"{first}. After {_date(locks_at)} you can neither sign in nor set it up until an "
            "administrator extends the period or resets two-step verification for you."
        )
    return f"{first}. After that you cannot sign in without setting it up."
