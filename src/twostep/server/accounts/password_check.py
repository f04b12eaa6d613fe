"""The password step of a sign-in: is this password right, and may this account, device and
network try now.

``check_password_for_sign_in(identifier, password, *, clock, address=None, device=None) ->
User`` throttled per account (or per typed name), or per known device when ``device`` is a
valid device token of the account (``known_devices``), and per client network; unknown names
cost the same time as known ones; raises ``SignInFailedError`` (uniform) or ``ThrottledError``.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth.hashers import make_password

from ..attempts import network, throttle
from ..attempts.models import Throttle
from ..audit.services import Events, record
from ..clock import Clock
from ..errors import SignInFailedError, ThrottledError
from .known_devices import device_id
from .models import User
from .services import MAX_PASSWORD, find_user, normalize_username

__all__ = ["check_password_for_sign_in"]


def _throttle_key(user: User | None, identifier: str) -> str:
    if user is not None:
        return str(user.pk)
    digest = hashlib.sha256(normalize_username(identifier).lower().encode("utf-8", "replace"))
    return "name:" + digest.hexdigest()[:40]


def check_password_for_sign_in(
    identifier: str,
    password: str,
    *,
    clock: Clock,
    address: str | None = None,
    device: str | None = None,
) -> User:
    identifier = normalize_username(identifier)[:254]
    password = password if isinstance(password, str) else ""
    user = find_user(identifier)
    known = device_id(device, user)
    # A known device of this account counts its own failures; everyone else shares the
    # account's lane (throttle.py: "device" and "password").
    lane, key = (
        (Throttle.DEVICE, known) if known else (Throttle.PASSWORD, _throttle_key(user, identifier))
    )
    try:
        network.check_address(address, clock=clock)
        claimed = throttle.claim(lane, key, clock=clock, user=user)
    except ThrottledError:
        record(
            Events.PASSWORD_THROTTLED,
            clock=clock,
            subject=user,
            address=address,
            known_device=bool(known),
        )
        raise
    ok = False
    if password and len(password) <= MAX_PASSWORD and user is not None:
        ok = user.is_active and user.has_usable_password() and user.check_password(password)
    else:
        make_password(password[:MAX_PASSWORD] or "x")  # same cost for unknown names
    if not ok:
        network.fail_address(address, clock=clock)
        record(
            Events.PASSWORD_FAILED,
            clock=clock,
            subject=user,
            address=address,
            known_user=user is not None,
            known_device=bool(known),
        )
        raise SignInFailedError()
    assert user is not None
    throttle.succeed(claimed, clock=clock)
    record(Events.PASSWORD_OK, clock=clock, actor=user, subject=user, address=address)
    return user
