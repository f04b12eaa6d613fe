"""Mails about a 2FA requirement, each sent once per user and deadline: which is due, and the
record that it was sent. The use cases (:mod:`twostep.server.usecases.notices`) send them.

- ``required``: two-step verification is now required, with the deadline (or "at your next
  sign-in"); sent when an administrator requires it or extends the period (console, CLI and
  API), and by ``twostep remind`` to users a policy change made it required for;
- ``reminder``: one day before the deadline (``twostep remind``);
- ``locked``: the deadline passed without setup, so sign-in is refused until an administrator
  extends the period, resets or lifts the requirement (``twostep remind``).

A :class:`~.models.Notice` row (unique per user, kind and deadline) is written *before* the mail
goes out (:func:`claim_notice`), so two ``twostep remind`` runs cannot both send it; if the mail
fails the row is removed (:func:`release_notice`) and the next run tries again.

Functions: ``notice_key(decision)``, ``due_notice(decision, sent, now) -> kind | None``,
``sent_notices(users)``, ``notice_candidates(now)``, ``claim_notice``, ``release_notice``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet

from ..accounts.models import Invitation, User
from .models import Notice
from .queries import status_q, users
from .services import Decision

__all__ = [
    "REMINDER_BEFORE",
    "TEMPLATES",
    "RemindReport",
    "claim_notice",
    "due_notice",
    "is_recorded",
    "notice_candidates",
    "notice_key",
    "release_notice",
    "sent_notices",
]

REMINDER_BEFORE: Final = timedelta(days=1)
TEMPLATES: Final = {
    Notice.REQUIRED: "mfa_required",
    Notice.REMINDER: "mfa_reminder",
    Notice.LOCKED: "mfa_deadline_passed",
}


def notice_key(decision: Decision) -> str:
    """Which requirement a notice is about: its deadline, or the rules when it has none."""
    if decision.deadline is not None:
        return decision.deadline.isoformat(timespec="seconds")
    return ("next-sign-in:" + ",".join(sorted(decision.rules)))[:64]


@dataclass
class RemindReport:
    checked: int = 0
    required: list[str] = field(default_factory=list)
    reminders: list[str] = field(default_factory=list)
    locked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return len(self.required) + len(self.reminders) + len(self.locked)

    def bucket(self, kind: str) -> list[str]:
        return {Notice.REQUIRED: self.required, Notice.REMINDER: self.reminders}.get(
            kind, self.locked
        )


def due_notice(
    decision: Decision, sent: dict[tuple[str, str], datetime], now: datetime
) -> str | None:
    """Which notice (if any) is due for this decision, given what was sent already."""
    if decision.enrolled or not decision.required:
        return None
    key = notice_key(decision)
    if decision.locked:
        return None if (Notice.LOCKED, key) in sent else Notice.LOCKED
    told = sent.get((Notice.REQUIRED, key))
    if told is None:
        return Notice.REQUIRED
    deadline = decision.deadline
    if (
        deadline is not None
        and deadline - REMINDER_BEFORE <= now < deadline
        and told < deadline - REMINDER_BEFORE  # told in the last day anyway: no reminder
        and (Notice.REMINDER, key) not in sent
    ):
        return Notice.REMINDER
    return None


def notice_candidates(now: datetime) -> QuerySet[User]:
    """Users a notice may be due for: required and not set up (pending or locked), active, with
    an email, and no open invitation (the invitation mail says it all)."""
    open_invitation = Exists(
        Invitation.objects.filter(user=OuterRef("pk"), accepted_at__isnull=True)
    )
    return (
        users()
        .filter(status_q("pending", now=now) | status_q("locked", now=now))
        .filter(is_active=True, email__isnull=False)
        .exclude(email="")
        .exclude(open_invitation)
        .select_related("role")
        .order_by("pk")
    )


def sent_notices(batch: Sequence[User]) -> dict[int, dict[tuple[str, str], datetime]]:
    """What was sent to each of these users: ``{user id: {(kind, key): sent_at}}``."""
    sent: dict[int, dict[tuple[str, str], datetime]] = {u.pk: {} for u in batch}
    for user_id, kind, key, at in Notice.objects.filter(
        user_id__in=[u.pk for u in batch]
    ).values_list("user_id", "kind", "key", "sent_at"):
        sent[user_id][(kind, key)] = at
    return sent


def claim_notice(user: User, kind: str, key: str, now: datetime) -> bool:
    """Record the notice as sent; False if it was (or is being sent by a concurrent run)."""
    try:
        with transaction.atomic():
            Notice.objects.create(user=user, kind=kind, key=key, sent_at=now)
    except IntegrityError:
        return False
    return True


def release_notice(user: User, kind: str, key: str) -> None:
    """The mail failed: forget the notice so that the next run tries again."""
    Notice.objects.filter(user=user, kind=kind, key=key).delete()


def is_recorded(user: User, kind: str, key: str) -> bool:
    return Notice.objects.filter(user=user, kind=kind, key=key).exists()
