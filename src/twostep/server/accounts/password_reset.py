"""Forgot password: a link by mail to choose a new password (DESIGN.md §4, Identity).

The link's token is Django's :class:`~django.contrib.auth.tokens.PasswordResetTokenGenerator`
(an HMAC of the user's id, password hash, last sign-in, email and session epoch, and the time
it was made) read with our clock. So a link works for :data:`RESET_LIFETIME` (1 hour), once (the
new password changes the hash), and not after the password was changed or the user signed out
everywhere in the meantime. Nothing is stored.

Asking for a link is throttled per account (or per typed name when no account has it, so
both behave alike) and per client network (``attempts.throttle``'s ``reset`` lanes), and the
answer is the same whether or not the address belongs to an account. Setting the new password
does not sign anyone in: the sign-in's next step (the code, or setup) still follows
(``usecases.password_reset``).

Functions: ``claim_request(identifier, *, clock, address=None) -> User | None`` (throttled;
the account that gets a link, if any), ``link_path(user, *, clock) -> str``,
``user_for_link(uidb64, token, *, clock) -> User | None``, ``token_valid(user, token, *,
clock) -> bool``, ``clear_requests(user)``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any, Final

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from ..attempts import throttle
from ..attempts.models import Throttle
from ..attempts.network import network_of
from ..audit.services import Events, record
from ..clock import Clock
from ..errors import ThrottledError
from .models import User
from .services import find_user, normalize_username

__all__ = [
    "RESET_LIFETIME",
    "claim_request",
    "clear_requests",
    "link_path",
    "token_valid",
    "user_for_link",
]

#: ``settings.PASSWORD_RESET_TIMEOUT``, which Django's generator checks.
RESET_LIFETIME: Final = timedelta(hours=1)


class _Tokens(PasswordResetTokenGenerator):
    """Django's generator with our clock, our lifetime and the session epoch in the hash."""

    key_salt = "twostep.server.accounts.password_reset"

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self._clock = clock

    def _now(self) -> datetime:
        return self._clock().replace(tzinfo=None)  # Django counts naive seconds since 2001

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        return f"{super()._make_hash_value(user, timestamp)}:{user.session_epoch}"


def _request_key(user: User | None, identifier: str) -> str:
    if user is not None:
        return str(user.pk)
    digest = hashlib.sha256(normalize_username(identifier).lower().encode("utf-8", "replace"))
    return "name:" + digest.hexdigest()[:40]


def claim_request(identifier: str, *, clock: Clock, address: str | None = None) -> User | None:
    """Count one request for a link; the account that gets one (active, with an email and a
    password), or None. Raises ``ThrottledError`` (recorded) when the account or the network
    asked too often: the caller answers as it always does."""
    identifier = normalize_username(identifier)[:254]
    user = find_user(identifier) if identifier else None
    network = network_of(address)
    try:
        throttle.claim(Throttle.RESET, _request_key(user, identifier), clock=clock, user=user)
        if network is not None:
            throttle.claim(Throttle.RESET_NETWORK, network, clock=clock)
    except ThrottledError:
        record(Events.RESET_THROTTLED, clock=clock, subject=user, address=address)
        raise
    eligible = (
        user is not None and user.is_active and bool(user.email) and user.has_usable_password()
    )
    record(
        Events.RESET_REQUESTED,
        clock=clock,
        subject=user,
        address=address,
        known_user=user is not None,
        link_sent=eligible,
    )
    return user if eligible else None


def link_path(user: User, *, clock: Clock) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = _Tokens(clock).make_token(user)
    return reverse("web:reset_link", kwargs={"uidb64": uid, "token": token})


def token_valid(user: User, token: str | None, *, clock: Clock) -> bool:
    return user.is_active and _Tokens(clock).check_token(user, token)


def user_for_link(
    uidb64: str, token: str | None, *, clock: Clock, address: str | None = None
) -> User | None:
    """The user of a valid link (recorded when refused: expired, used, or made up)."""
    user = None
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
        user = User.objects.select_related("role").filter(pk=pk).first()
    except (TypeError, ValueError, OverflowError):
        pass
    if user is not None and token_valid(user, token, clock=clock):
        return user
    record(Events.RESET_LINK_REFUSED, clock=clock, subject=user, address=address)
    return None


def clear_requests(user: User) -> None:
    """A completed reset: the account may ask for links again without waiting."""
    Throttle.objects.filter(scope=Throttle.RESET, key=str(user.pk)).update(failures=0)
