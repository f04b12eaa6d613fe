"""Sync accounts' actions that send mail (the rules: :mod:`twostep.server.sync`).

- ``register(*, clock, address, **fields) -> Registered``: the pending account, then the mail:
  a link and a code, or (the address has an account) a warning that says to log in instead;
  the answer is the same either way;
- ``resend_verification(device, *, clock, address) -> Registered``: a new link and code.

Both raise :class:`~twostep.server.sync.errors.MailFailedError` when the mail server refuses:
``register`` then keeps nothing (the client registers again later), ``resend`` keeps the
pending account (the client asks again).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from ..accounts.organisation import organisation_name
from ..clock import Clock
from ..mail import send_mail_text
from ..sync import registration
from ..sync.errors import MailFailedError
from ..sync.models import SyncDevice
from ..sync.registration import Registered

__all__ = ["register", "resend_verification"]

log = logging.getLogger("twostep.sync")


def _mail(done: Registered, *, clock: Clock, address: str | None) -> None:
    base = settings.TWOSTEP_BASE_URL.rstrip("/")
    context = {
        "site_name": organisation_name(),
        "base_url": base,
        "when": clock(),
        "address": address,
        "email": done.account.email,
        "minutes": int(registration.LIFETIME.total_seconds() // 60),
    }
    if done.link_token is None or done.code is None:
        if done.account.shadow:
            template = "sync/mail_exists.txt"
        else:
            return  # already verified: nothing to confirm
    else:
        template = "sync/mail_verify.txt"
        context["link"] = f"{base}/sync/verify/{done.link_token}/"
        context["code"] = registration.show_code(done.code)
    text = render_to_string(template, context)
    head, _, body = text.lstrip().partition("\n\n")
    subject = head.removeprefix("Subject:").strip()
    try:
        send_mail_text(done.account.email, subject, body.strip() + "\n")
    except Exception as exc:  # SMTP down, refused, timeout...
        log.warning("sync mail to account %s failed: %s", done.account.pk, type(exc).__name__)
        raise MailFailedError() from None


def register(*, clock: Clock, address: str | None, **values: Any) -> Registered:
    done = registration.register(clock=clock, address=address, **values)
    try:
        _mail(done, clock=clock, address=address)
    except MailFailedError:
        registration.discard(done.account)  # nothing is kept: registering again starts over
        raise
    return done


def resend_verification(device: SyncDevice, *, clock: Clock, address: str | None) -> Registered:
    done = registration.resend(device, clock=clock, address=address)
    _mail(done, clock=clock, address=address)
    return done
