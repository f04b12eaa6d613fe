"""The verification service: setup, codes, replay, throttling, lockout, recovery codes, reset."""

from __future__ import annotations

import pytest

from server import actions as mfa
from twostep.otp import Secret, generate_totp
from twostep.server.attempts import network, throttle
from twostep.server.attempts.models import Throttle
from twostep.server.audit.models import Event
from twostep.server.audit.services import Events
from twostep.server.clock import FakeClock
from twostep.server.errors import (
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
from twostep.server.mfa.models import Device, PendingEnrolment, RecoveryCode
from twostep.server.policy.services import require_user

from .helpers import Member, enrol, make_user

pytestmark = pytest.mark.django_db


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def events(user: object, name: str) -> int:
    return Event.objects.filter(subject=user, event=name).count()


# -- setup ---------------------------------------------------------------------------------------


def test_pending_secret_is_160_bits_and_not_a_credential(member: Member, clock: FakeClock) -> None:
    enrolment = mfa.start_enrolment(member.user, clock=clock)
    assert enrolment.secret.bits == 160
    assert not mfa.is_enrolled(member.user)
    with pytest.raises(NotEnrolledError):
        mfa.verify_code(
            member.user, generate_totp(enrolment.secret, clock().timestamp()), clock=clock
        )
    assert enrolment.uri.startswith("otpauth://totp/twostep:alice@example.com?secret=")
    assert "".join(enrolment.key_groups) == enrolment.secret.base32
    assert all(len(g) == 4 for g in enrolment.key_groups)
    assert "<svg" in enrolment.qr_svg()


def test_pending_setup_expires_after_ten_minutes(member: Member, clock: FakeClock) -> None:
    enrolment = mfa.start_enrolment(member.user, clock=clock)
    clock.advance(minutes=10, seconds=1)
    code = generate_totp(enrolment.secret, clock().timestamp())
    with pytest.raises(EnrolmentExpiredError):
        mfa.confirm_enrolment(member.user, enrolment.id, code, clock=clock)
    assert not PendingEnrolment.objects.filter(user=member.user).exists()
    assert not mfa.is_enrolled(member.user)


def test_new_setup_replaces_the_pending_one(member: Member, clock: FakeClock) -> None:
    first = mfa.start_enrolment(member.user, clock=clock)
    second = mfa.start_enrolment(member.user, clock=clock)
    code = generate_totp(first.secret, clock().timestamp())
    with pytest.raises(EnrolmentExpiredError):
        mfa.confirm_enrolment(member.user, first.id, code, clock=clock)
    codes = mfa.confirm_enrolment(
        member.user, second.id, generate_totp(second.secret, clock().timestamp()), clock=clock
    )
    assert len(codes) == 10


def test_confirm_with_wrong_code_keeps_it_pending(member: Member, clock: FakeClock) -> None:
    enrolment = mfa.start_enrolment(member.user, clock=clock)
    code = generate_totp(enrolment.secret, clock().timestamp())
    with pytest.raises(CodeRejectedError, match="time is set automatically"):
        mfa.confirm_enrolment(member.user, enrolment.id, wrong(code), clock=clock)
    assert not mfa.is_enrolled(member.user)
    assert mfa.confirm_enrolment(member.user, enrolment.id, code, clock=clock)
    assert events(member.user, Events.SETUP_FAILED) == 1
    assert events(member.user, Events.ENABLED) == 1


def test_confirm_refuses_a_second_device(enrolled: Member, clock: FakeClock) -> None:
    with pytest.raises(AlreadyEnrolledError):
        mfa.start_enrolment(enrolled.user, clock=clock)


def test_drift_diagnosis_names_the_clock_offset(member: Member, clock: FakeClock) -> None:
    enrolment = mfa.start_enrolment(member.user, clock=clock)
    ahead = generate_totp(enrolment.secret, clock().timestamp() + 300)
    with pytest.raises(CodeRejectedError):
        mfa.confirm_enrolment(member.user, enrolment.id, ahead, clock=clock)
    drift = mfa.diagnose_setup_code(member.user, enrolment.id, ahead, clock=clock)
    assert drift is not None
    assert drift.seconds == 300


def test_setup_mails_the_user(member: Member, clock: FakeClock, outbox: list) -> None:
    enrol(member, clock)
    assert [m.subject for m in outbox] == [
        "Two-step verification is now on for your twostep account"
    ]
    assert outbox[0].to == ["alice@example.com"]


# -- verification window and replay --------------------------------------------------------------


@pytest.mark.parametrize("offset", [-30, 0, 30])
def test_one_step_either_side_is_accepted(enrolled: Member, clock: FakeClock, offset: int) -> None:
    result = mfa.verify_code(enrolled.user, enrolled.code(clock, offset), clock=clock)
    assert result.method == "totp"


@pytest.mark.parametrize("offset", [-60, 60, -90])
def test_two_steps_away_is_refused(enrolled: Member, clock: FakeClock, offset: int) -> None:
    with pytest.raises(CodeRejectedError):
        mfa.verify_code(enrolled.user, enrolled.code(clock, offset), clock=clock)


def test_a_code_works_once_and_reuse_is_logged_and_mailed(
    enrolled: Member, clock: FakeClock, outbox: list
) -> None:
    code = enrolled.code(clock)
    mfa.verify_code(enrolled.user, code, clock=clock)
    clock.advance(seconds=5)
    outbox.clear()
    with pytest.raises(CodeRejectedError) as caught:
        mfa.verify_code(enrolled.user, code, clock=clock)
    # The same message as any wrong code: no "valid but reused" oracle.
    assert caught.value.message == CodeRejectedError().message
    assert events(enrolled.user, Events.CODE_REUSED) == 1
    assert [m.subject for m in outbox] == ["A used sign-in code was entered again on twostep"]


def test_each_attempt_leaves_one_audit_row_with_its_outcome(
    enrolled: Member, clock: FakeClock
) -> None:
    """An attempt is logged as a failure when it is claimed (in the claim's statement on
    PostgreSQL) and the row is rewritten when the code turns out right or reused: one row per
    attempt, with the outcome and nothing else left behind."""

    def attempts() -> list[tuple[str, dict]]:
        rows = Event.objects.filter(subject=enrolled.user, event__startswith="mfa.code_")
        return [(e.event, e.details) for e in rows.order_by("id")]

    baseline = attempts()
    code = enrolled.code(clock)
    with pytest.raises(CodeRejectedError):
        mfa.verify_code(enrolled.user, wrong(code), clock=clock, purpose="api")
    clock.advance(seconds=2)
    mfa.verify_code(enrolled.user, code, clock=clock, purpose="api")
    clock.advance(seconds=2)
    with pytest.raises(CodeRejectedError):
        mfa.verify_code(enrolled.user, code, clock=clock, purpose="api")
    assert attempts()[len(baseline) :] == [
        (Events.CODE_FAILED, {"purpose": "api", "failures": 1}),
        (Events.CODE_OK, {"purpose": "api"}),
        (Events.CODE_REUSED, {"purpose": "api", "failures": 1}),
    ]
    assert Throttle.objects.get(scope=Throttle.CODE, key=str(enrolled.user.pk)).failures == 1
    assert enrolled.recovery_codes
    clock.advance(seconds=2)
    mfa.verify_recovery_code(enrolled.user, enrolled.recovery_codes[0], clock=clock)
    used = Event.objects.filter(subject=enrolled.user).order_by("-id").first()
    assert used is not None
    assert (used.event, used.details) == (Events.RECOVERY_USED, {"purpose": "sign-in", "left": 9})
    assert events(enrolled.user, Events.RECOVERY_FAILED) == 0


def test_an_older_code_is_refused_after_a_newer_one(enrolled: Member, clock: FakeClock) -> None:
    older = enrolled.code(clock, -30)
    mfa.verify_code(enrolled.user, enrolled.code(clock), clock=clock)
    clock.advance(seconds=2)
    with pytest.raises(CodeRejectedError):
        mfa.verify_code(enrolled.user, older, clock=clock)


def test_mark_step_used_is_a_single_conditional_update(enrolled: Member, clock: FakeClock) -> None:
    device = Device.objects.get(user=enrolled.user)
    step = device.last_step + 5
    assert mfa.mark_step_used(device.pk, step, clock()) is True
    assert mfa.mark_step_used(device.pk, step, clock()) is False
    assert mfa.mark_step_used(device.pk, step - 1, clock()) is False
    assert Device.objects.get(pk=device.pk).last_step == step


@pytest.mark.parametrize("typed", ["12345a", "1234567", "12345678901", "", "１２３"])
def test_malformed_codes_are_refused_without_counting(
    enrolled: Member, clock: FakeClock, typed: str
) -> None:
    with pytest.raises(MalformedCodeInputError):
        mfa.verify_code(enrolled.user, typed, clock=clock)
    assert mfa.lockout_status(enrolled.user, clock=clock).failures == 0


def test_full_width_digits_and_spaces_are_accepted(enrolled: Member, clock: FakeClock) -> None:
    code = enrolled.code(clock)
    typed = " ".join(chr(ord(c) - ord("0") + 0xFF10) for c in code[:3]) + " " + code[3:]
    assert mfa.verify_code(enrolled.user, typed, clock=clock).method == "totp"


# -- throttling and lockout ------------------------------------------------------------------------


def test_failures_wait_a_growing_capped_delay(enrolled: Member, clock: FakeClock) -> None:
    code = enrolled.code(clock)
    delays = []
    for _ in range(12):
        with pytest.raises(CodeRejectedError):
            mfa.verify_code(enrolled.user, wrong(code), clock=clock)
        with pytest.raises(ThrottledError) as caught:
            mfa.verify_code(enrolled.user, wrong(code), clock=clock)
        delays.append(caught.value.retry_after)
        clock.advance(seconds=caught.value.retry_after)
        code = enrolled.code(clock)
    assert delays == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]


def test_lockout_after_twenty_failures_until_an_admin_unlocks(
    enrolled: Member, clock: FakeClock, outbox: list
) -> None:
    admin = make_user(clock, "root", role="admin").user
    for _ in range(throttle.CODE_LOCKOUT_FAILURES):
        with pytest.raises(CodeRejectedError):
            mfa.verify_code(enrolled.user, wrong(enrolled.code(clock)), clock=clock)
        clock.advance(seconds=300)
    outbox.clear()
    clock.advance(days=30)
    # Even the right code is refused now, with the lockout message (not "wrong code").
    with pytest.raises(LockedOutError):
        mfa.verify_code(enrolled.user, enrolled.code(clock), clock=clock)
    assert mfa.lockout_status(enrolled.user, clock=clock).locked
    assert events(enrolled.user, Events.LOCKED_OUT) == 1
    assert mfa.unlock_user(enrolled.user, actor=admin, clock=clock) is True
    assert mfa.verify_code(enrolled.user, enrolled.code(clock), clock=clock).method == "totp"
    assert Event.objects.get(event=Events.UNLOCKED).actor == admin


def test_lockout_mail_is_sent_once(enrolled: Member, clock: FakeClock, outbox: list) -> None:
    outbox.clear()
    for _ in range(throttle.CODE_LOCKOUT_FAILURES):
        with pytest.raises(CodeRejectedError):
            mfa.verify_code(enrolled.user, wrong(enrolled.code(clock)), clock=clock)
        clock.advance(seconds=300)
    assert [m.subject for m in outbox] == ["Your twostep account is locked"]


def test_success_resets_the_failure_count(enrolled: Member, clock: FakeClock) -> None:
    for _ in range(3):
        with pytest.raises(CodeRejectedError):
            mfa.verify_code(enrolled.user, wrong(enrolled.code(clock)), clock=clock)
        clock.advance(seconds=10)
    assert mfa.lockout_status(enrolled.user, clock=clock).failures == 3
    mfa.verify_code(enrolled.user, enrolled.code(clock), clock=clock)
    assert mfa.lockout_status(enrolled.user, clock=clock).failures == 0


def test_throttle_is_per_account_across_sessions(enrolled: Member, clock: FakeClock) -> None:
    """A failure from one place makes the next attempt from anywhere wait (no address given)."""
    with pytest.raises(CodeRejectedError):
        mfa.verify_code(enrolled.user, wrong(enrolled.code(clock)), clock=clock, address="10.0.0.1")
    with pytest.raises(ThrottledError):
        mfa.verify_code(enrolled.user, enrolled.code(clock), clock=clock, address="10.0.0.2")


def test_address_throttle_spans_accounts(clock: FakeClock, db: None) -> None:
    members = [enrol(make_user(clock, f"user{i}"), clock) for i in range(3)]
    address = "2001:db8::1"
    for i in range(network.ADDRESS_FREE_FAILURES + 1):
        clock.advance(seconds=301)  # past every account's own delay
        target = members[i % 3]
        with pytest.raises(CodeRejectedError):
            mfa.verify_code(target.user, wrong(target.code(clock)), clock=clock, address=address)
    # Another address of the same IPv6 /64 waits too; another network does not.
    with pytest.raises(ThrottledError):
        mfa.verify_code(members[0].user, members[0].code(clock), clock=clock, address="2001:db8::2")
    assert mfa.verify_code(
        members[0].user, members[0].code(clock), clock=clock, address="192.0.2.9"
    )


# -- recovery codes ----------------------------------------------------------------------------


def test_recovery_codes_are_80_bits_hashed_and_single_use(
    enrolled: Member, clock: FakeClock, outbox: list
) -> None:
    codes = enrolled.recovery_codes
    assert codes is not None
    assert len(set(codes)) == 10
    assert all(len(c) == 16 for c in codes)  # 16 x 5 bits
    for row in RecoveryCode.objects.filter(user=enrolled.user):
        assert bytes(row.digest) not in {c.encode() for c in codes}
        assert len(bytes(row.salt)) == 16
    typed = mfa.format_recovery_code(codes[3]).upper()
    result = mfa.verify_recovery_code(enrolled.user, typed, clock=clock)
    assert result.method == "recovery"
    assert result.recovery_codes_left == 9
    assert "You have 9 unused recovery codes left." in outbox[-1].body
    clock.advance(seconds=5)
    with pytest.raises(CodeRejectedError):
        mfa.verify_recovery_code(enrolled.user, codes[3], clock=clock)
    assert events(enrolled.user, Events.RECOVERY_USED) == 1
    assert events(enrolled.user, Events.RECOVERY_FAILED) == 1


def test_recovery_failures_count_towards_the_lockout(enrolled: Member, clock: FakeClock) -> None:
    for _ in range(throttle.CODE_LOCKOUT_FAILURES):
        with pytest.raises(CodeRejectedError):
            mfa.verify_recovery_code(enrolled.user, "0000-0000-0000-0000", clock=clock)
        clock.advance(seconds=300)
    with pytest.raises(LockedOutError):
        mfa.verify_code(enrolled.user, enrolled.code(clock), clock=clock)


def test_verify_any_takes_either_kind(enrolled: Member, clock: FakeClock) -> None:
    assert mfa.verify_any(enrolled.user, enrolled.code(clock), clock=clock).method == "totp"
    clock.advance(seconds=30)
    assert enrolled.recovery_codes
    result = mfa.verify_any(enrolled.user, enrolled.recovery_codes[0], clock=clock)
    assert result.method == "recovery"
    with pytest.raises(MalformedCodeInputError):
        mfa.verify_any(enrolled.user, "not a code", clock=clock)


# -- step-up, disable, regenerate, reset ---------------------------------------------------------


def test_disable_needs_a_code_from_the_last_ten_minutes(
    enrolled: Member, clock: FakeClock, outbox: list
) -> None:
    verified = clock()
    clock.advance(minutes=10, seconds=1)
    with pytest.raises(StepUpRequiredError):
        mfa.disable(enrolled.user, verified_at=verified, clock=clock)
    assert mfa.is_enrolled(enrolled.user)
    epoch = enrolled.user.session_epoch
    mfa.disable(enrolled.user, code=enrolled.code(clock), clock=clock)
    assert not mfa.is_enrolled(enrolled.user)
    assert not RecoveryCode.objects.filter(user=enrolled.user).exists()
    assert enrolled.user.session_epoch == epoch + 1
    assert outbox[-1].subject == "Two-step verification was turned off for your twostep account"


def test_disable_within_ten_minutes_needs_no_new_code(enrolled: Member, clock: FakeClock) -> None:
    verified = clock()
    clock.advance(minutes=9)
    mfa.disable(enrolled.user, verified_at=verified, clock=clock)
    assert not mfa.is_enrolled(enrolled.user)


def test_disable_is_refused_when_required(enrolled: Member, clock: FakeClock) -> None:
    require_user(enrolled.user, days=7, actor=None, clock=clock)
    with pytest.raises(RequiredByPolicyError):
        mfa.disable(enrolled.user, code=enrolled.code(clock), clock=clock)


def test_regenerate_replaces_the_recovery_codes(enrolled: Member, clock: FakeClock) -> None:
    old = enrolled.recovery_codes
    assert old
    new = mfa.regenerate_recovery_codes(enrolled.user, code=enrolled.code(clock), clock=clock)
    assert set(new).isdisjoint(old)
    clock.advance(seconds=30)
    with pytest.raises(CodeRejectedError):
        mfa.verify_recovery_code(enrolled.user, old[0], clock=clock)
    clock.advance(seconds=30)
    assert mfa.verify_recovery_code(enrolled.user, new[0], clock=clock).recovery_codes_left == 9


def test_admin_reset_removes_everything_and_restarts(
    enrolled: Member, clock: FakeClock, outbox: list
) -> None:
    admin = make_user(clock, "root", role="admin").user
    for _ in range(3):
        with pytest.raises(CodeRejectedError):
            mfa.verify_code(enrolled.user, wrong(enrolled.code(clock)), clock=clock)
        clock.advance(seconds=10)
    epoch = enrolled.user.session_epoch
    mfa.reset(enrolled.user, actor=admin, clock=clock)
    assert not mfa.is_enrolled(enrolled.user)
    assert mfa.lockout_status(enrolled.user, clock=clock).failures == 0
    assert enrolled.user.session_epoch == epoch + 1
    assert "An administrator (root) reset" in outbox[-1].body
    assert Event.objects.get(event=Events.RESET).actor == admin


# -- storage -------------------------------------------------------------------------------------


def test_device_secret_is_sealed_to_its_row(enrolled: Member, clock: FakeClock) -> None:
    device = Device.objects.get(user=enrolled.user)
    assert enrolled.secret is not None
    sealed = bytes(device.secret_sealed)
    assert enrolled.secret.raw not in sealed
    assert device.key_id == mfa.keyring().current_key_id
    other = enrol(make_user(clock, "carol"), clock)
    # Copy bob's ciphertext into carol's row: it no longer decrypts (row-bound AAD), so carol
    # cannot sign in with bob's codes, and the failure is an ordinary wrong code.
    Device.objects.filter(user=other.user).update(secret_sealed=sealed)
    with pytest.raises(CodeRejectedError):
        mfa.verify_code(other.user, enrolled.code(clock), clock=clock)


def test_rotate_keys_re_encrypts_under_the_first_key(
    enrolled: Member, clock: FakeClock, settings: object
) -> None:
    settings.TWOSTEP_SECRET_KEYS = [
        "brand-new-key-0123456789abcdefghijkl",
        *settings.TWOSTEP_SECRET_KEYS,
    ]  # type: ignore[attr-defined]
    before = Device.objects.get(user=enrolled.user)
    assert before.key_id != mfa.keyring().current_key_id
    report = mfa.rotate_keys(clock=clock)
    assert (report.devices, report.unreadable) == (1, [])
    after = Device.objects.get(user=enrolled.user)
    assert after.key_id == mfa.keyring().current_key_id
    assert bytes(after.secret_sealed) != bytes(before.secret_sealed)
    settings.TWOSTEP_SECRET_KEYS = settings.TWOSTEP_SECRET_KEYS[:1]  # type: ignore[attr-defined]
    assert mfa.verify_code(enrolled.user, enrolled.code(clock), clock=clock).method == "totp"


def test_secret_generation_never_repeats(member: Member, clock: FakeClock) -> None:
    secrets_seen = {mfa.start_enrolment(member.user, clock=clock).secret.base32 for _ in range(20)}
    assert len(secrets_seen) == 20
    assert Secret.from_base32(next(iter(secrets_seen))).bits == 160


@pytest.mark.redis
def test_address_throttle_lives_in_redis_when_configured(
    settings: object, clock: FakeClock, db: None
) -> None:
    import secrets

    import redis

    settings.TWOSTEP_REDIS_URL = "redis://127.0.0.1:6379/0"  # type: ignore[attr-defined]
    address = f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(256)}"
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    key = f"twostep:throttle:address:{address}"
    try:
        members = [enrol(make_user(clock, f"r{i}"), clock) for i in range(2)]
        for i in range(network.ADDRESS_FREE_FAILURES + 1):
            clock.advance(seconds=301)
            target = members[i % 2]
            with pytest.raises(CodeRejectedError):
                mfa.verify_code(
                    target.user, wrong(target.code(clock)), clock=clock, address=address
                )
        assert int(client.hget(key, "failures") or 0) == network.ADDRESS_FREE_FAILURES + 1
        assert 0 < client.ttl(key) <= 3600  # forgotten after an hour without failures
        with pytest.raises(ThrottledError):
            mfa.verify_code(members[0].user, members[0].code(clock), clock=clock, address=address)
        assert not Throttle.objects.filter(scope=Throttle.ADDRESS).exists()
    finally:
        client.delete(key)
        client.close()
        if network._redis_client is not None:  # the module's own connection pool
            network._redis_client.close()
            network._redis_client = None
