"""Two-step verification: setup, verification, recovery codes, reset. Shared by pages and API.

Everything that decides whether a code is accepted is here, and nowhere else. Functions take
the ``user`` (an ``accounts.User``), a ``clock`` (callable returning an aware datetime), and,
for the audit log, the client ``address`` and the ``actor`` (defaults to the user). They raise
the errors of :mod:`twostep.server.errors`; the messages are safe to show.

Setup (enrolment):

- ``start_enrolment(user, *, clock, address=None, actor=None) -> Enrolment`` a new pending
  160-bit secret, valid 10 minutes, replacing any earlier pending one of the user. Keep
  ``Enrolment.id`` with the session/client that started it: it is the only handle to it.
- ``get_enrolment(user, enrolment_id, *, clock) -> Enrolment`` the same pending setup again
  (QR, key, URI); raises ``EnrolmentExpiredError``.
- ``confirm_enrolment(user, enrolment_id, code, *, clock, address=None, actor=None)
  -> list[str]`` checks the code (window ±1), makes the device, returns the 10 recovery codes
  (canonical form; show with ``format_recovery_code``), mails the user, and signs the user out
  of every session (``session_epoch`` + 1: the caller refreshes its own session).
- ``diagnose_setup_code(user, enrolment_id, code, *, clock) -> Drift | None`` after a wrong
  setup code: how far the device clock seems off (None if unknown).

Verification (throttled per account and per client network, see :mod:`.throttle`):

- ``verify_code(user, code, *, clock, address=None, purpose="sign-in") -> Verification``
  a TOTP code; replay refused by one conditional UPDATE of ``Device.last_step``.
- ``verify_recovery_code(user, code, *, clock, address=None, purpose="sign-in")
  -> Verification`` a recovery code, used up atomically.
- ``mark_step_used(device_id, step, now) -> bool`` the conditional UPDATE itself.
- ``verify_any(user, code, ...) -> Verification`` whichever of the two the input looks like
  (``Verification.method`` is ``"totp"`` or ``"recovery"``).
- ``verify_any_by(lookup, code, *, accept, ...) -> Verification`` the same for a user not
  read yet (what the API's verify uses: on PostgreSQL the read is part of the claim).
- ``check_step_up(user, *, code, verified_at, clock, address=None) -> datetime`` the rule
  for sensitive actions: a code verified in the last 10 minutes (``verified_at``) or a fresh
  ``code`` now; returns the new verification time; raises ``StepUpRequiredError``.

Changes:

- ``disable(user, *, code=None, verified_at=None, clock, address=None, actor=None)`` turn
  2FA off (needs a step-up as above; refused with ``RequiredByPolicyError`` when the policy
  requires 2FA for the user: an admin uses ``reset`` instead).
- ``regenerate_recovery_codes(user, *, code=None, verified_at=None, clock, address=None,
  actor=None) -> list[str]`` (needs a step-up; old codes stop working).
- ``reset(user, *, actor, clock, address=None)`` admin reset: devices, pending setup, recovery
  codes and the lockout go, the enrolment period starts again, the user is signed out
  everywhere and mailed.
- ``unlock_user(user, *, actor, clock, address=None) -> bool`` lift a lockout (True if locked).
- ``rotate_keys(*, clock) -> RotationReport`` re-encrypt every stored secret under the current
  key (``twostep rotate-keys``).

Queries: ``is_enrolled(user)``, ``device_for(user)``, ``recovery_codes_left(user)``,
``lockout_status(user, *, clock) -> throttle.Status``, ``keyring()``.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F

from twostep.otp import (
    Account,
    Drift,
    InvalidCodeError,
    MalformedCodeError,
    ReusedCodeError,
    Secret,
    build_uri,
    find_drift,
    make_qr_svg,
    normalize_code,
    verify_totp,
)

from ..audit.models import Event
from ..audit.services import Events, check_details, record, relabel, row_values
from ..clock import Clock
from ..crypto import DecryptionError, Keyring
from ..errors import (
    AlreadyEnrolledError,
    CodeRejectedError,
    EnrolmentExpiredError,
    LockedOutError,
    MalformedCodeInputError,
    NotEnrolledError,
    RequiredByPolicyError,
    StepUpRequiredError,
    ThrottledError,
)
from ..mail import notify_user
from ..rows import Plan, from_row, insert_parts, select_one, select_plan
from . import throttle
from .models import Device, PendingEnrolment, RecoveryCode, Throttle
from .recovery import (
    format_recovery_code,
    generate_recovery_codes,
    hash_recovery_code,
    matches_recovery_code,
    normalize_recovery_code,
)

__all__ = [
    "ENROLMENT_LIFETIME",
    "STEP_UP_WINDOW",
    "Enrolment",
    "RotationReport",
    "Verification",
    "check_step_up",
    "confirm_enrolment",
    "device_for",
    "diagnose_setup_code",
    "disable",
    "format_recovery_code",
    "get_enrolment",
    "is_enrolled",
    "keyring",
    "lockout_status",
    "mark_step_used",
    "recovery_codes_left",
    "regenerate_recovery_codes",
    "reset",
    "rotate_keys",
    "start_enrolment",
    "unlock_user",
    "verify_any",
    "verify_any_by",
    "verify_code",
    "verify_recovery_code",
]

log = logging.getLogger("twostep.mfa")

ENROLMENT_LIFETIME: Final = timedelta(minutes=10)
STEP_UP_WINDOW: Final = timedelta(minutes=10)
WINDOW: Final = 1  # time steps either side (RFC 6238 §5.2)
DIGITS: Final = 6
PERIOD: Final = 30
ALGORITHM: Final = "SHA1"  # what every authenticator app supports


@functools.cache
def _keyring_for(keys: tuple[str, ...]) -> Keyring:
    return Keyring(keys)


def keyring() -> Keyring:
    return _keyring_for(tuple(settings.TWOSTEP_SECRET_KEYS))


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


@dataclass(frozen=True)
class Verification:
    method: str  # "totp" or "recovery"
    at: datetime
    step: int | None = None
    recovery_codes_left: int | None = None


@dataclass
class RotationReport:
    devices: int = 0
    pending: int = 0
    already_current: int = 0
    unreadable: list[str] = field(default_factory=list)


# -- helpers -----------------------------------------------------------------------------------


def _issuer() -> str:
    from ..accounts.models import Organisation

    org = Organisation.objects.filter(pk=1).first()
    return (org.name if org else "twostep").replace(":", " ").strip() or "twostep"


def _account_for(user: Any, secret: Secret) -> Account:
    name = (user.email or user.username).replace(":", " ")
    return Account(secret=secret, issuer=_issuer(), name=name, digits=DIGITS, period=PERIOD)


def _open(sealed: Any, key_id: str, aad: bytes) -> Secret:
    return Secret(keyring().open(bytes(sealed), key_id, aad))


def _bump_epoch(user: Any) -> None:
    get_user_model().objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])


def _store_recovery_codes(user: Any, now: datetime) -> list[str]:
    codes = generate_recovery_codes()
    RecoveryCode.objects.filter(user=user).delete()
    rows = []
    for code in codes:
        salt, digest = hash_recovery_code(code)
        rows.append(RecoveryCode(user=user, salt=salt, digest=digest, created_at=now))
    RecoveryCode.objects.bulk_create(rows)
    return codes


def is_enrolled(user: Any) -> bool:
    return Device.objects.filter(user=user).exists()


def device_for(user: Any) -> Device | None:
    """The user's device; the one read with the user if the reader marked it so
    (``device_fetched``: :func:`verify_any_by`, one query less per API verify). Only then:
    Django also caches the device when one is created for this object, and does not forget it
    on delete."""
    fetched = getattr(getattr(user, "_state", None), "fields_cache", {})
    if getattr(user, "device_fetched", False) and "totp_device" in fetched:
        return fetched["totp_device"]  # type: ignore[no-any-return]  # Device, or None: none
    return Device.objects.filter(user=user).first()


def recovery_codes_left(user: Any) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def lockout_status(user: Any, *, clock: Clock) -> throttle.Status:
    return throttle.status(Throttle.CODE, str(user.pk), clock=clock)


# -- setup -------------------------------------------------------------------------------------


def start_enrolment(
    user: Any, *, clock: Clock, address: str | None = None, actor: Any = None
) -> Enrolment:
    if is_enrolled(user):
        raise AlreadyEnrolledError()
    now = clock()
    secret = Secret.generate(160)
    pending = PendingEnrolment(user=user, created_at=now, expires_at=now + ENROLMENT_LIFETIME)
    with transaction.atomic():
        PendingEnrolment.objects.filter(user=user).delete()
        pending.secret_sealed, pending.key_id = keyring().seal(secret.raw, pending.aad())
        pending.save(force_insert=True)
    record(Events.SETUP_STARTED, clock=clock, actor=actor or user, subject=user, address=address)
    return Enrolment(pending.id, secret, _account_for(user, secret), pending.expires_at)


def _pending(user: Any, enrolment_id: Any, now: datetime) -> PendingEnrolment:
    try:
        pending = PendingEnrolment.objects.get(pk=uuid.UUID(str(enrolment_id)), user=user)
    except (PendingEnrolment.DoesNotExist, ValueError, TypeError):
        raise EnrolmentExpiredError() from None
    if pending.expires_at <= now:
        pending.delete()
        raise EnrolmentExpiredError()
    return pending


def get_enrolment(user: Any, enrolment_id: Any, *, clock: Clock) -> Enrolment:
    pending = _pending(user, enrolment_id, clock())
    try:
        secret = _open(pending.secret_sealed, pending.key_id, pending.aad())
    except DecryptionError:
        raise EnrolmentExpiredError() from None
    return Enrolment(pending.id, secret, _account_for(user, secret), pending.expires_at)


def _normalize_totp(code: Any) -> str:
    try:
        return normalize_code(code if isinstance(code, str) else "", DIGITS)
    except MalformedCodeError:
        raise MalformedCodeInputError() from None


def confirm_enrolment(
    user: Any,
    enrolment_id: Any,
    code: str,
    *,
    clock: Clock,
    address: str | None = None,
    actor: Any = None,
) -> list[str]:
    text = _normalize_totp(code)
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
        codes = _store_recovery_codes(user, now)
        Throttle.objects.filter(scope=Throttle.CODE, key=str(user.pk)).update(
            failures=0, locked_at=None, next_attempt_at=now
        )
        _bump_epoch(user)
    record(Events.ENABLED, clock=clock, actor=actor or user, subject=user, address=address)
    notify_user(user, "mfa_enabled", clock=clock, address=address)
    return codes


def diagnose_setup_code(user: Any, enrolment_id: Any, code: str, *, clock: Clock) -> Drift | None:
    try:
        text = normalize_code(code, DIGITS)
        enrolment = get_enrolment(user, enrolment_id, clock=clock)
        drift = find_drift(
            enrolment.secret, [text], clock().timestamp(), period=PERIOD, digits=DIGITS
        )
    except (MalformedCodeError, InvalidCodeError, EnrolmentExpiredError):
        return None
    return drift if abs(drift.steps) > WINDOW else None


# -- verification ------------------------------------------------------------------------------


def _claim(
    user: Any,
    *,
    clock: Clock,
    address: str | None,
    purpose: str,
    failure: str,
    tried: bool = False,
) -> throttle.Claim:
    """Reserve one attempt of ``user``'s code lane (raises ThrottledError or LockedOutError)
    and write its audit row at once, as the failure ``failure`` with the count. An attempt is
    a failure until shown otherwise, in the log as in the throttle (a request that dies half-way
    stays one); a success or a reuse rewrites the row (:func:`_settle`). On PostgreSQL the
    claim and the row are one statement: a wrong code costs one write. ``tried``: the caller
    checked the address and ran that statement already (:func:`verify_any_by`), which matched
    no row."""
    try:
        claimed = None
        if not tried:
            throttle.check_address(address, clock=clock)
            claimed = _claim_logged_in_one(user, clock(), failure, address, purpose)
            tried = connection.vendor == "postgresql"  # the statement above matched no row
        if claimed is None:
            claimed = throttle.claim(
                Throttle.CODE, str(user.pk), clock=clock, user=user, fast=not tried
            )
            logged = record(
                failure,
                clock=clock,
                actor=user,
                subject=user,
                address=address,
                purpose=purpose,
                failures=claimed.failures,
            )
            claimed = dataclasses.replace(claimed, logged=logged)
        return claimed
    except (ThrottledError, LockedOutError) as exc:
        locked = isinstance(exc, LockedOutError)
        event = Events.LOCKED_OUT_REFUSED if locked else Events.CODE_THROTTLED
        record(event, clock=clock, actor=user, subject=user, address=address, purpose=purpose)
        raise


# The audit details of a claimed attempt: the given ones (a parameter) and the new count.
_FAILURES_ADDED: Final = "%s::jsonb || jsonb_build_object('failures', c.failures)"


def _no_flush() -> str:
    """The last column of a statement that claims an attempt and logs it as a failure: its
    commit does not wait for the disk (see :func:`_claim_logged_in_one`). Only when the
    statement is a transaction of its own: inside a larger one the setting would last until
    that one commits, which might accept a code."""
    if connection.in_atomic_block:
        return "NULL"
    return "set_config('synchronous_commit', 'off', true)"


def _claim_logged_in_one(
    user: Any, now: datetime, event: str, address: str | None, purpose: str
) -> throttle.Claim | None:
    """PostgreSQL: the claim (``throttle.claim_statement``) and the audit row in one statement
    (``WITH``); the row gets the new count from the claim. None when the claim matched no row
    (no row yet, a delay, a lockout: ``throttle.claim`` sorts it out) or on other databases.

    Its commit does not wait for the write-ahead log to reach the disk (``synchronous_commit``
    off for this one transaction): other requests see the claim at once, as always; only a
    crash of PostgreSQL itself within 0.6 s (3 x ``wal_writer_delay``, by default) could
    forget it and its audit row. After a failure an account waits at least a second before
    its next attempt, so such a crash gives back at most one attempt per account. Everything
    that accepts a code (:func:`_settle`) or locks an account waits for the disk as usual, and
    with it all that came before."""
    if connection.vendor != "postgresql":
        return None
    statement = throttle.claim_statement(Throttle.CODE, str(user.pk), now)
    if statement is None:
        return None
    claim_sql, claim_params = statement
    values = row_values(
        event, at=now, actor=user, subject=user, address=address, details={"purpose": purpose}
    )
    details = _details_param(values.pop("details"))
    columns, marks, params = insert_parts(Event, **values)
    quote = connection.ops.quote_name
    # Only quoted names and "%s" placeholders are put into the text.
    sql = (
        f"WITH c AS ({claim_sql}), e AS (INSERT INTO {quote(Event._meta.db_table)} "  # noqa: S608
        f"({columns}, {quote('details')}) SELECT {marks}, {_FAILURES_ADDED} "
        f"FROM c RETURNING id) SELECT c.id, c.failures, (SELECT id FROM e), {_no_flush()} FROM c"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*claim_params, *params, details])
        found = cursor.fetchone()
    if found is None:
        return None
    return throttle.Claim(
        lane=Throttle.CODE, key=str(user.pk), row_id=found[0], failures=found[1], logged=found[2]
    )


def _find_and_claim(
    lookup: tuple[str, list[Any]], now: datetime, *, event: str, address: str | None, purpose: str
) -> tuple[Any, throttle.Claim | None]:
    """PostgreSQL: :func:`_claim_logged_in_one` for a user not read yet, in the same statement
    as the read (``rows.select_one``'s, with the device). The attempt is claimed only for an
    active user with a device. Returns the user (None if none matched) and the claim (None if
    nothing was claimed: the user is unknown, deactivated or not enrolled, or the claim did not
    apply: no row yet, a delay, a lockout)."""
    where, params = lookup
    plan, key, before, after = _find_and_claim_sql(where, _no_flush())
    statement = throttle.claim_statement(Throttle.CODE, None, now, key_sql=key)
    assert statement is not None  # PostgreSQL
    claim_sql, claim_params = statement
    check_details({"purpose": purpose})
    values = insert_parts(Event, at=now, event=event, address=address or None)[2]
    details = _details_param({"purpose": purpose})
    with connection.cursor() as cursor:
        cursor.execute(before + claim_sql + after, [*params, *claim_params, *values, details])
        row = cursor.fetchone()
    if row is None:
        return None, None
    user = from_row(plan, row)
    user.device_fetched = True  # device_for may use it
    row_id, failures, logged = row[plan.width : plan.width + 3]
    if row_id is None:
        return user, None
    claimed = throttle.Claim(
        lane=Throttle.CODE, key=str(user.pk), row_id=row_id, failures=failures, logged=logged
    )
    return user, claimed


# What a verification reads of the user and the device (the rest, such as the password hash,
# stays in the database; a rare path that needs more reads it then): the checks, the audit
# label, mail (email, display name) and the device's code parameters.
_VERIFY_FIELDS: Final = (
    "username",
    "email",
    "display_name",
    "is_active",
    *(
        f"totp_device__{name}"
        for name in (
            "user",
            "secret_sealed",
            "key_id",
            "algorithm",
            "digits",
            "period",
            "last_step",
        )
    ),
)


@functools.cache
def _find_and_claim_sql(where: str, no_flush: str) -> tuple[Plan, str, str, str]:
    """The parts of :func:`_find_and_claim`'s statement that do not change (made once per
    lookup): the read's plan, the claim's key expression, and the text before and after the
    claim."""
    plan = select_plan(get_user_model(), where, related=("totp_device",), only=_VERIFY_FIELDS)
    user_id, active, name = (f"u.c{plan.position(n)}" for n in ("id", "is_active", "username"))
    device = f"u.c{plan.position('id', related='totp_device')}"
    key = f"(SELECT {user_id}::text FROM u WHERE {active} AND {device} IS NOT NULL)"  # noqa: S608
    quote = connection.ops.quote_name
    columns, marks, _ = insert_parts(Event, at=None, event="", address=None)
    names = ", ".join(
        quote(Event._meta.get_field(f).column)  # type: ignore[union-attr]
        for f in ("actor", "actor_label", "subject", "subject_label", "details")
    )
    label = f"left({name}, 150)"  # audit.services: the username, at most 150 characters
    # Only quoted names, "%s" placeholders and the column names u.c0, u.c1 ... are put into
    # the text (the lookup's own text comes from rows.select_plan, made the same way).
    before = f"WITH u ({', '.join(f'c{i}' for i in range(plan.width))}) AS ({plan.sql}), c AS ("
    after = (
        f"), e AS (INSERT INTO {quote(Event._meta.db_table)} "  # noqa: S608
        f"({columns}, {names}) SELECT {marks}, {user_id}, {label}, {user_id}, {label}, "
        f"{_FAILURES_ADDED} FROM c, u RETURNING id) "
        f"SELECT u.*, c.id, c.failures, (SELECT id FROM e), {no_flush} FROM u LEFT JOIN c ON true"
    )
    return plan, key, before, after


def _details_param(details: dict[str, Any]) -> Any:
    """Audit details as the parameter of a hand-written statement (the JSON field's own
    preparation: ``jsonb`` on PostgreSQL)."""
    field: Any = Event._meta.get_field("details")
    return field.get_db_prep_save(details, connection)


def _failed(
    user: Any,
    claimed: throttle.Claim,
    *,
    clock: Clock,
    address: str | None,
    purpose: str,
    relabel_as: str | None = None,
) -> CodeRejectedError:
    """After a claimed attempt failed: its row says so already (:func:`_claim`), unless it is
    a failure of another kind (``relabel_as``: a reuse); then the address lane, the lockout
    and its mail."""
    throttle.fail_address(address, clock=clock)
    if relabel_as is not None:
        relabel(claimed.logged, relabel_as, purpose=purpose, failures=claimed.failures)
    locked = throttle.fail(claimed, clock=clock)
    if locked:
        record(
            Events.LOCKED_OUT,
            clock=clock,
            subject=user,
            address=address,
            failures=claimed.failures,
        )
        notify_user(
            user, "locked_out", {"failures": claimed.failures}, clock=clock, address=address
        )
    return CodeRejectedError()


def mark_step_used(device_id: Any, step: int, now: datetime) -> bool:
    """Raise the device's last accepted step to ``step`` if it is lower; True if this call did.

    The one conditional UPDATE that makes a code single-use across processes: of any number of
    concurrent calls with the same step, exactly one sees a row count of 1.
    """
    won = Device.objects.filter(pk=device_id, last_step__lt=step).update(
        last_step=step, last_used_at=now
    )
    return won == 1


def verify_code(
    user: Any,
    code: str,
    *,
    clock: Clock,
    address: str | None = None,
    purpose: str = "sign-in",
    claimed: throttle.Claim | None = None,
    tried: bool = False,
) -> Verification:
    """``claimed``, ``tried``: the attempt was claimed already, or tried and not claimed, by
    :func:`verify_any_by` (with the address checked)."""
    text = _normalize_totp(code)
    device = device_for(user)
    if device is None:
        raise NotEnrolledError()
    if claimed is None:
        claimed = _claim(
            user,
            clock=clock,
            address=address,
            purpose=purpose,
            failure=Events.CODE_FAILED,
            tried=tried,
        )
    now = clock()
    try:
        secret = _open(device.secret_sealed, device.key_id, device.aad())
    except DecryptionError:
        log.error(
            "device %s of user %s cannot be decrypted with the configured keys", device.pk, user.pk
        )
        raise _failed(user, claimed, clock=clock, address=address, purpose=purpose) from None
    reused = False
    try:
        step = verify_totp(
            secret,
            text,
            now.timestamp(),
            period=device.period,
            digits=device.digits,
            algorithm=device.algorithm,
            window=WINDOW,
            last_step=device.last_step,
        )
    except ReusedCodeError:
        reused = True
    except InvalidCodeError:
        raise _failed(user, claimed, clock=clock, address=address, purpose=purpose) from None
    won = False if reused else _settle(device.pk, step, now, claimed, purpose=purpose)
    if not won:
        error = _failed(
            user,
            claimed,
            clock=clock,
            address=address,
            purpose=purpose,
            relabel_as=Events.CODE_REUSED,
        )
        notify_user(user, "code_reused", clock=clock, address=address)
        raise error
    return Verification(method="totp", at=now, step=step)


def _settle(
    device_id: Any, step: int, now: datetime, claimed: throttle.Claim, *, purpose: str
) -> bool:
    """A matching code: raise the device's last step (the single conditional UPDATE whose row
    count decides who wins), and if this call did, reset the throttle and rewrite the attempt's
    row to a success, all in one commit (one statement on PostgreSQL). True if it won."""
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        details = _details_param({"purpose": purpose})
        # Only quoted names and "%s" placeholders are put into the text.
        sql = (
            f"WITH d AS (UPDATE {quote(Device._meta.db_table)} SET last_step = %s, "  # noqa: S608
            f"last_used_at = %s WHERE id = %s AND last_step < %s RETURNING id), "
            f"t AS (UPDATE {quote(Throttle._meta.db_table)} SET failures = 0, "
            f"next_attempt_at = %s WHERE id = %s AND EXISTS (SELECT 1 FROM d)), "
            f"e AS (UPDATE {quote(Event._meta.db_table)} SET event = %s, details = %s "
            f"WHERE id = %s AND EXISTS (SELECT 1 FROM d)) "
            f"SELECT count(*) FROM d"
        )
        params = [step, now, device_id, step, now, claimed.row_id]
        params += [Events.CODE_OK, details, claimed.logged]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return bool(cursor.fetchone()[0] == 1)
    with transaction.atomic():
        won = mark_step_used(device_id, step, now)
        if won:
            throttle.succeed(claimed, clock=lambda: now)
            relabel(claimed.logged, Events.CODE_OK, purpose=purpose)
    return won


def verify_recovery_code(
    user: Any,
    code: str,
    *,
    clock: Clock,
    address: str | None = None,
    purpose: str = "sign-in",
) -> Verification:
    text = normalize_recovery_code(code)
    if text is None:
        raise MalformedCodeInputError(
            "Enter one of your recovery codes: 16 letters and digits, like abcd-efgh-jkmn-pqrs."
        )
    if not is_enrolled(user):
        raise NotEnrolledError()
    claimed = _claim(
        user, clock=clock, address=address, purpose=purpose, failure=Events.RECOVERY_FAILED
    )
    now = clock()
    match = None
    for row in RecoveryCode.objects.filter(user=user, used_at__isnull=True):
        # Check every code (no early exit), so timing does not tell which one matched.
        if matches_recovery_code(text, row.salt, row.digest) and match is None:
            match = row
    if match is None or (
        RecoveryCode.objects.filter(pk=match.pk, used_at__isnull=True).update(used_at=now) != 1
    ):
        raise _failed(user, claimed, clock=clock, address=address, purpose=purpose)
    throttle.succeed(claimed, clock=clock)
    left = recovery_codes_left(user)
    relabel(claimed.logged, Events.RECOVERY_USED, purpose=purpose, left=left)
    notify_user(user, "recovery_used", {"left": left}, clock=clock, address=address)
    return Verification(method="recovery", at=now, recovery_codes_left=left)


def verify_any(
    user: Any,
    code: str,
    *,
    clock: Clock,
    address: str | None = None,
    purpose: str = "sign-in",
) -> Verification:
    if not _is_totp(code):
        if normalize_recovery_code(code) is not None:
            return verify_recovery_code(user, code, clock=clock, address=address, purpose=purpose)
        raise MalformedCodeInputError(
            "Enter the 6-digit code from your authenticator app, or a recovery code."
        )
    return verify_code(user, code, clock=clock, address=address, purpose=purpose)


def verify_any_by(
    lookup: tuple[str, list[Any]],
    code: str,
    *,
    accept: Callable[[Any], Any],
    clock: Clock,
    address: str | None = None,
    purpose: str = "sign-in",
) -> Verification:
    """:func:`verify_any` for the user that ``lookup`` finds (a condition as
    ``rows.select_one`` takes it: ``(where, params)``). ``accept(user or None)`` returns the
    user or raises the caller's error (no such user, deactivated): nothing is counted then.

    On PostgreSQL a one-time code costs one statement less: the user and the device are read
    in the statement that claims the attempt and logs it (:func:`_find_and_claim`)."""
    if connection.vendor == "postgresql" and _is_totp(code) and _address_free(address, clock):
        user, claimed = _find_and_claim(
            lookup, clock(), event=Events.CODE_FAILED, address=address, purpose=purpose
        )
        user = accept(user)
        return verify_code(
            user,
            code,
            clock=clock,
            address=address,
            purpose=purpose,
            claimed=claimed,
            tried=claimed is None,
        )
    user = accept(select_one(get_user_model(), *lookup, related=("totp_device",)))
    user.device_fetched = True  # device_for may use it
    return verify_any(user, code, clock=clock, address=address, purpose=purpose)


def _is_totp(code: Any) -> bool:
    try:
        normalize_code(code if isinstance(code, str) else "", DIGITS)
    except MalformedCodeError:
        return False
    return True


def _address_free(address: str | None, clock: Clock) -> bool:
    """True if the client network may try now (when it may not, the usual path answers, and
    logs the refusal with the user)."""
    try:
        throttle.check_address(address, clock=clock)
    except ThrottledError:
        return False
    return True


def check_step_up(
    user: Any,
    *,
    code: str | None,
    verified_at: datetime | None,
    clock: Clock,
    address: str | None = None,
) -> datetime:
    now = clock()
    if verified_at is not None and now - STEP_UP_WINDOW <= verified_at <= now:
        return verified_at
    if not code:
        raise StepUpRequiredError()
    try:
        verification = verify_code(user, code, clock=clock, address=address, purpose="step-up")
    except CodeRejectedError:
        record(Events.STEP_UP_FAILED, clock=clock, actor=user, subject=user, address=address)
        raise
    record(Events.STEP_UP_OK, clock=clock, actor=user, subject=user, address=address)
    return verification.at


# -- changes -----------------------------------------------------------------------------------


def _remove_everything(user: Any) -> int:
    removed = Device.objects.filter(user=user).delete()[0]
    PendingEnrolment.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    return removed


def disable(
    user: Any,
    *,
    code: str | None = None,
    verified_at: datetime | None = None,
    clock: Clock,
    address: str | None = None,
    actor: Any = None,
) -> None:
    from ..policy.services import decide

    if not is_enrolled(user):
        raise NotEnrolledError()
    if decide(user, clock=clock).required:
        raise RequiredByPolicyError()
    check_step_up(user, code=code, verified_at=verified_at, clock=clock, address=address)
    with transaction.atomic():
        _remove_everything(user)
        _bump_epoch(user)
    record(Events.DISABLED, clock=clock, actor=actor or user, subject=user, address=address)
    notify_user(user, "mfa_disabled", clock=clock, address=address)


def regenerate_recovery_codes(
    user: Any,
    *,
    code: str | None = None,
    verified_at: datetime | None = None,
    clock: Clock,
    address: str | None = None,
    actor: Any = None,
) -> list[str]:
    if not is_enrolled(user):
        raise NotEnrolledError()
    check_step_up(user, code=code, verified_at=verified_at, clock=clock, address=address)
    with transaction.atomic():
        codes = _store_recovery_codes(user, clock())
    record(
        Events.RECOVERY_REGENERATED, clock=clock, actor=actor or user, subject=user, address=address
    )
    notify_user(user, "recovery_regenerated", clock=clock, address=address)
    return codes


def reset(user: Any, *, actor: Any, clock: Clock, address: str | None = None) -> None:
    from ..policy.services import restart_enrolment_period

    with transaction.atomic():
        had_device = _remove_everything(user) > 0
        throttle.unlock(user, clock=clock)
        restart_enrolment_period(user, clock=clock)
        _bump_epoch(user)
    record(
        Events.RESET, clock=clock, actor=actor, subject=user, address=address, had_device=had_device
    )
    notify_user(user, "mfa_reset", {"actor": actor}, clock=clock, address=address)


def unlock_user(user: Any, *, actor: Any, clock: Clock, address: str | None = None) -> bool:
    was_locked = throttle.unlock(user, clock=clock)
    record(
        Events.UNLOCKED,
        clock=clock,
        actor=actor,
        subject=user,
        address=address,
        was_locked=was_locked,
    )
    return was_locked


def rotate_keys(*, clock: Clock) -> RotationReport:
    ring = keyring()
    current = ring.current_key_id
    report = RotationReport()
    for model, attr in ((Device, "devices"), (PendingEnrolment, "pending")):
        for row in model.objects.exclude(key_id=current).iterator():
            try:
                raw = ring.open(bytes(row.secret_sealed), row.key_id, row.aad())
            except DecryptionError:
                report.unreadable.append(f"{model.__name__} {row.pk} (user {row.user_id})")
                continue
            sealed, key_id = ring.seal(raw, row.aad())
            updated = model.objects.filter(pk=row.pk, key_id=row.key_id).update(
                secret_sealed=sealed, key_id=key_id
            )
            setattr(report, attr, getattr(report, attr) + updated)
        report.already_current += model.objects.filter(key_id=current).count()
    report.already_current -= report.devices + report.pending
    record(
        Events.KEYS_ROTATED,
        clock=clock,
        devices=report.devices,
        pending=report.pending,
        unreadable=len(report.unreadable),
        current_key=current,
    )
    return report
