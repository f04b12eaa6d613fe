"""Mails about a 2FA requirement, each sent once per user and deadline.

- ``required``: two-step verification is now required, with the deadline (or "at your next
  sign-in"); sent when an administrator requires it or extends the period (console and CLI),
  and by ``twostep remind`` to users a policy change made it required for;
- ``reminder``: one day before the deadline (``twostep remind``);
- ``locked``: the deadline passed without setup, so sign-in is refused until an administrator
  extends the period, resets or lifts the requirement (``twostep remind``).

The mail about a lockout after wrong codes and the one about an admin reset are sent by the
mfa service itself. A :class:`~.models.Notice` row (unique per user, kind and deadline) is
written *before* the mail goes out, so two ``twostep remind`` runs cannot both send it; if the
mail fails the row is removed and the next run tries again.

Functions: ``notify_required(user, *, clock, actor=None, address=None) -> bool``,
``send_due_notices(*, clock, dry_run=False) -> RemindReport``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from ..audit.services import record
from ..clock import Clock
from ..mail import send_to_user
from ..policy.services import Decision, decide, decide_many
from .models import Invitation, Notice
from .queries import status_q, users
from .services import ConsoleEvents

__all__ = [
    "REMINDER_BEFORE",
    "RemindReport",
    "notice_key",
    "notify_required",
    "send_due_notices",
]

REMINDER_BEFORE: Final = timedelta(days=1)
BATCH: Final = 500
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


def _send(
    user: Any,
    kind: str,
    decision: Decision,
    *,
    clock: Clock,
    actor: Any = None,
    address: str | None = None,
) -> bool:
    key = notice_key(decision)
    try:
        with transaction.atomic():
            Notice.objects.create(user=user, kind=kind, key=key, sent_at=clock())
    except IntegrityError:  # already sent (or being sent by a concurrent run)
        return False
    context = {
        "decision": decision,
        "deadline": decision.deadline,
        "days_left": decision.days_left,
        "reasons": decision.reasons,
    }
    if not send_to_user(user, TEMPLATES[kind], context, clock=clock, address=address):
        Notice.objects.filter(user=user, kind=kind, key=key).delete()
        return False
    record(
        ConsoleEvents.NOTICE_SENT,
        clock=clock,
        actor=actor,
        subject=user,
        address=address,
        kind=kind,
        deadline=decision.deadline.isoformat() if decision.deadline else None,
    )
    return True


def notify_required(
    user: Any, *, clock: Clock, actor: Any = None, address: str | None = None
) -> bool:
    """Tell ``user`` that 2FA is now required and by when (nothing if set up or not required)."""
    decision = decide(user, clock=clock)
    if decision.enrolled or not decision.required or decision.locked:
        return False
    return _send(user, Notice.REQUIRED, decision, clock=clock, actor=actor, address=address)


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


def _due(decision: Decision, sent: dict[tuple[str, str], datetime], now: datetime) -> str | None:
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


def send_due_notices(*, clock: Clock, dry_run: bool = False) -> RemindReport:
    """Send every notice that is due now, once (``twostep remind``; run it daily, or hourly)."""
    now = clock()
    report = RemindReport()
    open_invitation = Exists(
        Invitation.objects.filter(user=OuterRef("pk"), accepted_at__isnull=True)
    )
    candidates = (
        users()
        .filter(status_q("pending", now=now) | status_q("locked", now=now))
        .filter(is_active=True, email__isnull=False)
        .exclude(email="")
        .exclude(open_invitation)
        .select_related("role")
        .order_by("pk")
    )
    last = 0
    while True:
        batch = list(candidates.filter(pk__gt=last)[:BATCH])
        if not batch:
            break
        last = batch[-1].pk
        decisions = decide_many(batch, clock=lambda: now)
        sent: dict[int, dict[tuple[str, str], datetime]] = {u.pk: {} for u in batch}
        for user_id, kind, key, at in Notice.objects.filter(
            user_id__in=[u.pk for u in batch]
        ).values_list("user_id", "kind", "key", "sent_at"):
            sent[user_id][(kind, key)] = at
        for user in batch:
            report.checked += 1
            kind = _due(decisions[user.pk], sent[user.pk], now)
            if kind is None:
                continue
            bucket = {
                Notice.REQUIRED: report.required,
                Notice.REMINDER: report.reminders,
                Notice.LOCKED: report.locked,
            }[kind]
            if dry_run or _send(user, kind, decisions[user.pk], clock=clock):
                bucket.append(user.username)
            elif not Notice.objects.filter(
                user=user, kind=kind, key=notice_key(decisions[user.pk])
            ).exists():
                report.failed.append(user.username)
    return report
