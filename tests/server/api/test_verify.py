"""The authentication service: verify a code for a user (verify scope)."""

from __future__ import annotations

import pytest

from server.helpers import Member, make_user
from twostep.server.attempts.throttle import CODE_LOCKOUT_FAILURES
from twostep.server.audit.models import Event
from twostep.server.clock import FakeClock

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
    """Wrong, reused and locked give one answer (no hint that a code was right)."""
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


# -- what an attempt costs and leaves behind ----------------------------------------------------
# On PostgreSQL the user is read in the statement that claims the attempt and logs it
# (mfa.statements.PostgreSQL.find_and_claim); elsewhere, and whenever that statement claims
# nothing, the usual path runs. These pin down that both give the same outcome.


@pytest.mark.parametrize(
    "refusal",
    [
        ("nobody", 404, "user_not_found"),
        ("bob", 403, "user_inactive"),
        ("alice", 409, "not_enrolled"),
    ],
)
def test_refused_users_leave_nothing_behind(
    rp: ApiClient, enrolled: Member, member: Member, refusal: tuple[str, int, str]
) -> None:
    """Unknown, deactivated and not enrolled are answered before anything is counted or logged,
    even when the account's throttle row exists (so a claim would match)."""
    from datetime import UTC, datetime

    from twostep.server.attempts.models import Throttle

    name, status, code = refusal
    enrolled.user.is_active = name != "bob"
    enrolled.user.save()
    for user in (enrolled.user, member.user):
        Throttle.objects.create(
            scope=Throttle.CODE,
            key=str(user.pk),
            user=user,
            failures=0,
            next_attempt_at=datetime(2000, 1, 1, tzinfo=UTC),
        )
    rows = list(Throttle.objects.order_by("id").values_list("key", "failures", "next_attempt_at"))
    events = Event.objects.count()
    assert_error(rp.post("/verify", {"username": name, "code": "123456"}), status, code)
    assert Event.objects.count() == events
    assert (
        list(Throttle.objects.order_by("id").values_list("key", "failures", "next_attempt_at"))
        == rows
    )


def test_attempts_are_counted_and_logged_alike_from_the_first(
    rp: ApiClient, enrolled: Member, clock: FakeClock
) -> None:
    """The first attempt makes the account's throttle row (the usual path); the later ones are
    claimed in the statement that reads the user. Both count and log the same way."""
    from twostep.server.attempts.models import Throttle

    user = enrolled.user
    for _ in range(3):
        body = {"username": "BOB", "code": wrong(enrolled.code(clock))}
        response = rp.post("/verify", {**body, "client_address": "203.0.113.9"})
        assert response.json()["valid"] is False
        clock.advance(seconds=10)  # past the delay of up to 4 s
    rows = Event.objects.filter(event="mfa.code_failed").order_by("id")
    assert [
        (r.actor_id, r.actor_label, r.subject_id, r.subject_label, r.address, r.details)
        for r in rows
    ] == [
        (user.pk, "bob", user.pk, "bob", "203.0.113.9", {"purpose": "api", "failures": n})
        for n in (1, 2, 3)
    ]
    assert Throttle.objects.get(scope=Throttle.CODE, key=str(user.pk)).failures == 3
    assert rp.post("/verify", {"username": "bob", "code": enrolled.code(clock)}).json()["valid"]
    assert Throttle.objects.get(scope=Throttle.CODE, key=str(user.pk)).failures == 0
    assert Event.objects.filter(event="mfa.code_ok", subject=user).count() == 1


def test_statements_of_a_wrong_code(rp: ApiClient, enrolled: Member, clock: FakeClock) -> None:
    """After the API key's, one statement on PostgreSQL (read, claim and log in one); the
    separate read, claim and log elsewhere."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rp.post("/verify", {"username": "bob", "code": wrong(enrolled.code(clock))})  # first use
    clock.advance(seconds=5)
    with CaptureQueriesContext(connection) as ctx:
        response = rp.post("/verify", {"username": "bob", "code": wrong(enrolled.code(clock))})
    assert response.json()["valid"] is False
    statements = [q["sql"].split()[0] for q in ctx.captured_queries]
    expected = {
        "postgresql": ["SELECT", "WITH"],
        "sqlite": ["SELECT", "SELECT", "UPDATE", "INSERT"],
    }
    assert statements == expected[connection.vendor]


def test_throttled_network_is_429_and_logged_with_the_user(
    rp: ApiClient, enrolled: Member, clock: FakeClock
) -> None:
    from twostep.server.attempts import network
    from twostep.server.attempts.models import Throttle

    for _ in range(network.ADDRESS_FREE_FAILURES + 1):
        network.fail_address("203.0.113.9", clock=clock)
    body = {"username": "bob", "code": enrolled.code(clock), "client_address": "203.0.113.9"}
    assert_error(rp.post("/verify", body), 429, "throttled")
    event = Event.objects.get(event="mfa.code_throttled")
    assert (event.subject_id, event.address) == (enrolled.user.pk, "203.0.113.9")
    assert not Throttle.objects.filter(scope=Throttle.CODE).exists()  # the account: untouched


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_only_the_claim_skips_waiting_for_the_disk(
    rp: ApiClient, enrolled: Member, clock: FakeClock
) -> None:
    """The claim of a wrong code commits without waiting for the write-ahead log (PostgreSQL,
    for its own transaction only): the next statements on the connection, such as the one that
    accepts a code, wait again."""
    from django.db import connection

    def setting() -> str:
        if connection.vendor != "postgresql":
            return "on"  # SQLite: no such setting, every commit is the same
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return str(cursor.fetchone()[0])

    for _ in range(2):  # the first makes the throttle row, the second is the one statement
        response = rp.post("/verify", {"username": "bob", "code": wrong(enrolled.code(clock))})
        assert response.json()["valid"] is False
        assert setting() == "on"
        clock.advance(seconds=5)
    assert rp.post("/verify", {"username": "bob", "code": enrolled.code(clock)}).json()["valid"]
    assert setting() == "on"
    assert Event.objects.filter(event="mfa.code_failed", subject=enrolled.user).count() == 2
