"""Sending the mails about a 2FA requirement (which is due, and the record of what was sent:
:mod:`twostep.server.policy.notices`).

- ``notify_required(user, *, clock, actor=None, address=None) -> bool`` tell ``user`` that 2FA
  is now required and by when (nothing if set up or not required);
- ``send_due_notices(*, clock, dry_run=False) -> RemindReport`` every notice that is due now,
  once (``twostep remind``; run it daily, or hourly). The notice that the setup deadline
  passed is also told to the user's application (webhook ``user.locked``).
"""

from __future__ import annotations

import uuid
from typing import Final

from ..accounts.models import User
from ..audit.services import ConsoleEvents, record
from ..clock import Clock
from ..mail import send_to_user
from ..policy.models import Notice
from ..policy.notices import (
    TEMPLATES,
    RemindReport,
    claim_notice,
    due_notice,
    is_recorded,
    notice_candidates,
    notice_key,
    release_notice,
    sent_notices,
)
from ..policy.services import Decision, decide, decide_many
from ..webhooks.events import emit

__all__ = ["RemindReport", "notify_required", "send_due_notices"]

BATCH: Final = 500


def _send(
    user: User,
    kind: str,
    decision: Decision,
    *,
    clock: Clock,
    actor: User | None = None,
    address: str | None = None,
) -> bool:
    key = notice_key(decision)
    if not claim_notice(user, kind, key, clock()):
        return False
    if kind == Notice.LOCKED:
        # The event's id is made of the user and the deadline: a run that sends the mail again
        # (it failed before) writes no second event.
        emit(
            user,
            "user.locked",
            {
                "reason": "setup_deadline_passed",
                "deadline": decision.deadline.isoformat() if decision.deadline else None,
            },
            clock=clock,
            event_id=uuid.uuid5(uuid.NAMESPACE_URL, f"twostep:deadline:{user.pk}:{key}"),
        )
    context = {
        "decision": decision,
        "deadline": decision.deadline,
        "days_left": decision.days_left,
        "reasons": decision.reasons,
    }
    if not send_to_user(user, TEMPLATES[kind], context, clock=clock, address=address):
        release_notice(user, kind, key)
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
    user: User, *, clock: Clock, actor: User | None = None, address: str | None = None
) -> bool:
    decision = decide(user, clock=clock)
    if decision.enrolled or not decision.required or decision.locked:
        return False
    return _send(user, Notice.REQUIRED, decision, clock=clock, actor=actor, address=address)


def send_due_notices(*, clock: Clock, dry_run: bool = False) -> RemindReport:
    now = clock()
    report = RemindReport()
    candidates = notice_candidates(now)
    last = 0
    while True:
        batch = list(candidates.filter(pk__gt=last)[:BATCH])
        if not batch:
            break
        last = batch[-1].pk
        decisions = decide_many(batch, clock=lambda: now)
        sent = sent_notices(batch)
        for user in batch:
            report.checked += 1
            kind = due_notice(decisions[user.pk], sent[user.pk], now)
            if kind is None:
                continue
            if dry_run or _send(user, kind, decisions[user.pk], clock=clock):
                report.bucket(kind).append(user.username)
            elif not is_recorded(user, kind, notice_key(decisions[user.pk])):
                report.failed.append(user.username)
    return report
