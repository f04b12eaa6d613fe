"""The synchronous SDK against a real `twostep serve`: every endpoint family, errors, retries."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from twostep.otp import parse_uri, read_qr
from twostep.sdk import (
    UNSET,
    AlreadyEnrolledError,
    AuthenticationError,
    Client,
    EnrolmentExpiredError,
    InvalidCodeError,
    InvalidCredentialsError,
    MalformedCodeError,
    NotEnrolledError,
    PermissionDeniedError,
    ThrottledError,
    TransportError,
    UserNotFoundError,
    ValidationError,
)

from .conftest import Server, enrol_user, unique

pytestmark = pytest.mark.slow


def test_ping_with_each_key(admin: Client, rp: Client) -> None:
    assert admin.ping().scope == "admin"
    assert rp.ping().scope == "verify"


def test_enrol_verify_replay_and_recovery(admin: Client, rp: Client) -> None:
    name = unique("v")
    admin.create_user(name, email=f"{name}@example.com")
    enrolment = rp.start_enrolment(email=f"{name}@example.com")
    assert read_qr(enrolment.qr_png) == [enrolment.otpauth_uri]
    assert parse_uri(enrolment.otpauth_uri).secret.base32 == enrolment.secret
    assert rp.get_enrolment(enrolment.enrolment_id).otpauth_uri == enrolment.otpauth_uri
    assert enrolment.secret not in repr(enrolment)
    with pytest.raises(InvalidCodeError):
        rp.confirm_enrolment(enrolment.enrolment_id, _wrong(enrolment))
    user = enrol_user(admin, rp)
    assert rp.status(username=user.username).enrolled is True
    with pytest.raises(AlreadyEnrolledError):
        rp.start_enrolment(username=user.username)

    result = rp.verify(user.code(30), username=user.username, client_address="198.51.100.7")
    assert result.valid
    assert result.method == "totp"
    replay = rp.verify(user.code(30), username=user.username)
    assert not replay.valid
    assert replay.reason == "rejected"
    recovery = rp.verify(user.recovery_codes[0], username=user.username)  # after Retry-After
    assert recovery.method == "recovery"
    assert recovery.recovery_codes_left == 9


def _wrong(enrolment: object) -> str:
    from twostep.otp import Secret, generate_totp

    code = generate_totp(Secret.from_base32(enrolment.secret), time.time())  # type: ignore[attr-defined]
    return f"{(int(code) + 500_000) % 10**6:06d}"


def test_errors_are_typed(admin: Client, rp: Client, server: Server) -> None:
    with pytest.raises(UserNotFoundError) as not_found:
        rp.verify("123456", username=unique("ghost"))
    assert not_found.value.status == 404
    assert not_found.value.code == "user_not_found"
    name = unique("n")
    admin.create_user(name)
    with pytest.raises(NotEnrolledError):
        rp.verify("123456", username=name)
    with pytest.raises(MalformedCodeError):
        rp.verify("12", username=name)
    with pytest.raises(EnrolmentExpiredError):
        rp.get_enrolment("00000000-0000-0000-0000-000000000000")
    with pytest.raises(PermissionDeniedError) as scope:
        rp.list_users()
    assert scope.value.code == "insufficient_scope"
    bad = Client(server.url, "tsk_000000000000_" + "A" * 43)
    with bad, pytest.raises(AuthenticationError) as unauth:
        bad.ping()
    assert unauth.value.code == "invalid_token"
    with pytest.raises(ValidationError) as invalid:
        admin.create_user("has space")
    assert invalid.value.field == "username"
    with pytest.raises(ValueError, match="exactly one"):
        rp.verify("123456", username="a", email="a@example.com")


def test_throttling_is_retried_or_raised(admin: Client, rp: Client, server: Server) -> None:
    user = enrol_user(admin, rp)
    wrong = f"{(int(user.code(30)) + 1) % 10**6:06d}"
    # Three wrong codes: the client waits out the 1 s and 2 s delays on its own (429 +
    # Retry-After); the account then waits 4 s, long enough to see the 429 below for sure.
    for _ in range(3):
        assert rp.verify(wrong, username=user.username).valid is False
    impatient = Client(server.url, server.verify_key, max_retries=0)
    with impatient, pytest.raises(ThrottledError) as throttled:
        impatient.verify(user.code(30), username=user.username)
    assert throttled.value.status == 429
    assert throttled.value.retry_after is not None
    assert 1 <= throttled.value.retry_after <= 4
    # the default client waits what Retry-After says and tries again
    assert rp.verify(user.code(30), username=user.username).valid is True


def test_transport_errors(server: Server) -> None:
    with Client("http://127.0.0.1:9", "x", timeout=2) as nowhere, pytest.raises(TransportError):
        nowhere.ping()


def test_users_roles_groups_policy(admin: Client, rp: Client) -> None:
    name = unique("w")
    user = admin.create_user(name, email=f"{name}@example.com", display_name="W")
    assert user.mfa is not None
    assert user.mfa.status == "not_required"
    updated = admin.update_user(user.id, display_name="Walter", role="admin")
    assert updated.display_name == "Walter"
    assert updated.role == "admin"
    assert updated.email == f"{name}@example.com"
    assert admin.update_user(user.id, email=None).email is None
    assert admin.get_user(user.id).email is None
    page = admin.list_users(q=name)
    assert [u.username for u in page.items] == [name]
    assert any(u.id == user.id for u in admin.iter_users(page_size=2))

    role = admin.create_role(unique("Role "), description="d")
    assert admin.update_role(role.id, description="e").description == "e"
    assert any(r.id == role.id for r in admin.list_roles())
    group = admin.create_group(unique("G "))
    assert admin.add_group_members(group.id, [user.id]) == 1
    assert [u.id for u in admin.list_group_members(group.id).items] == [user.id]
    assert admin.update_user(user.id, groups=[]).groups == ()
    assert admin.get_group(group.id).members == 0

    policy = admin.set_policy("groups", groups=[group.id], grace_days=2)
    assert policy.groups == (group.id,)
    with pytest.raises(PermissionDeniedError) as refused:
        admin.delete_group(group.id)
    assert refused.value.code == "not_allowed"
    admin.set_policy("off")
    admin.delete_group(group.id)
    admin.delete_role(role.id)
    admin.update_user(user.id, role="member")

    detail = admin.require_user(user.id, days=3)
    assert detail.required
    assert detail.requirement is not None
    assert detail.requirement.enrolment_days == 3
    assert admin.extend_enrolment(user.id, 10).days_left == 10
    assert not admin.lift_requirement(user.id).required
    assert admin.set_admin_requirement(user.id, True).requirement.admin_required  # type: ignore[union-attr]
    assert admin.unlock_user(user.id) is False
    assert admin.reset_mfa(user.id).enrolled is False
    admin.delete_user(user.id)
    with pytest.raises(UserNotFoundError):
        admin.get_user(user.id)
    assert UNSET is not None


def test_audit_log_and_api_keys(admin: Client, server: Server) -> None:
    made = admin.create_api_key(unique("k"), "verify")
    assert made.key.startswith(made.prefix)
    assert "key=" not in repr(made)
    with Client(server.url, made.key) as new:
        assert new.ping().key_name == made.name
        assert admin.revoke_api_key(made.id).active is False
        with pytest.raises(AuthenticationError):
            new.ping()
    assert any(k.id == made.id and not k.active for k in admin.list_api_keys())
    assert admin.get_api_key(made.id).revoked_at is not None
    since = datetime.now(UTC) - timedelta(minutes=10)
    page = admin.list_audit_events(event="api.", since=since, limit=2)
    assert len(page.items) == 2
    assert {e.event for e in page.items} <= {"api.key_created", "api.key_revoked"}
    everything = list(admin.iter_audit_events(event="api.", page_size=2))
    assert len(everything) >= 4
    assert [e.id for e in everything] == sorted((e.id for e in everything), reverse=True)


def test_sign_in_with_a_code(admin: Client, rp: Client, server: Server) -> None:
    password = "a long enough passphrase 42"
    user = enrol_user(admin, rp, password=password)
    with Client(server.url) as app:  # a first-party client has no API key
        with pytest.raises(InvalidCredentialsError):
            app.sign_in(user.username, "not the password at all")
        step = app.sign_in(user.username, password)
        assert step.status == "code_required"
        assert step.signin_token
        done = app.sign_in_code(step.signin_token, user.code(30))
        assert done.signed_in
        assert done.access_token
        assert done.device_token
        assert done.password_change_required is False
        me = app.me(done.access_token)
        assert me.user.username == user.username
        assert me.mfa.enrolled
        assert me.password_change_required is False
        again = app.sign_in(user.username, password, device_token=done.device_token)
        assert again.status == "code_required"
        assert again.recovery_code_only is False
        app.sign_out(done.access_token)
        with pytest.raises(AuthenticationError):
            app.me(done.access_token)


def test_sign_in_with_setup(admin: Client, server: Server) -> None:
    from twostep.otp import Secret, generate_totp

    password = "a long enough passphrase 43"
    name = unique("s")
    user = admin.create_user(name, password=password)
    admin.require_user(user.id, days=0)
    with Client(server.url) as app:
        step = app.sign_in(name, password)
        assert step.status == "setup_required"
        assert step.signin_token
        enrolment = app.sign_in_setup(step.signin_token)
        code = generate_totp(Secret.from_base32(enrolment.secret), time.time())
        done = app.confirm_sign_in_setup(step.signin_token, code)
        assert done.signed_in
        assert done.recovery_codes is not None
        assert len(done.recovery_codes) == 10


def test_retry_policy_on_503_with_an_http_date() -> None:
    """503 is not something the server can be made to answer, so a transport stands in."""
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            when = (datetime.now(UTC) + timedelta(seconds=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
            return httpx.Response(503, headers={"Retry-After": when}, text="busy")
        if len(calls) == 2:
            return httpx.Response(
                429,
                headers={"Retry-After": "600"},
                json={"code": "throttled", "message": "Too many attempts.", "retry_after": 600},
            )
        return httpx.Response(200, json={"ok": True, "scope": "verify", "key_name": "k"})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = Client("http://twostep.test", "key", http_client=http, max_retry_wait=5)
    with pytest.raises(ThrottledError) as too_long:  # 600 s is more than we wait
        client.ping()
    assert too_long.value.retry_after == 600
    assert len(calls) == 2
    assert calls[0].headers["Authorization"] == "Bearer key"
    assert client.ping().ok
    http.close()


def test_applications_own_their_users_external_ids_and_issuer(
    admin: Client, server: Server
) -> None:
    shop_name, blog_name = unique("Shop"), unique("Blog")
    shop_key = admin.create_api_key(
        unique("k"), "verify", allow_create_users=True, application=shop_name, issuer="Shop"
    )
    assert (shop_key.application, shop_key.issuer) == (shop_name, "Shop")
    assert shop_key.may_enrol_any_user is False
    blog_key = admin.create_api_key(
        unique("k"), "verify", allow_create_users=True, application=blog_name
    )
    person = admin.create_user(unique("p"), password="a long enough passphrase 44")
    with Client(server.url, shop_key.key) as shop, Client(server.url, blog_key.key) as blog:
        mine, theirs = shop.create_app_user("3"), blog.create_app_user("3")
        assert mine.id != theirs.id
        enrolment = shop.start_enrolment(external_id="3")
        assert parse_uri(enrolment.otpauth_uri).issuer == "Shop"
        assert blog.status(external_id="3").user.id == theirs.id
        with pytest.raises(UserNotFoundError):  # a person with a password: not the shop's
            shop.start_enrolment(username=person.username)
        with pytest.raises(UserNotFoundError):
            shop.status(username=person.username)


def test_sessions_are_listed_and_ended(admin: Client, server: Server) -> None:
    password = "a long enough passphrase 45"
    name = unique("t")
    admin.create_user(name, password=password)
    with Client(server.url) as app:
        first = app.sign_in(name, password).access_token
        second = app.sign_in(name, password).access_token
        assert first
        assert second
        sessions = app.list_sessions(first)
        assert [s.kind for s in sessions] == ["api", "api"]
        assert sum(s.current for s in sessions) == 1
        other = next(s for s in sessions if not s.current)
        app.end_session(first, other.id)
        with pytest.raises(AuthenticationError):
            app.me(second)
        assert [s.current for s in app.list_sessions(first)] == [True]
