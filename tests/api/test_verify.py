"""The authentication service: verify a code for a user (verify scope)."""

from __future__ import annotations

import pytest

from server.helpers import Member, make_user
from twostep.server.audit.models import Event
from twostep.server.clock import FakeClock
from twostep.server.mfa.throttle import CODE_LOCKOUT_FAILURES

from .support import ApiClient, assert_error

pytestmark = pytest.mark.django_db


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_valid_code_is_valid_once(rp: ApiClient, enrolled: Member, clock: FakeClock) -> None:
    code = enrolled.code(clock)
    first = rp.post("/verify", {"username": "bob", "code": code})
    assert first.status_code == 200
    assert first.json() == {
        "valid": True,
        "method": "totp",
        "reason": None,
        "message": None,
        "recovery_codes_left": None,
    }
    clock.advance(seconds=2)  # past the per-account delay of the replay's claim
    again = rp.post("/verify", {"username": "bob", "code": code})
    assert again.status_code == 200
    assert again.json()["valid"] is False
    assert Event.objects.filter(subject=enrolled.user, event="mfa.code_reused").count() == 1


def test_every_failure_looks_the_same(rp: ApiClient, enrolled: Member, clock: FakeClock) -> None:
    """Wrong, reused and locked give one answer (security.md 2b item 7)."""
    code = enrolled.code(clock)
    assert rp.post("/verify", {"username": "bob", "code": code}).json()["valid"] is True
    clock.advance(seconds=2)
    reused = rp.post("/verify", {"username": "bob", "code": code})
    clock.advance(seconds=5)
    wrong_code = rp.post("/verify", {"username": "bob", "code": wrong(enrolled.code(clock))})
    assert reused.status_code == wrong_code.status_code == 200
    assert reused.json() == wrong_code.json()
    assert reused.json()["reason"] == "rejected"
    assert reused.content == wrong_code.content


def test_locked_account_answers_like_a_wrong_code(
    rp: ApiClient, enrolled: Member, clock: FakeClock
) -> None:
    answers = []
    for _ in range(CODE_LOCKOUT_FAILURES):
        answers.append(rp.post("/verify", {"username": "bob", "code": wrong(enrolled.code(clock))}))
        clock.advance(seconds=301)  # past the capped delay
    assert {a.status_code for a in answers} == {200}
    right = rp.post("/verify", {"username": "bob", "code": enrolled.code(clock)})
    assert right.status_code == 200
    assert right.content == answers[0].content  # a right code tells nothing either
    status = rp.get("/status", username="bob").json()
    assert status["locked_out"] is True
    assert status["locked"] is True


def test_throttled_is_429_with_retry_after(
    rp: ApiClient, enrolled: Member, clock: FakeClock
) -> None:
    rp.post("/verify", {"username": "bob", "code": wrong(enrolled.code(clock))})
    rp_response = rp.post("/verify", {"username": "bob", "code": enrolled.code(clock)})
    body = assert_error(rp_response, 429, "throttled")
    assert rp_response["Retry-After"] == "1"
    assert body["retry_after"] == 1
    clock.advance(seconds=1)
    assert rp.post("/verify", {"username": "bob", "code": enrolled.code(clock)}).json()["valid"]


def test_recovery_code_is_valid_once(rp: ApiClient, enrolled: Member, clock: FakeClock) -> None:
    assert enrolled.recovery_codes is not None
    code = enrolled.recovery_codes[0]
    first = rp.post("/verify", {"email": "bob@example.com", "code": code.upper()})
    assert first.json()["valid"] is True
    assert first.json()["method"] == "recovery"
    assert first.json()["recovery_codes_left"] == 9
    clock.advance(seconds=2)
    again = rp.post("/verify", {"email": "bob@example.com", "code": code})
    assert again.json() == {
        "valid": False,
        "method": None,
        "reason": "rejected",
        "message": again.json()["message"],
        "recovery_codes_left": None,
    }


def test_user_by_external_id(rp: ApiClient, clock: FakeClock) -> None:
    from server.helpers import enrol

    member = enrol(make_user(clock, "carol", external_id="crm-42"), clock)
    response = rp.post("/verify", {"external_id": "crm-42", "code": member.code(clock)})
    assert response.json()["valid"] is True


@pytest.mark.parametrize(
    "ref",
    [
        {"username": "nobody"},
        {"email": "nobody@example.com"},
        {"external_id": "nope"},
        {"username": "bob@example.com"},  # a username never has an @
        {"email": "bob"},
    ],
)
def test_unknown_user_is_404(rp: ApiClient, enrolled: Member, ref: dict[str, str]) -> None:
    assert_error(rp.post("/verify", {**ref, "code": "123456"}), 404, "user_not_found")


def test_not_enrolled_is_409(rp: ApiClient, member: Member) -> None:
    assert_error(rp.post("/verify", {"username": "alice", "code": "123456"}), 409, "not_enrolled")


def test_inactive_user_is_403(rp: ApiClient, enrolled: Member, clock: FakeClock) -> None:
    enrolled.user.is_active = False
    enrolled.user.save()
    response = rp.post("/verify", {"username": "bob", "code": enrolled.code(clock)})
    assert_error(response, 403, "user_inactive")


@pytest.mark.parametrize("code", ["12345", "abc", "1234567", "", "12 34 5x"])
def test_malformed_code_is_422_and_not_an_attempt(
    rp: ApiClient, enrolled: Member, clock: FakeClock, code: str
) -> None:
    assert_error(rp.post("/verify", {"username": "bob", "code": code}), 422, "malformed_code")
    # not counted: the right code goes through at once
    assert rp.post("/verify", {"username": "bob", "code": enrolled.code(clock)}).json()["valid"]


def test_code_with_spaces_and_full_width_digits(
    rp: ApiClient, enrolled: Member, clock: FakeClock
) -> None:
    code = enrolled.code(clock)
    typed = " ".join([code[:3], code[3:]]).translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    assert rp.post("/verify", {"username": "BOB", "code": typed}).json()["valid"] is True


@pytest.mark.parametrize(
    "body",
    [
        {"code": "123456"},
        {"username": "bob", "email": "bob@example.com", "code": "123456"},
        {"username": "bob"},
        {"username": "bob", "code": 123456},
        {"username": "bob", "code": "123456", "client_address": "not an ip"},
        {"username": "b\x00b", "code": "123456"},
        {"username": "\ud800", "code": "123456"},
        {"username": "x" * 151, "code": "123456"},
    ],
)
def test_bad_bodies_are_422(rp: ApiClient, enrolled: Member, body: dict[str, object]) -> None:
    response = assert_error(rp.post("/verify", body), 422, "validation_error")
    assert response["errors"]


def test_client_address_is_recorded_and_throttled_per_network(
    rp: ApiClient, enrolled: Member, clock: FakeClock
) -> None:
    body = {"username": "bob", "code": enrolled.code(clock), "client_address": "203.0.113.9"}
    assert rp.post("/verify", body).json()["valid"] is True
    event = Event.objects.filter(subject=enrolled.user, event="mfa.code_ok").get()
    assert event.address == "203.0.113.9"
    assert event.details["purpose"] == "api"


def test_status_of_users(rp: ApiClient, enrolled: Member, member: Member, clock: FakeClock) -> None:
    from twostep.server.policy.services import require_user

    bob = rp.get("/status", username="bob").json()
    assert bob["enrolled"] is True
    assert bob["status"] == "enrolled"
    assert bob["recovery_codes_left"] == 10
    assert bob["user"]["username"] == "bob"
    alice = rp.get("/status", email="alice@example.com").json()
    assert alice["enrolled"] is False
    assert alice["required"] is False
    assert alice["status"] == "not_required"
    assert alice["recovery_codes_left"] is None
    require_user(member.user, days=3, actor=None, clock=clock)
    alice = rp.get("/status", username="alice").json()
    assert alice["required"] is True
    assert alice["rules"] == ["user"]
    assert alice["days_left"] == 3
    assert alice["can_postpone"] is True
    assert alice["locked"] is False
    clock.advance(days=3, seconds=1)
    alice = rp.get("/status", username="alice").json()
    assert alice["status"] == "locked"
    assert alice["setup_deadline_passed"] is True
    assert alice["locked"] is True
    assert alice["locked_out"] is False


def test_status_needs_exactly_one_identifier(rp: ApiClient, enrolled: Member) -> None:
    assert_error(rp.get("/status"), 422, "validation_error")
    assert_error(
        rp.get("/status", username="bob", email="bob@example.com"), 422, "validation_error"
    )
    assert_error(rp.get("/status", username="ghost"), 404, "user_not_found")
