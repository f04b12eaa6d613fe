"""Who may register (``TWOSTEP_SYNC``), registering, and confirming the address.

- ``check_may_register(email)``: raises :class:`~.errors.SyncDisabledError` or
  :class:`~.errors.DomainNotAllowedError`; ``check_enabled()`` for every other endpoint;
- ``register(..., clock, address) -> Registered``: a pending account, its vault (version 0),
  its first device, and (unless the address has a verified account already: then a *shadow*
  account that can never be verified, so the answer does not tell) a verification. Throttled
  per address and per client network (the ``reset`` lanes: every request counts);
- ``resend(device, *, clock, address) -> Registered``: a new link and code (the old ones die);
- ``discard(account)``: forget a pending registration (its mail could not be sent);
- ``link_valid(token, *, clock) -> bool``, ``verify_link(token, *, clock, address)``,
  ``verify_code(device, code, *, clock, address)``: the address is confirmed once, within
  :data:`LIFETIME`, with at most :data:`CODE_TRIES` wrong codes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet

from ..attempts.models import Throttle
from ..attempts.network import network_of
from ..attempts.throttle import claim
from ..audit.services import record
from ..clock import Clock
from ..errors import ThrottledError
from . import fields
from .devices import add_device
from .errors import DomainNotAllowedError, ExpiredError, SyncDisabledError, WrongCodeError
from .events import SyncEvents
from .keys import address_key, code_digest, digests_match
from .models import SyncAccount, SyncDevice, SyncVault, SyncVerification

LIFETIME: Final = timedelta(hours=1)
CODE_TRIES: Final = 5
#: pending accounts older than this are deleted (their links died long ago)
PENDING_KEPT: Final = timedelta(days=1)
CODE_ALPHABET: Final = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CODE_LENGTH: Final = 8


@dataclass(frozen=True)
class Registered:
    account: SyncAccount
    device: SyncDevice
    device_token: str = field(repr=False)
    expires_at: datetime
    #: None for a shadow account (the address has a verified account: mail a warning instead)
    link_token: str | None = field(default=None, repr=False)
    code: str | None = field(default=None, repr=False)


def check_enabled() -> None:
    if settings.TWOSTEP_SYNC == "off":
        raise SyncDisabledError()


def check_may_register(email: str) -> None:
    check_enabled()
    if settings.TWOSTEP_SYNC == "domains":
        domain = email.rpartition("@")[2]
        if domain not in settings.TWOSTEP_SYNC_DOMAINS:
            raise DomainNotAllowedError()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def show_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def _claim_mail(email: str, address: str | None, *, clock: Clock, account: int | None) -> None:
    """Every mail asked for counts, per address and per network (never reset by a success)."""
    try:
        claim(Throttle.RESET, address_key(email), clock=clock)
        network = network_of(address)
        if network is not None:
            claim(Throttle.RESET_NETWORK, "sync:" + network, clock=clock)
    except ThrottledError:
        record(
            SyncEvents.REGISTRATION_THROTTLED, clock=clock, address=address, sync_account=account
        )
        raise


def _issue(account: SyncAccount, *, clock: Clock) -> tuple[str, str, datetime]:
    SyncVerification.objects.filter(account=account).delete()
    token = secrets.token_urlsafe(32)
    code = _new_code()
    expires = clock() + LIFETIME
    digest = _digest(token)
    SyncVerification.objects.create(
        account=account,
        token_digest=digest,
        code_digest=code_digest(digest, code),
        expires_at=expires,
    )
    return token, code, expires


def register(
    *,
    email: Any,
    auth_key: Any,
    salt: Any,
    kdf: Any,
    wrapped_key: Any,
    recovery_auth_key: Any,
    recovery_wrapped_key: Any,
    device_name: Any,
    clock: Clock,
    address: str | None,
) -> Registered:
    clean_email = fields.email(email)
    check_may_register(clean_email)
    values = {
        "auth_hash": make_password(fields.key("auth_key", auth_key)),
        "salt": fields.salt(salt),
        "kdf": fields.kdf(kdf),
        "wrapped_key": fields.wrapped("wrapped_key", wrapped_key),
        "recovery_auth_hash": make_password(fields.key("recovery_auth_key", recovery_auth_key)),
        "recovery_wrapped_key": fields.wrapped("recovery_wrapped_key", recovery_wrapped_key),
    }
    name = fields.device_name(device_name)
    _claim_mail(clean_email, address, clock=clock, account=None)
    now = clock()
    with transaction.atomic():
        SyncAccount.objects.filter(verified=False, created_at__lt=now - PENDING_KEPT).delete()
        shadow = SyncAccount.objects.filter(email=clean_email, verified=True).exists()
        account = SyncAccount.objects.create(
            email=clean_email, shadow=shadow, created_at=now, **values
        )
        SyncVault.objects.create(account=account)
        device, token = add_device(account, name, clock=clock)
        record(
            SyncEvents.REGISTERED,
            clock=clock,
            address=address,
            sync_account=account.pk,
            device=device.lookup,
        )
        if shadow:
            return Registered(account, device, token, now + LIFETIME)
        link, code, expires = _issue(account, clock=clock)
    return Registered(account, device, token, expires, link, code)


def discard(account: SyncAccount) -> None:
    """Forget a registration whose mail could not be sent (a pending account only)."""
    SyncAccount.objects.filter(pk=account.pk, verified=False).delete()


def resend(device: SyncDevice, *, clock: Clock, address: str | None) -> Registered:
    account = device.account
    _claim_mail(account.email, address, clock=clock, account=account.pk)
    if account.verified or account.shadow:
        return Registered(account, device, "", clock() + LIFETIME)
    with transaction.atomic():
        link, code, expires = _issue(account, clock=clock)
        record(SyncEvents.VERIFICATION_SENT, clock=clock, address=address, sync_account=account.pk)
    return Registered(account, device, "", expires, link, code)


def _live(now: datetime) -> QuerySet[SyncVerification]:
    """Unused and unexpired (the link works until then; the code only for CODE_TRIES tries)."""
    return SyncVerification.objects.filter(used_at__isnull=True, expires_at__gt=now)


def link_valid(token: object, *, clock: Clock) -> bool:
    if not isinstance(token, str) or not token or len(token) > 100:
        return False
    return _live(clock()).filter(token_digest=_digest(token)).exists()


def _confirm(
    verification: SyncVerification, *, clock: Clock, address: str | None, how: str
) -> None:
    """Use the verification (one conditional UPDATE: of two requests only one gets it) and
    confirm its account; the other pending accounts of the address go."""
    now = clock()
    with transaction.atomic():
        used = _live(now).filter(pk=verification.pk).update(used_at=now)
        if used != 1:
            raise ExpiredError()
        account_id = verification.account_id
        try:
            with transaction.atomic():
                SyncAccount.objects.filter(pk=account_id, shadow=False).update(
                    verified=True, verified_at=now
                )
        except IntegrityError:  # another account of the address was confirmed meanwhile
            raise ExpiredError() from None
        email = SyncAccount.objects.values_list("email", flat=True).get(pk=account_id)
        SyncAccount.objects.filter(email=email, verified=False).delete()
        SyncVerification.objects.filter(account_id=account_id).delete()
        record(SyncEvents.VERIFIED, clock=clock, address=address, sync_account=account_id, by=how)


def verify_link(token: object, *, clock: Clock, address: str | None) -> None:
    found = None
    if isinstance(token, str) and 0 < len(token) <= 100:
        found = SyncVerification.objects.filter(token_digest=_digest(token)).first()
    if found is None:
        record(SyncEvents.VERIFICATION_FAILED, clock=clock, address=address, by="link")
        raise ExpiredError()
    _confirm(found, clock=clock, address=address, how="link")


def verify_code(device: SyncDevice, code: object, *, clock: Clock, address: str | None) -> None:
    account = device.account
    if account.verified:
        return
    text = "".join(code.split()).replace("-", "").upper() if isinstance(code, str) else ""
    now = clock()
    with transaction.atomic():
        found = (
            _live(now).select_for_update().filter(account=account, attempts__lt=CODE_TRIES).first()
        )
        if found is None:
            raise ExpiredError()
        # Count the try first (fail closed), then compare in constant time.
        SyncVerification.objects.filter(pk=found.pk).update(attempts=F("attempts") + 1)
        right = len(text) == CODE_LENGTH and digests_match(
            code_digest(found.token_digest, text), found.code_digest
        )
    if not right:
        left = CODE_TRIES - found.attempts - 1
        record(
            SyncEvents.VERIFICATION_FAILED,
            clock=clock,
            address=address,
            sync_account=account.pk,
            by="code",
        )
        if left <= 0:
            raise ExpiredError()
        raise WrongCodeError(attempts_left=left)
    _confirm(found, clock=clock, address=address, how="code")
