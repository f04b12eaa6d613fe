"""Sign-in for first-party clients: the same steps, policy and throttles as the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from server.actions import is_enrolled, reset
from server.helpers import PASSWORD, Member, make_user
from twostep.otp import Secret, generate_totp
from twostep.server.accounts.models import AccessToken, SignInState
from twostep.server.audit.models import Event
from twostep.server.clock import FakeClock
from twostep.server.policy.services import require_user

from .support import ApiClient, assert_error

pytestmark = pytest.mark.django_db


def password_step(anon: ApiClient, username: str, password: str = PASSWORD) -> Any:
    return anon.post("/signin", {"identifier": username, "password": password})


def me(token: str) -> Any:
    return ApiClient(Client(), token).get("/me")


def test_without_2fa_the_password_signs_in(anon: ApiClient, member: Member) -> None:
    response = password_step(anon, "alice")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "signed_in"
    assert body["token_type"] == "Bearer"
    assert body["method"] == "password"
    assert body["signin_token"] is None
    mine = me(body["access_token"]).json()
    assert mine["user"]["username"] == "alice"
    assert mine["method"] == "password"
    assert mine["mfa"]["status"] == "not_required"


def test_enrolled_user_needs_the_code(anon: ApiClient, enrolled: Member, clock: FakeClock) -> None:
    first = password_step(anon, "bob@example.com").json()
    assert first["status"] == "code_required"
    assert first["access_token"] is None
    assert first["signin_token"].startswith("tss_")
    assert_error(me(first["signin_token"]), 401, "invalid_token")  # not a session yet
    done = anon.post(
        "/signin/code", {"signin_token": first["signin_token"], "code": enrolled.code(clock)}
    )
    assert done.status_code == 200
    body = done.json()
    assert body["status"] == "signed_in"
    assert body["method"] == "totp"
    assert body["access_token"] != first["signin_token"]
    assert me(body["access_token"]).json()["mfa"]["enrolled"] is True
    assert Event.objects.filter(event="signin.completed", subject=enrolled.user).get().details == {
        "method": "totp"
    }
    # the sign-in token is used up
    again = anon.post(
        "/signin/code", {"signin_token": first["signin_token"], "code": enrolled.code(clock, 30)}
    )
    assert_error(again, 401, "signin_expired")


def test_wrong_code_then_right_code(anon: ApiClient, enrolled: Member, clock: FakeClock) -> None:
    token = password_step(anon, "bob").json()["signin_token"]
    wrong = f"{(int(enrolled.code(clock)) + 1) % 10**6:06d}"
    assert_error(
        anon.post("/signin/code", {"signin_token": token, "code": wrong}), 400, "invalid_code"
    )
    throttled = anon.post("/signin/code", {"signin_token": token, "code": enrolled.code(clock)})
    assert_error(throttled, 429, "throttled")
    assert throttled["Retry-After"] == "1"
    clock.advance(seconds=1)
    assert_error(
        anon.post("/signin/code", {"signin_token": token, "code": "x"}), 422, "malformed_code"
    )
    ok = anon.post("/signin/code", {"signin_token": token, "code": enrolled.code(clock)})
    assert ok.json()["status"] == "signed_in"


def test_recovery_code_signs_in(anon: ApiClient, enrolled: Member) -> None:
    assert enrolled.recovery_codes is not None
    token = password_step(anon, "bob").json()["signin_token"]
    body = anon.post(
        "/signin/code", {"signin_token": token, "code": enrolled.recovery_codes[0]}
    ).json()
    assert body["method"] == "recovery"
    assert body["recovery_codes_left"] == 9


def test_code_must_follow_within_five_minutes(
    anon: ApiClient, enrolled: Member, clock: FakeClock
) -> None:
    token = password_step(anon, "bob").json()["signin_token"]
    clock.advance(minutes=5)
    response = anon.post("/signin/code", {"signin_token": token, "code": enrolled.code(clock)})
    assert_error(response, 401, "signin_expired")
    assert Event.objects.filter(event="signin.pending_expired", subject=enrolled.user).exists()
    assert not SignInState.objects.exists()


def test_wrong_password_and_unknown_name_look_the_same(anon: ApiClient, member: Member) -> None:
    wrong = assert_error(
        password_step(anon, "alice", "wrong password!"), 401, "invalid_credentials"
    )
    unknown = assert_error(password_step(anon, "nobody"), 401, "invalid_credentials")
    assert wrong == unknown


def test_password_throttling_applies(anon: ApiClient, member: Member) -> None:
    statuses = [password_step(anon, "alice", f"wrong {i}").status_code for i in range(7)]
    assert statuses[:6] == [401] * 6
    assert statuses[6] == 429
    assert_error(password_step(anon, "alice"), 429, "throttled")


def test_setup_during_sign_in(anon: ApiClient, member: Member, clock: FakeClock) -> None:
    require_user(member.user, days=0, actor=None, clock=clock)
    first = password_step(anon, "alice").json()
    assert first["status"] == "setup_required"
    assert first["can_postpone"] is False
    token = first["signin_token"]
    assert_error(
        anon.post("/signin/setup/postpone", {"signin_token": token}), 409, "postpone_not_allowed"
    )
    setup = anon.post("/signin/setup", {"signin_token": token}).json()
    assert (
        anon.post("/signin/setup", {"signin_token": token}).json()["otpauth_uri"]
        == setup["otpauth_uri"]
    )  # the same pending setup again
    code = generate_totp(Secret.from_base32(setup["secret"]), clock().timestamp())
    assert_error(
        anon.post("/signin/code", {"signin_token": token, "code": code}), 401, "signin_expired"
    )
    done = anon.post("/signin/setup/confirm", {"signin_token": token, "code": code}).json()
    assert done["status"] == "signed_in"
    assert done["method"] == "setup"
    assert len(done["recovery_codes"]) == 10
    assert is_enrolled(member.user)
    assert me(done["access_token"]).status_code == 200


def test_remind_me_later(anon: ApiClient, member: Member, clock: FakeClock) -> None:
    require_user(member.user, days=7, actor=None, clock=clock)
    first = password_step(anon, "alice").json()
    assert first["status"] == "setup_required"
    assert first["can_postpone"] is True
    assert first["days_left"] == 7
    done = anon.post("/signin/setup/postpone", {"signin_token": first["signin_token"]}).json()
    assert done["status"] == "signed_in"
    assert done["method"] == "postponed"


def test_deadline_passed_is_refused(anon: ApiClient, member: Member, clock: FakeClock) -> None:
    require_user(member.user, days=1, actor=None, clock=clock)
    clock.advance(days=1, seconds=1)
    assert_error(password_step(anon, "alice"), 403, "setup_deadline_passed")


def test_locked_out_gets_in_with_a_recovery_code_and_must_change_the_password(
    anon: ApiClient, enrolled: Member, clock: FakeClock
) -> None:
    from twostep.server.attempts.models import Throttle

    Throttle.objects.update_or_create(
        scope="code",
        key=str(enrolled.user.pk),
        defaults={"failures": 20, "next_attempt_at": clock()},
    )
    first = password_step(anon, "bob").json()
    assert first["status"] == "code_required"
    assert first["recovery_code_only"] is True
    token = first["signin_token"]
    # The right one-time code is refused while locked; the same sign-in goes on.
    assert_error(
        anon.post("/signin/code", {"signin_token": token, "code": enrolled.code(clock)}),
        403,
        "locked_out",
    )
    assert enrolled.recovery_codes
    done = anon.post(
        "/signin/code", {"signin_token": token, "code": enrolled.recovery_codes[0]}
    ).json()
    assert done["status"] == "signed_in"
    assert done["method"] == "recovery"
    assert done["password_change_required"] is True
    assert me(done["access_token"]).json()["password_change_required"] is True
    assert not Throttle.objects.get(scope="code", key=str(enrolled.user.pk)).failures
    # The next sign-in asks for a one-time code again, and still for the new password.
    again = password_step(anon, "bob").json()
    assert again["recovery_code_only"] is False
    clock.advance(seconds=30)
    signed = anon.post(
        "/signin/code", {"signin_token": again["signin_token"], "code": enrolled.code(clock)}
    ).json()
    assert signed["password_change_required"] is True


def test_device_token_gets_a_known_client_past_others_wrong_passwords(
    anon: ApiClient, member: Member, clock: FakeClock
) -> None:
    first = password_step(anon, "alice").json()
    device = first["device_token"]
    assert first["password_change_required"] is False
    assert device
    for n in range(8):  # someone else's wrong passwords for alice
        password_step(anon, "alice", f"wrong password {n}")
    assert_error(password_step(anon, "alice"), 429, "throttled")
    known = anon.post(
        "/signin", {"identifier": "alice", "password": PASSWORD, "device_token": device}
    ).json()
    assert known["status"] == "signed_in"
    assert known["device_token"]
    forged = device[:-1] + ("A" if device[-1] != "A" else "B")
    assert_error(
        anon.post("/signin", {"identifier": "alice", "password": PASSWORD, "device_token": forged}),
        429,
        "throttled",
    )


def test_access_token_ends_with_sign_out_and_with_a_reset(
    anon: ApiClient, member: Member, clock: FakeClock
) -> None:
    token = password_step(anon, "alice").json()["access_token"]
    assert token.split("_")[1] in str(list(AccessToken.objects.values_list()))
    assert token.split("_", 2)[2] not in str(list(AccessToken.objects.values_list()))
    client = ApiClient(Client(), token)
    assert client.post("/signout").status_code == 204
    assert_error(client.get("/me"), 401, "invalid_token")
    token = password_step(anon, "alice").json()["access_token"]
    reset(member.user, actor=None, clock=clock)
    assert_error(me(token), 401, "invalid_token")
    token = password_step(anon, "alice").json()["access_token"]
    clock.advance(hours=12)
    assert_error(me(token), 401, "invalid_token")
    assert AccessToken.objects.count() == 0  # dead tokens are removed when met


def test_access_token_ends_after_30_idle_minutes_as_a_web_session(
    anon: ApiClient, member: Member, clock: FakeClock
) -> None:
    token = password_step(anon, "alice").json()["access_token"]
    clock.advance(minutes=29)
    assert me(token).status_code == 200  # used: the idle time starts again
    clock.advance(minutes=29)
    assert me(token).status_code == 200
    clock.advance(minutes=31)
    assert_error(me(token), 401, "invalid_token")
    assert AccessToken.objects.count() == 0


def test_access_token_ends_12_hours_after_sign_in_however_active(
    anon: ApiClient, member: Member, clock: FakeClock
) -> None:
    token = password_step(anon, "alice").json()["access_token"]
    for _ in range(24):  # a request every 29 minutes (11 h 36 min): never idle for long
        clock.advance(minutes=29)
        assert me(token).status_code == 200
    clock.advance(minutes=25)  # 12 hours and 1 minute after the sign-in
    assert_error(me(token), 401, "invalid_token")


def test_deactivated_user_cannot_use_a_pending_sign_in(
    anon: ApiClient, enrolled: Member, clock: FakeClock
) -> None:
    token = password_step(anon, "bob").json()["signin_token"]
    enrolled.user.is_active = False
    enrolled.user.save()
    response = anon.post("/signin/code", {"signin_token": token, "code": enrolled.code(clock)})
    assert_error(response, 401, "signin_expired")


@pytest.mark.parametrize("token", ["", "tss_x", "tsk_000000000000_" + "A" * 43, "a" * 100])
def test_bad_sign_in_tokens(anon: ApiClient, db: None, token: str) -> None:
    assert_error(
        anon.post("/signin/code", {"signin_token": token, "code": "123456"}), 401, "signin_expired"
    )


def test_administrators_too(anon: ApiClient, clock: FakeClock) -> None:
    make_user(clock, "boss", role="admin")
    assert password_step(anon, "boss").json()["status"] == "setup_required"
