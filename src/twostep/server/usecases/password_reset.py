"""Forgot password (the rules: :mod:`twostep.server.accounts.password_reset`).

- ``ask_for_reset(identifier, *, clock, address=None) -> None`` mails a link to the account with
  that email or username, if there is one that may have it, else nothing; the same answer
  either way, and when the request is throttled (recorded);
- ``reset_link_user(uidb64, token, *, clock, address=None) -> User | None`` the user of a valid
  link;
- ``reset_password(uidb64, token, password, *, clock, address=None) -> PasswordAccepted`` sets
  the new password (the link then stops working, every session and remembered browser of the
  user ends, and every token of the user's applications (OpenID Connect); the user is
  mailed) and says what comes next: the code or setup, as after a password. It signs no one
  in. Raises ``ActionRefusedError`` for a dead link,
  ``InvalidUserDataError`` for a refused password, and what ``signin.next_step`` raises
  (locked out, setup deadline passed) after the password was set.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from ..accounts import password_reset as rules
from ..accounts.models import User
from ..accounts.services import set_password
from ..accounts.signin import next_step
from ..audit.services import Events, record
from ..clock import Clock
from ..errors import ActionRefusedError, ThrottledError
from ..mail import notify_user
from ..policy.services import decide
from .sessions import revoke_application_tokens
from .signin import PasswordAccepted

__all__ = ["DEAD_LINK", "ask_for_reset", "reset_link_user", "reset_password"]

DEAD_LINK = "This link is not valid any more (it works once, for an hour). Ask for a new one."


def ask_for_reset(identifier: str, *, clock: Clock, address: str | None = None) -> None:
    try:
        user = rules.claim_request(identifier, clock=clock, address=address)
    except ThrottledError:
        return  # recorded; the answer does not change
    if user is None:
        return
    link = settings.TWOSTEP_BASE_URL.rstrip("/") + rules.link_path(user, clock=clock)
    minutes = int(rules.RESET_LIFETIME.total_seconds() // 60)
    context = {"link": link, "minutes": minutes}
    notify_user(user, "password_reset_link", context, clock=clock, address=address)


def reset_link_user(
    uidb64: str, token: str | None, *, clock: Clock, address: str | None = None
) -> User | None:
    return rules.user_for_link(uidb64, token, clock=clock, address=address)


def reset_password(
    uidb64: str, token: str | None, password: str, *, clock: Clock, address: str | None = None
) -> PasswordAccepted:
    with transaction.atomic():
        user = rules.user_for_link(uidb64, token, clock=clock, address=address)
        if user is None:
            raise ActionRefusedError(DEAD_LINK)
        # Used once: the row is locked, and checked again, so of two submissions only the
        # first finds the token valid (the new password changes its hash).
        locked = User.objects.select_for_update().select_related("role").get(pk=user.pk)
        if not rules.token_valid(locked, token, clock=clock):
            raise ActionRefusedError(DEAD_LINK)
        set_password(locked, password, actor=locked, clock=clock, address=address)
        revoke_application_tokens(locked)
        rules.clear_requests(locked)
        record(Events.PASSWORD_RESET, clock=clock, actor=locked, subject=locked, address=address)
        notify_user(locked, "password_reset_done", clock=clock, address=address)
    decision = decide(locked, clock=clock)
    step = next_step(locked, decision, clock=clock, address=address)
    return PasswordAccepted(locked, step, decision)
