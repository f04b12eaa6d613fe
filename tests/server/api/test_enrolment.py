"""Setting up a user's two-step verification through the API (verify scope), and users that
exist only for the relying party."""

from __future__ import annotations

import base64
import uuid

import pytest

from server.helpers import Member, make_user
from twostep.otp import Secret, generate_totp, parse_uri, read_qr
from twostep.server.accounts.models import User
from twostep.server.clock import FakeClock
from twostep.server.mfa.devices import is_enrolled

from .support import ApiClient, assert_error, make_key

pytestmark = pytest.mark.django_db


def test_enrol_confirm_then_verify(rp: ApiClient, member: Member, clock: FakeClock) -> None:
    started = rp.post("/enrolments", {"username": "alice"})
    assert started.status_code == 201
    data = started.json()
    account = parse_uri(data["otpauth_uri"])
    assert account.secret == Secret.from_base32(data["secret"])
    assert account.secret.bits == 160
    assert data["account_name"] == "alice@example.com"
    assert data["user_id"] == member.user.pk
    assert read_qr(base64.b64decode(data["qr_png_base64"])) == [data["otpauth_uri"]]
    assert data["qr_svg"].startswith("<svg")
    assert not is_enrolled(member.user)  # pending is not a credential

    again = rp.get(f"/enrolments/{data['enrolment_id']}").json()
    assert again["otpauth_uri"] == data["otpauth_uri"]

    code = generate_totp(account.secret, clock().timestamp())
    confirmed = rp.post(f"/enrolments/{data['enrolment_id']}/confirm", {"code": code})
    assert confirmed.status_code == 200
    body = confirmed.json()
    assert body["enabled"] is True
    assert len(body["recovery_codes"]) == 10
    assert all(len(c) == 19 and c.count("-") == 3 for c in body["recovery_codes"])
    assert is_enrolled(member.user)

    assert_error(rp.get(f"/enrolments/{data['enrolment_id']}"), 404, "enrolment_expired")
    clock.advance(seconds=30)
    verify = rp.post(
        "/verify", {"username": "alice", "code": generate_totp(account.secret, clock().timestamp())}
    )
    assert verify.json()["valid"] is True
    verify = rp.post("/verify", {"username": "alice", "code": body["recovery_codes"][3]})
    assert verify.json()["method"] == "recovery"


def test_wrong_setup_code_keeps_it_pending(rp: ApiClient, member: Member, clock: FakeClock) -> None:
    data = rp.post("/enrolments", {"username": "alice"}).json()
    secret = Secret.from_base32(data["secret"])
    wrong = f"{(int(generate_totp(secret, clock().timestamp())) + 1) % 10**6:06d}"
    url = f"/enrolments/{data['enrolment_id']}/confirm"
    assert_error(rp.post(url, {"code": wrong}), 400, "invalid_code")
    assert_error(rp.post(url, {"code": "12"}), 422, "malformed_code")
    assert rp.post(url, {"code": generate_totp(secret, clock().timestamp())}).status_code == 200


def test_setup_expires_after_ten_minutes(rp: ApiClient, member: Member, clock: FakeClock) -> None:
    data = rp.post("/enrolments", {"username": "alice"}).json()
    clock.advance(minutes=10, seconds=1)
    code = generate_totp(Secret.from_base32(data["secret"]), clock().timestamp())
    response = rp.post(f"/enrolments/{data['enrolment_id']}/confirm", {"code": code})
    assert_error(response, 404, "enrolment_expired")
    assert not is_enrolled(member.user)


def test_a_new_setup_replaces_the_pending_one(rp: ApiClient, member: Member) -> None:
    first = rp.post("/enrolments", {"username": "alice"}).json()
    rp.post("/enrolments", {"username": "alice"})
    assert_error(rp.get(f"/enrolments/{first['enrolment_id']}"), 404, "enrolment_expired")


def test_unknown_enrolment_is_404(rp: ApiClient, db: None) -> None:
    assert_error(rp.get(f"/enrolments/{uuid.uuid4()}"), 404, "enrolment_expired")
    response = rp.post(f"/enrolments/{uuid.uuid4()}/confirm", {"code": "123456"})
    assert_error(response, 404, "enrolment_expired")
    assert_error(rp.get("/enrolments/not-a-uuid"), 422, "validation_error")


def test_enrolled_user_cannot_be_enrolled_again(rp: ApiClient, enrolled: Member) -> None:
    assert_error(rp.post("/enrolments", {"username": "bob"}), 409, "already_enrolled")


def test_administrators_set_up_2fa_themselves(rp: ApiClient, clock: FakeClock) -> None:
    make_user(clock, "boss", role="admin")
    assert_error(rp.post("/enrolments", {"username": "boss"}), 403, "protected")


def test_creating_users_needs_the_keys_permission(rp: ApiClient, db: None) -> None:
    response = rp.post("/users", {"external_id": "crm-1"})
    assert_error(response, 403, "create_users_not_allowed")
    assert not User.objects.filter(external_id="crm-1").exists()


def test_app_user_has_no_password(clock: FakeClock, db: None) -> None:
    from django.test import Client

    rp = ApiClient(Client(), make_key("verify", clock, allow_create_users=True))
    created = rp.post(
        "/users", {"external_id": "auth0|5f1c", "email": "dee@example.com", "display_name": "Dee"}
    )
    assert created.status_code == 201
    body = created.json()
    assert body["username"] == "auth0-5f1c"
    assert body["external_id"] == "auth0|5f1c"
    user = User.objects.get(pk=body["id"])
    assert not user.has_usable_password()
    assert user.role.key == "member"
    # the same external id again, and a clashing derived username
    assert_error(rp.post("/users", {"external_id": "auth0|5f1c"}), 409, "conflict")
    second = rp.post("/users", {"external_id": "auth0/5f1c"}).json()
    assert second["username"].startswith("auth0-5f1c-")
    named = rp.post("/users", {"external_id": "x-9", "username": "erin"}).json()
    assert named["username"] == "erin"
    # and the relying party can enrol it at once
    assert rp.post("/enrolments", {"external_id": "x-9"}).status_code == 201
