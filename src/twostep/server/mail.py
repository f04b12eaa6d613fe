"""Mail to users (``TWOSTEP_SMTP_URL``; printed to the console by default).

Functions:

- ``send_to_user(user, template, context=None, *, clock, address=None) -> bool`` renders
  ``mail/<template>.txt`` (first line ``Subject: ...``, then a blank line, then the body) with
  ``user``, ``site_name``, ``base_url``, ``when`` (the time, UTC) and ``address`` in the context,
  and sends it. Returns False (and writes a ``mail.failed`` audit row, and a log line without the
  message body) when the user has no email or the server refuses: a mail problem never breaks
  a sign-in.
- ``notify_user(user, template, context=None, *, clock, address=None) -> None``: the same
  message, sent by a background thread of the process once the current transaction has
  committed (never, if it rolls back), so that the request does not wait for the mail server.
  For the security notices of the verification paths (code reused, locked out, recovery code
  used, 2FA on, off, reset): a slow or unreachable mail server (up to ``EMAIL_TIMEOUT``, 15 s)
  must not hold up a sign-in or an API call, and a wrong code must not answer faster than a
  reused one. A failure is logged and audited as with ``send_to_user``; the process waits up
  to 10 s for unsent notices when it exits. ``TWOSTEP_MAIL_IN_BACKGROUND = False`` (the unit
  tests' setting) sends them at once instead, as ``send_to_user`` does.
- ``send_mail_text(to, subject, body) -> None`` sends plain text and raises on failure (for
  mails to addresses that are not users yet, e.g. invitations).

Templates of the server: ``mfa_enabled``, ``mfa_disabled``, ``recovery_used``,
``code_reused``, ``locked_out``, ``mfa_reset``, ``recovery_regenerated``,
``password_reset_link``, ``password_reset_done``. The console adds its
own (invitation, requirement, reminder) under ``<app>/templates/mail/``.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Final

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.template.loader import render_to_string

from .accounts.models import Organisation, User
from .audit.services import Events, record
from .clock import Clock

__all__ = ["notify_user", "send_mail_text", "send_to_user", "wait_for_notices"]

log = logging.getLogger("twostep.mail")

#: Notices waiting in one process at most; beyond it a notice is dropped (logged and audited).
QUEUE_LIMIT: Final = 10_000
#: How long an exiting process waits for its unsent notices.
EXIT_WAIT_SECONDS: Final = 10.0


def send_mail_text(to: str, subject: str, body: str) -> None:
    message = EmailMessage(
        subject=subject.strip()[:200], body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]
    )
    message.send(fail_silently=False)


@dataclass(frozen=True)
class _Message:
    user: User
    template: str
    to: str
    subject: str
    body: str
    clock: Clock


def _render(
    user: User, template: str, context: dict[str, Any] | None, clock: Clock, address: str | None
) -> _Message | None:
    email = getattr(user, "email", None)
    if not email:
        return None
    org = Organisation.objects.filter(pk=1).first()
    full = {
        "user": user,
        "site_name": org.name if org else "twostep",
        "base_url": settings.TWOSTEP_BASE_URL,
        "when": clock(),
        "address": address,
        **(context or {}),
    }
    text = render_to_string(f"mail/{template}.txt", full)
    head, _, body = text.lstrip().partition("\n\n")
    subject = head.removeprefix("Subject:").strip() if head.startswith("Subject:") else template
    return _Message(user, template, email, subject, body.strip() + "\n", clock)


def _deliver(message: _Message) -> bool:
    try:
        send_mail_text(message.to, message.subject, message.body)
    except Exception as exc:  # SMTP down, refused, timeout...
        _failed(message, type(exc).__name__)
        return False
    return True


def _failed(message: _Message, error: str) -> None:
    log.warning("mail %r to user %s failed: %s", message.template, message.user.pk, error)
    record(
        Events.MAIL_FAILED,
        clock=message.clock,
        subject=message.user,
        template=message.template,
        error=error,
    )


def send_to_user(
    user: User,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    clock: Clock,
    address: str | None = None,
) -> bool:
    message = _render(user, template, context, clock, address)
    return message is not None and _deliver(message)


def notify_user(
    user: User,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    clock: Clock,
    address: str | None = None,
) -> None:
    if not getattr(settings, "TWOSTEP_MAIL_IN_BACKGROUND", True):
        send_to_user(user, template, context, clock=clock, address=address)
        return
    message = _render(user, template, context, clock, address)
    if message is not None:
        transaction.on_commit(lambda: _OUTBOX.put(message))


def wait_for_notices(timeout: float) -> bool:
    """Wait until this process has sent (or given up on) every queued notice; False if some
    are still waiting after ``timeout`` seconds."""
    return _OUTBOX.wait(timeout)


class _Outbox:
    """The notices of one process and the thread that sends them, one at a time.

    The thread starts with the first notice (in each process: a forked worker starts its own)
    and sends with its own database connection, which it only needs to audit a failure."""

    def __init__(self) -> None:
        self._queue: queue.Queue[_Message] = queue.Queue(QUEUE_LIMIT)
        self._lock = threading.Lock()
        self._pid = -1

    def put(self, message: _Message) -> None:
        with self._lock:
            if self._pid != os.getpid():  # first notice of this process
                self._queue = queue.Queue(QUEUE_LIMIT)
                self._pid = os.getpid()
                threading.Thread(target=self._run, name="twostep-mail", daemon=True).start()
            try:
                self._queue.put_nowait(message)
                return
            except queue.Full:
                pass
        _failed(message, "QueueFull")

    def _run(self) -> None:
        work = self._queue
        while True:
            message = work.get()
            try:
                _deliver(message)
            except Exception:  # auditing the failure failed too (database down): log only
                log.exception("mail %r to user %s failed", message.template, message.user.pk)
            finally:
                if work.unfinished_tasks <= 1:
                    connection.close()  # this thread's own; opened again when needed
                work.task_done()

    def wait(self, timeout: float) -> bool:
        if self._pid != os.getpid():  # nothing queued in this process (a fork's copy is not)
            return True
        work = self._queue
        deadline = time.monotonic() + timeout
        with work.all_tasks_done:
            while work.unfinished_tasks:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                work.all_tasks_done.wait(left)
        return True


_OUTBOX: Final = _Outbox()


@atexit.register
def _flush_at_exit() -> None:
    if not _OUTBOX.wait(EXIT_WAIT_SECONDS):
        log.warning("exiting with security notices not sent (the mail server is slow or down)")
