"""Setting up two-step verification (enrolment): a pending secret, then the first code.

- ``start_enrolment(user, *, clock, address=None, actor=None) -> Enrolment`` a new pending
  160-bit secret, valid 10 minutes, replacing any earlier pending one of the user. Keep
  ``Enrolment.id`` with the session/client that started it: it is the only handle to it.
- ``get_enrolment(user, enrolment_id, *, clock) -> Enrolment`` the same pending setup again
  (QR, key, URI); raises ``EnrolmentExpiredError``.
- ``confirm_enrolment(user, enrolment_id, code, *, clock, address=None, actor=None)
  -> list[str]`` checks the code (window ±1), makes the device, returns the 10 recovery codes
  (canonical form; show with ``format_recovery_code``), and signs the user out of every session
  (``session_epoch`` + 1: the caller refreshes its own session). The use case mails the user.
- ``diagnose_setup_code(user, enrolment_id, code, *, clock) -> Drift | None`` after a wrong
  setup code: how far the device clock seems off (None if unknown).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from django.db import transaction

from twostep.otp import (
    Account,
    Drift,
    InvalidCodeError,
    MalformedCodeError,
    Secret,
    build_uri,
    find_drift,
    make_qr_svg,
    normalize_code,
    verify_totp,
)

from ..accounts.models import Organisation, User
from ..accounts.services import end_sessions
from ..attempts.models import Throttle
from ..audit.services import Events, record
from ..clock import Clock
from ..crypto import DecryptionError
from ..errors import (
    AlreadyEnrolledError,
    CodeRejectedError,
    EnrolmentExpiredError,
    MalformedCodeInputError,
)
from .devices import store_recovery_codes
from .keys import keyring, open_secret
from .models import Device, PendingEnrolment

__all__ = [
    "ALGORITHM",
    "DIGITS",
    "ENROLMENT_LIFETIME",
    "PERIOD",
    "WINDOW",
    "Enrolment",
    "confirm_enrolment",
    "diagnose_setup_code",
    "get_enrolment",
    "normalize_totp",
    "start_enrolment",
]

ENROLMENT_LIFETIME: Final = timedelta(minutes=10)
WINDOW: Final = 1  # time steps either side (RFC 6238 §5.2)
DIGITS: Final = 6
PERIOD: Final = 30
ALGORITHM: Final = "SHA1"  # what every authenticator app supports


@dataclass(frozen=True)
class Enrolment:
    """A pending setup: what the setup page shows. ``secret`` is redacted in reprs."""

    id: uuid.UUID
    secret: Secret = field(repr=False)
    account: Account = field(repr=False)
    expires_at: datetime

    @property
    def uri(self) -> str:
        return build_uri(self.account)

    @property
    def key_groups(self) -> list[str]:
        """The base32 key in groups of four, for typing it into an app."""
        text = self.secret.base32
        return [text[i : i + 4] for i in range(0, len(text), 4)]

    @property
    def issuer(self) -> str:
        return self.account.issuer

    @property
    def account_name(self) -> str:
        return self.account.name

    def qr_svg(self, title: str = "QR code to scan with your authenticator app") -> str:
        return make_qr_svg(self.uri, title=title)


def _issuer() -> str:
    org = Organisation.objects.filter(pk=1).first()
    return (org.name if org else "twostep").replace(":", " ").strip() or "twostep"


def _account_for(user: User, secret: Secret, issuer: str | None = None) -> Account:
    """``issuer``: an application's own name for its users ("Shop: alice"); else the
    organisation's."""
    name = (user.email or user.username).replace(":", " ")
    issuer = (issuer or "").replace(":", " ").strip() or _issuer()
    return Account(secret=secret, issuer=issuer, name=name, digits=DIGITS, period=PERIOD)


def normalize_totp(code: Any) -> str:
    try:
        return normalize_code(code if isinstance(code, str) else "", DIGITS)
    except MalformedCodeError:
        raise MalformedCodeInputError() from None


def start_enrolment(
    user: User,
    *,
    clock: Clock,
    address: str | None = None,
    actor: User | None = None,
    issuer: str | None = None,
) -> Enrolment:
    if Device.objects.filter(user=user).exists():
        raise AlreadyEnrolledError()
    now = clock()
    secret = Secret.generate(160)
    pending = PendingEnrolment(user=user, created_at=now, expires_at=now + ENROLMENT_LIFETIME)
    with transaction.atomic():
        PendingEnrolment.objects.filter(user=user).delete()
        pending.secret_sealed, pending.key_id = keyring().seal(secret.raw, pending.aad())
        pending.save(force_insert=True)
    record(Events.SETUP_STARTED, clock=clock, actor=actor or user, subject=user, address=address)
    return Enrolment(pending.id, secret, _account_for(user, secret, issuer), pending.expires_at)


def _pending(user: User, enrolment_id: Any, now: datetime) -> PendingEnrolment:
    try:
        pending = PendingEnrolment.objects.get(pk=uuid.UUID(str(enrolment_id)), user=user)
    except (PendingEnrolment.DoesNotExist, ValueError, TypeError):
        raise EnrolmentExpiredError() from None
    if pending.expires_at <= now:
        pending.delete()
        raise EnrolmentExpiredError()
    return pending


def get_enrolment(
    user: User, enrolment_id: Any, *, clock: Clock, issuer: str | None = None
) -> Enrolment:
    pending = _pending(user, enrolment_id, clock())
    try:
        secret = open_secret(pending.secret_sealed, pending.key_id, pending.aad())
    except DecryptionError:
        raise EnrolmentExpiredError() from None
    return Enrolment(pending.id, secret, _account_for(user, secret, issuer), pending.expires_at)


def confirm_enrolment(
    user: User,
    enrolment_id: Any,
    code: str,
    *,
    clock: Clock,
    address: str | None = None,
    actor: User | None = None,
    with_device: Callable[[], object] | None = None,
) -> list[str]:
    """``with_device`` runs in the transaction that stores the device (a use case's outbox
    row: written with the change or not at all)."""
    text = normalize_totp(code)
    now = clock()
    enrolment = get_enrolment(user, enrolment_id, clock=clock)
    try:
        step = verify_totp(
            enrolment.secret,
            text,
            now.timestamp(),
            period=PERIOD,
            digits=DIGITS,
            algorithm=ALGORITHM,
            window=WINDOW,
        )
    except InvalidCodeError:
        record(Events.SETUP_FAILED, clock=clock, actor=actor or user, subject=user, address=address)
        raise CodeRejectedError(
            "That code did not match. Check that your app shows a code for the account named "
            "on this page, enter the code it shows now, and make sure your device's time is "
            "set automatically."
        ) from None
    with transaction.atomic():
        if PendingEnrolment.objects.filter(pk=enrolment.id, user=user).delete()[0] != 1:
            raise EnrolmentExpiredError()
        if Device.objects.filter(user=user).exists():
            raise AlreadyEnrolledError()
        device = Device(user=user, created_at=now, last_step=step, last_used_at=now)
        device.secret_sealed, device.key_id = keyring().seal(enrolment.secret.raw, device.aad())
        device.save(force_insert=True)
        codes = store_recovery_codes(user, now)
        Throttle.objects.filter(scope=Throttle.CODE, key=str(user.pk)).update(
            failures=0, locked_at=None, next_attempt_at=now
        )
        end_sessions(user)
        if with_device is not None:
            with_device()
    record(Events.ENABLED, clock=clock, actor=actor or user, subject=user, address=address)
    return codes


def diagnose_setup_code(user: User, enrolment_id: Any, code: str, *, clock: Clock) -> Drift | None:
    try:
        text = normalize_code(code, DIGITS)
        enrolment = get_enrolment(user, enrolment_id, clock=clock)
        drift = find_drift(
            enrolment.secret, [text], clock().timestamp(), period=PERIOD, digits=DIGITS
        )
    except (MalformedCodeError, InvalidCodeError, EnrolmentExpiredError):
        return None
    return drift if abs(drift.steps) > WINDOW else None
