"""Every call is authenticated: missing, malformed, unknown and revoked keys, scopes."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.test import Client

from twostep.server.applications.keys import revoke_api_key
from twostep.server.applications.models import ApiKey
from twostep.server.clock import FakeClock

from .support import ApiClient, assert_error, make_key

pytestmark = pytest.mark.django_db

VERIFY_BODY = {"username": "bob", "code": "123456"}


def test_ping_answers_with_the_key_scope(rp: ApiClient, admin: ApiClient) -> None:
    assert rp.get("/ping").json() == {"ok": True, "scope": "verify", "key_name": "verify test key"}
    assert admin.get("/ping").json()["scope"] == "admin"


@pytest.mark.parametrize(
    "path", ["/ping", "/status?username=bob", "/admin/users", "/admin/audit", "/me"]
)
def test_no_token_is_401_not_authenticated(anon: ApiClient, path: str) -> None:
    response = anon.get(path)
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_verify_has_no_unauthenticated_way_in(anon: ApiClient, enrolled: object) -> None:
    assert_error(anon.post("/verify", VERIFY_BODY), 401, "not_authenticated")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer tsk_000000000000_" + "A" * 43,  # well-formed, unknown
        "Bearer not-a-key",
        "Bearer " + "x" * 5000,
        "Bearer tsk_ZZZZZZZZZZZZ_" + "A" * 43,
    ],
)
def test_unknown_or_malformed_key_is_401_invalid_token(header: str, db: None) -> None:
    response = Client().get("/api/v1/ping", headers={"Authorization": header})
    assert_error(response, 401, "invalid_token")


def test_other_schemes_are_not_authenticated(verify_key: str) -> None:
    response = Client().get("/api/v1/ping", headers={"Authorization": f"Basic {verify_key}"})
    assert_error(response, 401, "not_authenticated")


def test_a_key_with_one_wrong_character_is_refused(verify_key: str) -> None:
    last = "A" if verify_key[-1] != "A" else "B"
    response = Client().get(
        "/api/v1/ping", headers={"Authorization": f"Bearer {verify_key[:-1]}{last}"}
    )
    assert_error(response, 401, "invalid_token")


def test_revoked_key_stops_working_at_once(verify_key: str, clock: FakeClock) -> None:
    rp = ApiClient(Client(), verify_key)
    assert rp.get("/ping").status_code == 200
    key = ApiKey.objects.get()
    assert revoke_api_key(key, clock=clock) is True
    assert revoke_api_key(key, clock=clock) is False
    assert_error(rp.get("/ping"), 401, "invalid_token")


def test_verify_key_cannot_administer(rp: ApiClient) -> None:
    for path in ("/admin/users", "/admin/policy", "/admin/audit", "/admin/api-keys"):
        assert_error(rp.get(path), 403, "insufficient_scope")
    assert_error(
        rp.post("/admin/api-keys", {"name": "x", "scope": "admin"}), 403, "insufficient_scope"
    )


def test_admin_key_cannot_verify(admin: ApiClient, enrolled: object) -> None:
    assert_error(admin.post("/verify", VERIFY_BODY), 403, "insufficient_scope")
    assert_error(admin.get("/status", username="bob"), 403, "insufficient_scope")
    assert_error(admin.post("/enrolments", {"username": "bob"}), 403, "insufficient_scope")


def test_only_a_hash_of_the_key_is_stored(verify_key: str) -> None:
    row = ApiKey.objects.get()
    assert row.digest == hashlib.sha256(verify_key.encode()).hexdigest()
    assert verify_key.startswith(f"tsk_{row.lookup}_")
    secret_part = verify_key.split("_", 2)[2]
    stored = " ".join(str(v) for v in ApiKey.objects.values_list().get())
    assert secret_part not in stored
    assert len(secret_part) == 43  # 256 bits


def test_last_used_is_written_at_most_once_a_minute(verify_key: str, clock: FakeClock) -> None:
    rp = ApiClient(Client(), verify_key)
    assert ApiKey.objects.get().last_used_at is None
    rp.get("/ping")
    first = ApiKey.objects.get().last_used_at
    assert first == clock()
    clock.advance(seconds=59)
    rp.get("/ping")
    assert ApiKey.objects.get().last_used_at == first
    clock.advance(seconds=1)
    rp.get("/ping")
    assert ApiKey.objects.get().last_used_at == first + timedelta(seconds=60)


def test_access_token_is_not_an_api_key(enrolled: object, clock: FakeClock, member: object) -> None:
    from twostep.server.accounts.client_tokens import issue_access_token

    _, token = issue_access_token(member.user, "password", clock=clock)  # type: ignore[attr-defined]
    assert_error(ApiClient(Client(), token).get("/ping"), 401, "invalid_token")
    key = make_key("verify", clock)
    assert_error(ApiClient(Client(), key).get("/me"), 401, "invalid_token")


@pytest.mark.parametrize("change", ["demoted", "deactivated", "deleted"])
def test_admin_key_dies_with_its_creators_admin_rights(
    admin_user: object, admin_key: str, change: str
) -> None:
    admin = ApiClient(Client(), admin_key)
    assert admin.get("/admin/policy").status_code == 200
    user = admin_user
    if change == "demoted":
        from twostep.server.accounts.models import Role

        user.role = Role.objects.get(key="member")  # type: ignore[attr-defined]
        user.save()  # type: ignore[attr-defined]
    elif change == "deactivated":
        user.is_active = False  # type: ignore[attr-defined]
        user.save()  # type: ignore[attr-defined]
    else:
        user.delete()  # type: ignore[attr-defined]
    body = assert_error(admin.get("/admin/policy"), 401, "invalid_token")
    assert "no longer an active administrator" in body["message"]


def test_command_line_keys_have_no_creator_to_lose(clock: FakeClock) -> None:
    key = make_key("admin", clock)
    assert ApiClient(Client(), key).get("/admin/policy").status_code == 200
