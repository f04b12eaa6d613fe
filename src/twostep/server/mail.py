"""Mail to users (``TWOSTEP_SMTP_URL``; printed to the console by default).

Functions:

- ``send_to_user(user, template, context=None, *, clock, address=None) -> bool`` renders
  ``mail/<template>.txt`` (first line ``Subject: ...``, then a blank line, then the body) with
  ``user``, ``site_name``, ``base_url``, ``when`` (the time, UTC) and ``address`` in the context,
  and sends it. Returns False (and writes a ``mail.failed`` audit row, and a log line without the
  message body) when the user has no email or the server refuses: a mail problem never breaks
  a sign-in.
- ``send_mail_text(to, subject, body) -> None`` sends plain text and raises on failure (for
  mails to addresses that are not users yet, e.g. invitations).

Templates of the server: ``mfa_enabled``, ``mfa_disabled``, ``recovery_used``,
``code_reused``, ``locked_out``, ``mfa_reset``, ``recovery_regenerated``. The console adds its
own (invitation, requirement, reminder) under ``<app>/templates/mail/``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from .clock import Clock

__all__ = ["send_mail_text", "send_to_user"]

log = logging.getLogger("twostep.mail")


def send_mail_text(to: str, subject: str, body: str) -> None:
    message = EmailMessage(
        subject=subject.strip()[:200], body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]
    )
    message.send(fail_silently=False)


def send_to_user(
    user: Any,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    clock: Clock,
    address: str | None = None,
) -> bool:
    email = getattr(user, "email", None)
    if not email:
        return False
    from .accounts.models import Organisation

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
    try:
        send_mail_text(email, subject, body.strip() + "\n")
    except Exception as exc:  # SMTP down, refused, timeout...
        log.warning("mail %r to user %s failed: %s", template, user.pk, type(exc).__name__)
        from .audit.services import Events, record

        record(
            Events.MAIL_FAILED,
            clock=clock,
            subject=user,
            template=template,
            error=type(exc).__name__,
        )
        return False
    return True
