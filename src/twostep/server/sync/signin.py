"""Signing in to a sync account and what needs its keys: prelogin, login, password change,
recovery, deleting the account.

Every check of an auth key or a recovery auth key is throttled per address (``password`` or
``recovery`` lane, keyed by an HMAC of the address, claimed before the check: fail closed) and
per client network, costs one Argon2id check whether the account exists or not, and fails with
the one :class:`~.errors.InvalidCredentialsError` whatever was wrong.

- ``prelogin(email) -> dict``: salt and KDF; for an address without a verified account a fake
  salt from the server's key, the same every time, and the default KDF;
- ``login(email, auth_key, device_name, *, clock, address) -> (SyncDevice, token)``;
- ``change_password(device, auth_key, new_auth_key, salt, kdf, wrapped_key, *, clock, address)``;
- ``recovery_wrapped_key(email, recovery_auth_key, *, clock, address) -> str``;
- ``recover(email, recovery_auth_key, new_auth_key, salt, kdf, wrapped_key, device_name,
  revoke_other_devices, *, clock, address) -> (SyncDevice, token)``;
- ``delete_account(device, auth_key, *, clock, address)``: every row of the account goes.
"""

from __future__ import annotations

import base64
import functools
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction

from ..attempts.models import Throttle
from ..attempts.network import check_address, fail_address
from ..attempts.throttle import claim, succeed
from ..audit.services import record
from ..clock import Clock
from ..errors import ThrottledError
from . import fields
from .devices import add_device
from .errors import InvalidCredentialsError, UnverifiedError
from .events import SyncEvents
from .keys import address_key, fake_salt
from .models import SyncAccount, SyncDevice
from .registration import check_enabled


@functools.cache
def _dummy_hash() -> str:
    return make_password(base64.b64encode(bytes(32)).decode())


def prelogin(email: Any) -> dict[str, Any]:
    check_enabled()
    clean = fields.email(email)
    account = SyncAccount.objects.filter(email=clean, verified=True).first()
    if account is None:
        return {
            "salt": base64.b64encode(fake_salt(clean)).decode("ascii"),
            "kdf": dict(fields.DEFAULT_KDF),
        }
    return {"salt": account.salt, "kdf": account.kdf}


def _check(
    lane: str,
    email: str,
    key_text: str,
    *,
    clock: Clock,
    address: str | None,
    account: SyncAccount | None = None,
) -> SyncAccount:
    """The account whose key (auth key on the password lane, recovery auth key on the recovery
    lane) ``key_text`` is, or :class:`InvalidCredentialsError`."""
    try:
        check_address(address, clock=clock)
        claimed = claim(lane, address_key(email), clock=clock)
    except ThrottledError:
        record(SyncEvents.THROTTLED, clock=clock, address=address, lane=lane)
        raise
    if account is None:
        account = (
            SyncAccount.objects.filter(email=email, shadow=False)
            .order_by("-verified", "-created_at")
            .first()
        )
    stored = None
    if account is not None:
        stored = account.auth_hash if lane == Throttle.PASSWORD else account.recovery_auth_hash
    right = check_password(key_text, stored or _dummy_hash())
    if account is None or not right:
        fail_address(address, clock=clock)
        record(
            SyncEvents.RECOVERY_FAILED if lane == Throttle.RECOVERY else SyncEvents.SIGNIN_FAILED,
            clock=clock,
            address=address,
            sync_account=account.pk if account else None,
        )
        raise InvalidCredentialsError()
    succeed(claimed, clock=clock)
    return account


def login(
    email: Any, auth_key: Any, device_name: Any, *, clock: Clock, address: str | None
) -> tuple[SyncDevice, str]:
    check_enabled()
    clean = fields.email(email)
    key_text = fields.key("auth_key", auth_key)
    name = fields.device_name(device_name)
    account = _check(Throttle.PASSWORD, clean, key_text, clock=clock, address=address)
    if not account.verified:
        raise UnverifiedError()
    device, token = add_device(account, name, clock=clock)
    record(
        SyncEvents.SIGNED_IN,
        clock=clock,
        address=address,
        sync_account=account.pk,
        device=device.lookup,
    )
    return device, token


def _replace_password(
    account: SyncAccount, new_auth_key: Any, salt: Any, kdf: Any, wrapped_key: Any
) -> None:
    """Auth hash, salt, KDF and wrapped key together, or none of them."""
    values = {
        "auth_hash": make_password(fields.key("new_auth_key", new_auth_key)),
        "salt": fields.salt(salt),
        "kdf": fields.kdf(kdf),
        "wrapped_key": fields.wrapped("wrapped_key", wrapped_key),
    }
    SyncAccount.objects.filter(pk=account.pk).update(**values)


def change_password(
    device: SyncDevice,
    *,
    auth_key: Any,
    new_auth_key: Any,
    salt: Any,
    kdf: Any,
    wrapped_key: Any,
    clock: Clock,
    address: str | None,
) -> None:
    account = device.account
    key_text = fields.key("auth_key", auth_key)
    for name, value in (
        ("new_auth_key", new_auth_key),
        ("salt", salt),
        ("wrapped_key", wrapped_key),
    ):
        fields.b64(name, value)  # malformed input is refused before a guess is counted
    fields.kdf(kdf)
    # Checked outside the transaction, so a wrong key's count is never rolled back.
    _check(
        Throttle.PASSWORD, account.email, key_text, clock=clock, address=address, account=account
    )
    with transaction.atomic():
        locked = SyncAccount.objects.select_for_update().get(pk=account.pk)
        _replace_password(locked, new_auth_key, salt, kdf, wrapped_key)
        record(
            SyncEvents.PASSWORD_CHANGED,
            clock=clock,
            address=address,
            sync_account=locked.pk,
            device=device.lookup,
        )


def recovery_wrapped_key(
    email: Any, recovery_auth_key: Any, *, clock: Clock, address: str | None
) -> str:
    check_enabled()
    clean = fields.email(email)
    key_text = fields.key("recovery_auth_key", recovery_auth_key)
    account = _check(Throttle.RECOVERY, clean, key_text, clock=clock, address=address)
    record(SyncEvents.RECOVERY_CHECKED, clock=clock, address=address, sync_account=account.pk)
    return account.recovery_wrapped_key


def recover(
    *,
    email: Any,
    recovery_auth_key: Any,
    new_auth_key: Any,
    salt: Any,
    kdf: Any,
    wrapped_key: Any,
    device_name: Any,
    revoke_other_devices: Any,
    clock: Clock,
    address: str | None,
) -> tuple[SyncDevice, str]:
    check_enabled()
    clean = fields.email(email)
    key_text = fields.key("recovery_auth_key", recovery_auth_key)
    name = fields.device_name(device_name)
    revoke = fields.flag("revoke_other_devices", revoke_other_devices)
    for field, value in (
        ("new_auth_key", new_auth_key),
        ("salt", salt),
        ("wrapped_key", wrapped_key),
    ):
        fields.b64(field, value)
    fields.kdf(kdf)
    account = _check(Throttle.RECOVERY, clean, key_text, clock=clock, address=address)
    if not account.verified:
        raise UnverifiedError()
    with transaction.atomic():
        SyncAccount.objects.select_for_update().filter(pk=account.pk).first()
        _replace_password(account, new_auth_key, salt, kdf, wrapped_key)
        if revoke:
            SyncDevice.objects.filter(account=account).delete()
        device, token = add_device(account, name, clock=clock)
        record(
            SyncEvents.RECOVERED,
            clock=clock,
            address=address,
            sync_account=account.pk,
            device=device.lookup,
            revoked_others=revoke,
        )
    return device, token


def delete_account(device: SyncDevice, *, auth_key: Any, clock: Clock, address: str | None) -> None:
    account = device.account
    key_text = fields.key("auth_key", auth_key)
    _check(
        Throttle.PASSWORD, account.email, key_text, clock=clock, address=address, account=account
    )
    with transaction.atomic():
        locked = SyncAccount.objects.select_for_update().get(pk=account.pk)
        # The throttle's rows of the address go too: they are keyed by its HMAC.
        Throttle.objects.filter(key=address_key(locked.email)).delete()
        locked.delete()  # devices, vault and verifications cascade
        record(SyncEvents.ACCOUNT_DELETED, clock=clock, address=address, sync_account=account.pk)
