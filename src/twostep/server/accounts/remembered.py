""" "Remember this browser": after a code, a browser may skip the code step for some days.

Off by default; the organisation turns it on with 1 to 30 days
(``Organisation.remember_device_days``). A remembered browser holds a cookie signed with
:mod:`django.core.signing` (its own salt) that names the user, the user's session epoch, the
browser's random id and the expiry; the server keeps a :class:`~.models.RememberedDevice` row
per browser, so the user sees the list and can forget one or all of them.

A cookie is honoured (:func:`recognise`) only while all of these hold: the signature is right;
it names this user; the user's session epoch is the one it was made in (a password change or
reset, a 2FA reset or turning it off, "sign out everywhere" and an administrator's "sign out
everywhere" all raise the epoch, so all end it); its row exists (not forgotten) and has not
expired; the organisation setting is still on, and the browser is not older than the days the
setting allows now (lowering the setting shortens every remembered browser). The caller also
needs 2FA to be set up: the code step it skips is only asked then (``signin.next_step``).

Functions: ``remember_days() -> int`` (0: off), ``set_remember_days(days, *, actor, clock,
address=None)``, ``remember(user, *, clock, address=None, label="") -> (cookie_value,
expires_at)``, ``recognise(user, value, *, clock, address=None) -> RememberedDevice | None``,
``device_id_of(value) -> str | None``, ``devices_of(user, *, clock) -> list``,
``forget(user, device_id, *, actor, clock, address=None) -> bool``, ``forget_all(user, *, actor,
clock, address=None) -> int``.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from django.core import signing
from django.db.models import Q

from ..audit.services import Events, record
from ..clock import Clock
from ..errors import ActionRefusedError, InvalidUserDataError
from .models import MAX_REMEMBER_DAYS, Organisation, RememberedDevice, User

__all__ = [
    "COOKIE_SALT",
    "device_id_of",
    "devices_of",
    "forget",
    "forget_all",
    "recognise",
    "remember",
    "remember_days",
    "set_remember_days",
]

COOKIE_SALT: Final = "twostep.server.accounts.remembered"
LABEL_MAX: Final = 120


def remember_days() -> int:
    """The organisation's setting: days a browser is remembered; 0 when it is off."""
    days = Organisation.objects.filter(pk=1).values_list("remember_device_days", flat=True).first()
    return int(days or 0)


def set_remember_days(
    days: int, *, actor: User | None, clock: Clock, address: str | None = None
) -> None:
    if not isinstance(days, int) or not 0 <= days <= MAX_REMEMBER_DAYS:
        raise InvalidUserDataError(
            "remember_device_days", f"Use 0 (off) to {MAX_REMEMBER_DAYS} days."
        )
    before = remember_days()
    Organisation.objects.get_or_create(pk=1)
    Organisation.objects.filter(pk=1).update(remember_device_days=days)
    if before != days:
        record(
            Events.REMEMBER_SETTING,
            clock=clock,
            actor=actor,
            address=address,
            days=days,
            before=before,
        )


def remember(
    user: User, *, clock: Clock, address: str | None = None, label: str = ""
) -> tuple[str, datetime]:
    """Remember a browser of ``user`` (who just entered a code): the signed cookie value and
    when it expires. Raises ``ActionRefusedError`` while the organisation setting is off."""
    days = remember_days()
    if days <= 0:
        raise ActionRefusedError("Remembering browsers is turned off for this organisation.")
    now = clock()
    expires = now + timedelta(days=days)
    device_id = secrets.token_urlsafe(18)
    RememberedDevice.objects.create(
        user=user,
        device_id=device_id,
        epoch=user.session_epoch,
        label=" ".join(str(label).split())[:LABEL_MAX],
        address=address,
        created_at=now,
        expires_at=expires,
    )
    record(
        Events.DEVICE_REMEMBERED,
        clock=clock,
        actor=user,
        subject=user,
        address=address,
        days=days,
        device=device_id[:8],
    )
    payload = {"u": user.pk, "e": user.session_epoch, "d": device_id, "x": int(expires.timestamp())}
    return signing.dumps(payload, salt=COOKIE_SALT), expires


def _payload(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, str) or not value or len(value) > 400:
        return None
    try:
        payload = signing.loads(value, salt=COOKIE_SALT)
    except signing.BadSignature:
        return None
    return payload if isinstance(payload, dict) else None


def device_id_of(value: Any) -> str | None:
    """The browser id in a cookie whose signature is right (to mark "this browser")."""
    payload = _payload(value)
    device = payload.get("d") if payload else None
    return device if isinstance(device, str) else None


def recognise(
    user: User, value: Any, *, clock: Clock, address: str | None = None
) -> RememberedDevice | None:
    """The remembered browser that ``value`` (the cookie) proves for ``user``, or None."""
    payload = _payload(value)
    if payload is None:
        return None
    days = remember_days()
    now = clock()
    expiry = payload.get("x")
    if (
        days <= 0
        or payload.get("u") != user.pk
        or payload.get("e") != user.session_epoch
        or not isinstance(expiry, int)
        or datetime.fromtimestamp(expiry, UTC) <= now
        or not isinstance(payload.get("d"), str)
    ):
        return None
    device = RememberedDevice.objects.filter(
        user=user,
        device_id=payload["d"],
        epoch=user.session_epoch,
        expires_at__gt=now,
        created_at__gt=now - timedelta(days=days),
    ).first()
    if device is None:
        return None
    RememberedDevice.objects.filter(pk=device.pk).update(last_used_at=now)
    record(
        Events.DEVICE_RECOGNISED,
        clock=clock,
        actor=user,
        subject=user,
        address=address,
        device=device.device_id[:8],
    )
    return device


def _dead(user: User, now: datetime) -> Q:
    return Q(user=user) & (Q(expires_at__lte=now) | ~Q(epoch=user.session_epoch))


def devices_of(user: User, *, clock: Clock) -> list[RememberedDevice]:
    """The user's remembered browsers that still work (the ended ones are deleted)."""
    now = clock()
    RememberedDevice.objects.filter(_dead(user, now)).delete()
    return list(RememberedDevice.objects.filter(user=user).order_by("-created_at"))


def forget(
    user: User, device_id: str, *, actor: User | None, clock: Clock, address: str | None = None
) -> bool:
    deleted, _ = RememberedDevice.objects.filter(user=user, device_id=str(device_id)).delete()
    if deleted:
        record(
            Events.DEVICE_FORGOTTEN,
            clock=clock,
            actor=actor,
            subject=user,
            address=address,
            device=str(device_id)[:8],
        )
    return bool(deleted)


def forget_all(user: User, *, actor: User | None, clock: Clock, address: str | None = None) -> int:
    deleted, _ = RememberedDevice.objects.filter(user=user).delete()
    if deleted:
        record(
            Events.DEVICE_FORGOTTEN,
            clock=clock,
            actor=actor,
            subject=user,
            address=address,
            device="all",
            count=deleted,
        )
    return deleted
