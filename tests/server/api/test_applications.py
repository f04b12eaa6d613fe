"""Applications: a verify key enrols and reads only its own application's users, each
application has its own namespace of external ids and its own issuer.

Binding a second factor must be done by the user (NIST SP 800-63B §6.1.2.1): before this, any
verify key could enrol a person who signs in to the pages with a password, and that person's
next sign-in asked for the key holder's codes.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from server.helpers import Member, enrol
from twostep.otp import generate_totp, parse_uri
from twostep.server.clock import FakeClock
from twostep.server.mfa.models import PendingEnrolment

from .support import ApiClient, assert_error, make_key

pytestmark = pytest.mark.django_db


def app(clock: FakeClock, name: str, issuer: str | None = None, **kw: Any) -> ApiClient:
    key = make_key("verify", clock, application=name, issuer=issuer, allow_create_users=True, **kw)
    return ApiClient(Client(), key)


def test_a_verify_key_cannot_enrol_or_read_a_password_user(
    member: Member, enrolled: Member, clock: FakeClock
) -> None:
    shop = app(clock, "Shop")
    for ref in ({"username": "alice"}, {"email": "alice@example.com"}):
        assert_error(shop.post("/enrolments", ref), 404, "user_not_found")
        assert_error(shop.get("/status", **ref), 404, "user_not_found")  # email not leaked
    assert not PendingEnrolment.objects.filter(user=member.user).exists()
    # Checking a code needs the user's own authenticator: that still works for anyone.
    verified = shop.post("/verify", {"username": "bob", "code": enrolled.code(clock)})
    assert verified.json()["valid"] is True


def test_a_key_granted_by_an_admin_may_enrol_any_user(
    admin: ApiClient, member: Member, clock: FakeClock
) -> None:
    made = admin.post(
        "/admin/api-keys",
        {
            "name": "intranet",
            "scope": "verify",
            "application": "Intranet",
            "may_enrol_any_user": True,
        },
    )
    assert made.status_code == 201, made.content
    assert made.json()["may_enrol_any_user"] is True
    assert made.json()["application"] == "Intranet"
    granted = ApiClient(Client(), made.json()["key"])
    assert granted.post("/enrolments", {"username": "alice"}).status_code == 201
    assert granted.get("/status", username="alice").json()["user"]["email"] == "alice@example.com"


def test_an_application_enrols_its_own_users_with_its_issuer(clock: FakeClock, db: None) -> None:
    shop = app(clock, "Shop", issuer="Shop")
    user = shop.post("/users", {"external_id": "3", "username": "alice"}).json()
    started = shop.post("/enrolments", {"external_id": "3"})
    assert started.status_code == 201, started.content
    data = started.json()
    assert data["issuer"] == "Shop"
    account = parse_uri(data["otpauth_uri"])
    assert (account.issuer, account.name) == ("Shop", "alice")
    assert shop.get(f"/enrolments/{data['enrolment_id']}").json()["issuer"] == "Shop"
    code = generate_totp(account.secret, clock().timestamp())
    confirmed = shop.post(f"/enrolments/{data['enrolment_id']}/confirm", {"code": code})
    assert confirmed.json()["user_id"] == user["id"]
    assert shop.get("/status", external_id="3").json()["enrolled"] is True


def test_each_application_has_its_own_external_ids(clock: FakeClock, db: None) -> None:
    shop, blog = app(clock, "Shop"), app(clock, "Blog")
    first = shop.post("/users", {"external_id": "3"})
    second = blog.post("/users", {"external_id": "3"})
    assert first.status_code == second.status_code == 201, (first.content, second.content)
    assert first.json()["id"] != second.json()["id"]
    assert first.json()["username"] != second.json()["username"]
    assert second.json()["external_id"] == "3"
    assert shop.get("/status", external_id="3").json()["user"]["id"] == first.json()["id"]
    assert blog.get("/status", external_id="3").json()["user"]["id"] == second.json()["id"]
    # Another key of the same application shares its namespace.
    shop_again = app(clock, "Shop")
    assert shop_again.get("/status", external_id="3").json()["user"]["id"] == first.json()["id"]
    assert_error(shop_again.post("/users", {"external_id": "3"}), 409, "conflict")


def test_an_application_cannot_reach_another_applications_users(clock: FakeClock, db: None) -> None:
    shop, blog = app(clock, "Shop"), app(clock, "Blog")
    theirs = blog.post("/users", {"external_id": "b-1", "username": "bea"}).json()
    assert_error(shop.post("/enrolments", {"username": "bea"}), 404, "user_not_found")
    assert_error(shop.get("/status", external_id="b-1"), 404, "user_not_found")
    assert_error(
        shop.post("/verify", {"external_id": "b-1", "code": "123456"}), 404, "user_not_found"
    )
    # Nor a pending setup of theirs, even with its id.
    pending = blog.post("/enrolments", {"external_id": "b-1"}).json()
    assert_error(shop.get(f"/enrolments/{pending['enrolment_id']}"), 404, "enrolment_expired")
    assert_error(
        shop.post(f"/enrolments/{pending['enrolment_id']}/confirm", {"code": "123456"}),
        404,
        "enrolment_expired",
    )
    assert blog.get("/status", username="bea").json()["user"]["id"] == theirs["id"]


def test_a_granted_key_finds_the_organisations_external_ids_after_its_own(
    clock: FakeClock, db: None
) -> None:
    from server.helpers import make_user

    carol = enrol(make_user(clock, "carol", external_id="7"), clock)
    granted = app(clock, "Intranet", may_enrol_any_user=True)
    assert granted.get("/status", external_id="7").json()["user"]["id"] == carol.user.pk
    own = granted.post("/users", {"external_id": "7"}).json()
    assert granted.get("/status", external_id="7").json()["user"]["id"] == own["id"]
    # A key without the grant sees only its own application's "7": none here.
    assert_error(app(clock, "Shop").get("/status", external_id="7"), 404, "user_not_found")
