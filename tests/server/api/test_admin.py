"""Administration through the API (admin scope): users, roles, groups, policy, requirements,
reset, unlock, audit log, API keys."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from server.actions import is_enrolled, verify_code
from server.helpers import Member, make_user
from twostep.server.accounts.models import Group, User
from twostep.server.attempts.throttle import CODE_LOCKOUT_FAILURES
from twostep.server.audit.models import Event
from twostep.server.clock import FakeClock
from twostep.server.errors import CodeRejectedError
from twostep.server.policy.services import decide

from .support import ApiClient, assert_error

pytestmark = pytest.mark.django_db


def test_create_read_update_delete_a_user(admin: ApiClient, admin_user: Any) -> None:
    created = admin.post(
        "/admin/users",
        {
            "username": "dave",
            "email": "Dave@Example.COM",
            "password": "correct horse battery staple",
            "display_name": "Dave",
        },
    )
    assert created.status_code == 201
    dave = created.json()
    assert dave["email"] == "Dave@example.com"
    assert dave["role"] == "member"
    assert dave["has_password"] is True
    assert dave["mfa"] == {
        "enrolled": False,
        "required": False,
        "status": "not_required",
        "deadline": None,
        "locked": False,
    }
    assert admin.get(f"/admin/users/{dave['id']}").json() == dave

    patched = admin.patch(
        f"/admin/users/{dave['id']}",
        {"display_name": "David", "role": "admin", "email": "david@example.com"},
    ).json()
    assert patched["display_name"] == "David"
    assert patched["role"] == "admin"
    assert patched["email"] == "david@example.com"
    assert patched["email_verified"] is False
    assert patched["mfa"]["required"] is True  # all administrators must use 2FA
    cleared = admin.patch(f"/admin/users/{dave['id']}", {"email": "", "is_active": False}).json()
    assert cleared["email"] is None
    assert cleared["is_active"] is False
    assert admin.patch(f"/admin/users/{dave['id']}", {"email": None}).status_code == 200
    event = Event.objects.filter(event="console.role_changed").first()
    assert event is not None
    assert event.actor == admin_user
    assert event.details == {"before": "member", "after": "admin"}

    assert admin.delete(f"/admin/users/{dave['id']}").status_code == 204
    assert_error(admin.get(f"/admin/users/{dave['id']}"), 404, "user_not_found")
    assert not User.objects.filter(username="dave").exists()


def test_user_without_password_and_bad_fields(admin: ApiClient, db: None) -> None:
    api_only = admin.post("/admin/users", {"username": "svc"}).json()
    assert api_only["has_password"] is False
    # a valid request that clashes with another user: 409, not 422 (the request is valid)
    body = assert_error(admin.post("/admin/users", {"username": "svc"}), 409, "conflict")
    assert body["field"] == "username"
    body = assert_error(admin.post("/admin/users", {"username": "x y"}), 422, "invalid")
    assert body["field"] == "username"
    # shorter than the policy's 10 characters: the document says so (minLength)
    body = assert_error(
        admin.post("/admin/users", {"username": "pw", "password": "short"}), 422, "validation_error"
    )
    assert "password" in body["message"]
    body = assert_error(
        admin.post("/admin/users", {"username": "pw", "password": "1234567890"}),
        422,
        "invalid",
    )
    assert body["field"] == "password"
    # a role that does not exist is a reference to nothing: 404, as for a group id
    body = assert_error(
        admin.post("/admin/users", {"username": "r", "role": "nope"}), 404, "not_found"
    )
    assert body["field"] == "role"
    assert_error(admin.post("/admin/users", {"username": "o", "role": "owner"}), 403, "not_allowed")
    body = assert_error(
        admin.patch(f"/admin/users/{api_only['id']}", {"email": "not-an-email"}), 422, "invalid"
    )
    assert body["field"] == "email"


def test_password_change_through_patch(admin: ApiClient, member: Member) -> None:
    epoch = member.user.session_epoch
    response = admin.patch(
        f"/admin/users/{member.user.pk}", {"password": "another fine long passphrase"}
    )
    assert response.status_code == 200
    member.user.refresh_from_db()
    assert member.user.check_password("another fine long passphrase")
    assert member.user.session_epoch == epoch + 1


def test_owner_rules_of_the_console_apply(
    admin: ApiClient, admin_user: Any, clock: FakeClock
) -> None:
    """The key's creator is an admin, not an owner: the console's rules refuse what it may
    not do to an owner, and nobody acts on their own account."""
    owner = make_user(clock, "olga", role="owner").user
    assert_error(admin.delete(f"/admin/users/{owner.pk}"), 403, "not_allowed")
    assert_error(admin.patch(f"/admin/users/{owner.pk}", {"role": "member"}), 403, "not_allowed")
    assert_error(admin.patch(f"/admin/users/{owner.pk}", {"is_active": False}), 403, "not_allowed")
    assert_error(admin.post(f"/admin/users/{owner.pk}/mfa/reset"), 403, "not_allowed")
    member = make_user(clock, "mo").user
    assert_error(admin.patch(f"/admin/users/{member.pk}", {"role": "owner"}), 403, "not_allowed")
    assert_error(admin.delete(f"/admin/users/{admin_user.pk}"), 403, "not_allowed")
    assert_error(admin.post(f"/admin/users/{admin_user.pk}/mfa/reset"), 403, "not_allowed")
    assert User.objects.get(pk=owner.pk).role.key == "owner"


def test_a_command_line_key_acts_with_owner_rights(clock: FakeClock, db: None) -> None:
    from .support import make_key

    owner = make_user(clock, "olga", role="owner").user
    other = make_user(clock, "oscar", role="owner").user
    cli = ApiClient(Client(), make_key("admin", clock))  # made by `twostep apikeys create`
    assert cli.patch(f"/admin/users/{other.pk}", {"role": "admin"}).json()["role"] == "admin"
    body = assert_error(cli.delete(f"/admin/users/{owner.pk}"), 403, "not_allowed")
    assert "only owner" in body["message"]


def test_list_pages_and_filters(admin: ApiClient, admin_user: Any, clock: FakeClock) -> None:
    from server.helpers import enrol

    for i in range(7):
        make_user(clock, f"user{i}", external_id=f"x{i}" if i == 3 else None)
    enrol(make_user(clock, "zed"), clock)
    sales = Group.objects.create(name="Sales", created_at=clock())
    sales.users.add(User.objects.get(username="user1"), User.objects.get(username="user2"))

    page = admin.get("/admin/users", limit=3, offset=0).json()
    assert page["total"] == 9
    assert [u["username"] for u in page["items"]] == ["root", "user0", "user1"]
    page2 = admin.get("/admin/users", limit=3, offset=3).json()
    assert [u["username"] for u in page2["items"]] == ["user2", "user3", "user4"]
    assert admin.get("/admin/users", limit=3, offset=9).json()["items"] == []

    def names(**filters: Any) -> list[str]:
        return [u["username"] for u in admin.get("/admin/users", **filters).json()["items"]]

    assert names(q="USER1") == ["user1"]
    assert names(q="zed@") == ["zed"]
    assert names(role="admin") == ["root"]
    assert names(group=sales.pk) == ["user1", "user2"]
    assert names(enrolled="true") == ["zed"]
    assert "zed" not in names(enrolled="false")
    assert names(external_id="x3") == ["user3"]
    assert len(names(is_active="true")) == 9
    assert_error(admin.get("/admin/users", limit=0), 422, "validation_error")
    assert_error(admin.get("/admin/users", limit=201), 422, "validation_error")


def test_requirement_extend_lift(admin: ApiClient, member: Member, clock: FakeClock) -> None:
    url = f"/admin/users/{member.user.pk}"
    required = admin.put(f"{url}/requirement", {"days": 2}).json()
    assert required["required"] is True
    assert required["rules"] == ["user"]
    assert required["days_left"] == 2
    assert required["requirement"]["enrolment_days"] == 2
    assert required["reasons"]
    clock.advance(days=2, seconds=1)
    assert admin.get(f"{url}/mfa").json()["setup_deadline_passed"] is True
    extended = admin.post(f"{url}/requirement/extend", {"days": 5}).json()
    assert extended["locked"] is False
    assert extended["days_left"] == 5
    lifted = admin.delete(f"{url}/requirement").json()
    assert lifted["required"] is False
    assert_error(admin.put(f"{url}/requirement", {"days": 366}), 422, "validation_error")
    assert_error(admin.put(f"{url}/requirement", {"days": -1}), 422, "validation_error")
    now = admin.put(f"{url}/requirement", {}).json()
    assert now["requirement"]["enrolment_days"] == 7


def test_admin_requirement(admin: ApiClient, member: Member) -> None:
    url = f"/admin/users/{member.user.pk}"
    out = admin.put(f"{url}/admin-requirement", {"required": True}).json()
    assert out["requirement"]["admin_required"] is True
    assert out["required"] is False  # not an administrator


def test_reset_and_unlock(admin: ApiClient, enrolled: Member, clock: FakeClock) -> None:
    url = f"/admin/users/{enrolled.user.pk}"
    assert admin.post(f"{url}/mfa/unlock").json() == {"was_locked": False}
    for _ in range(CODE_LOCKOUT_FAILURES):
        code = f"{(int(enrolled.code(clock)) + 1) % 10**6:06d}"
        with pytest.raises(CodeRejectedError):
            verify_code(enrolled.user, code, clock=clock)
        clock.advance(seconds=301)
    assert admin.get(f"{url}/mfa").json()["locked_out"] is True
    assert admin.post(f"{url}/mfa/unlock").json() == {"was_locked": True}
    assert admin.get(f"{url}/mfa").json()["locked_out"] is False
    reset = admin.post(f"{url}/mfa/reset").json()
    assert reset["enrolled"] is False
    assert not is_enrolled(enrolled.user)
    assert Event.objects.filter(event="mfa.reset", subject=enrolled.user).exists()


def test_unknown_user_ids(admin: ApiClient, db: None) -> None:
    for path in ("/admin/users/999", "/admin/users/999/mfa"):
        assert_error(admin.get(path), 404, "user_not_found")
    assert_error(admin.post("/admin/users/999/mfa/reset"), 404, "user_not_found")
    assert_error(admin.get("/admin/users/99999999999999999999999"), 404, "not_found")
    assert_error(admin.get("/admin/users/-1"), 404, "not_found")
    assert_error(admin.get("/admin/users/abc"), 422, "validation_error")


def test_roles(admin: ApiClient, member: Member) -> None:
    roles = admin.get("/admin/roles").json()
    assert {r["key"] for r in roles} == {"owner", "admin", "member"}
    assert next(r for r in roles if r["key"] == "member")["users"] == 1
    made = admin.post("/admin/roles", {"name": "Support desk", "description": "Helpdesk"})
    assert made.status_code == 201
    role = made.json()
    assert role["key"] == "support-desk"
    assert role["builtin"] is False
    assert role["users"] == 0
    body = assert_error(admin.post("/admin/roles", {"name": "support DESK"}), 409, "conflict")
    assert body["field"] == "name"
    renamed = admin.patch(f"/admin/roles/{role['id']}", {"name": "Support"}).json()
    assert renamed["name"] == "Support"
    assert renamed["description"] == "Helpdesk"
    assert admin.get(f"/admin/roles/{role['id']}").json() == renamed
    member_role = next(r for r in roles if r["key"] == "member")
    kept = admin.patch(f"/admin/roles/{member_role['id']}", {"name": "X", "description": "d"})
    assert kept.json()["name"] == member_role["name"]  # built-in roles keep their name
    assert kept.json()["description"] == "d"
    assert_error(admin.delete(f"/admin/roles/{member_role['id']}"), 403, "not_allowed")
    admin.patch(f"/admin/users/{member.user.pk}", {"role": "support-desk"})
    assert_error(admin.delete(f"/admin/roles/{role['id']}"), 403, "not_allowed")
    admin.patch(f"/admin/users/{member.user.pk}", {"role": "member"})
    assert admin.delete(f"/admin/roles/{role['id']}").status_code == 204
    assert_error(admin.get(f"/admin/roles/{role['id']}"), 404, "not_found")


def test_groups_and_members(admin: ApiClient, member: Member, clock: FakeClock) -> None:
    other = make_user(clock, "bert").user
    made = admin.post("/admin/groups", {"name": "Finance"})
    assert made.status_code == 201
    group = made.json()
    assert group["members"] == 0
    body = assert_error(admin.post("/admin/groups", {"name": "finance"}), 409, "conflict")
    assert body["field"] == "name"
    url = f"/admin/groups/{group['id']}"
    added = admin.post(f"{url}/members", {"user_ids": [member.user.pk, other.pk]}).json()
    assert added == {"added": 2}
    assert admin.post(f"{url}/members", {"user_ids": [member.user.pk]}).json() == {"added": 0}
    assert_error(admin.post(f"{url}/members", {"user_ids": [999]}), 404, "user_not_found")
    members = admin.get(f"{url}/members").json()
    assert [u["username"] for u in members["items"]] == ["alice", "bert"]
    assert members["items"][0]["groups"] == [{"id": group["id"], "name": "Finance"}]
    assert admin.get(url).json()["members"] == 2
    assert admin.delete(f"{url}/members/{other.pk}").status_code == 204
    assert_error(admin.delete(f"{url}/members/{other.pk}"), 404, "not_found")
    assert admin.patch(url, {"description": "Money"}).json()["description"] == "Money"
    assert [g["name"] for g in admin.get("/admin/groups").json()] == ["Finance"]
    # group membership through the user too
    assert admin.patch(f"/admin/users/{other.pk}", {"groups": [group["id"]]}).json()["groups"]
    body = assert_error(
        admin.patch(f"/admin/users/{other.pk}", {"groups": [999]}), 404, "not_found"
    )
    assert body["field"] == "groups"
    assert admin.delete(url).status_code == 204
    assert_error(admin.get(url), 404, "not_found")


def test_organisation_policy(admin: ApiClient, member: Member, clock: FakeClock) -> None:
    policy = admin.get("/admin/policy").json()
    assert policy["mode"] == "off"
    assert policy["require_all_admins"] is True
    group = admin.post("/admin/groups", {"name": "Ops"}).json()
    admin.post(f"/admin/groups/{group['id']}/members", {"user_ids": [member.user.pk]})
    set_ = admin.put(
        "/admin/policy", {"mode": "groups", "groups": [group["id"]], "grace_days": 3}
    ).json()
    assert set_["mode"] == "groups"
    assert set_["groups"] == [group["id"]]
    assert set_["grace_days"] == 3
    assert decide(member.user, clock=clock).required
    assert_error(admin.delete(f"/admin/groups/{group['id']}"), 403, "not_allowed")
    body = assert_error(admin.put("/admin/policy", {"mode": "roles"}), 422, "invalid")
    assert body["field"] == "roles"
    body = assert_error(
        admin.put("/admin/policy", {"mode": "roles", "roles": ["x"]}), 404, "not_found"
    )
    assert body["field"] == "roles"
    roles = admin.put("/admin/policy", {"mode": "roles", "roles": ["member"]}).json()
    assert roles["roles"] == ["member"]
    assert (
        admin.put("/admin/policy", {"mode": "off", "require_all_admins": False}).json()[
            "require_all_admins"
        ]
        is False
    )
    assert_error(admin.put("/admin/policy", {"mode": "sometimes"}), 422, "validation_error")


def test_audit_log_pages_and_filters(
    admin: ApiClient, enrolled: Member, member: Member, clock: FakeClock
) -> None:
    for i in range(5):
        admin.put(f"/admin/users/{member.user.pk}/requirement", {"days": i})
    first = admin.get(
        "/admin/audit", limit=2, user=member.user.pk, event="policy.user_required"
    ).json()
    assert [e["event"] for e in first["items"]] == ["policy.user_required"] * 2
    assert first["items"][0]["details"] == {"days": 4}
    assert first["items"][0]["subject"] == "alice"
    assert first["items"][0]["actor"] == "root"
    second = admin.get(
        "/admin/audit",
        limit=2,
        user=member.user.pk,
        event="policy.user_required",
        before_id=first["next_before_id"],
    ).json()
    assert [e["details"]["days"] for e in second["items"]] == [2, 1]
    mfa = admin.get("/admin/audit", event="mfa.").json()["items"]
    assert mfa
    assert all(e["event"].startswith("mfa.") for e in mfa)
    exact = admin.get("/admin/audit", event="mfa.enabled").json()["items"]
    assert [e["subject"] for e in exact] == ["bob"]
    assert admin.get("/admin/audit", until="2000-01-01T00:00:00Z").json()["items"] == []
    assert admin.get("/admin/audit", since="2000-01-01T00:00:00Z").json()["items"]
    assert_error(admin.get("/admin/audit", since="yesterday"), 422, "validation_error")
    everything = admin.get("/admin/audit", limit=500).json()
    assert everything["next_before_id"] is None


def test_api_keys_through_the_api(admin: ApiClient, admin_user: Any) -> None:
    made = admin.post(
        "/admin/api-keys", {"name": "shop", "scope": "verify", "allow_create_users": True}
    )
    assert made.status_code == 201
    key = made.json()
    assert key["key"].startswith(key["prefix"])
    assert key["created_by"] == "root"
    assert key["active"] is True
    shop = ApiClient(Client(), key["key"])
    assert shop.get("/ping").json()["scope"] == "verify"
    listed = admin.get("/admin/api-keys").json()
    assert {k["name"] for k in listed} == {"shop", "admin test key"}
    assert all("key" not in k for k in listed)
    assert admin.get(f"/admin/api-keys/{key['id']}").json()["last_used_at"] is not None
    revoked = admin.delete(f"/admin/api-keys/{key['id']}").json()
    assert revoked["active"] is False
    assert revoked["revoked_at"] is not None
    assert_error(shop.get("/ping"), 401, "invalid_token")
    assert_error(admin.get("/admin/api-keys/999"), 404, "not_found")
    body = assert_error(
        admin.post("/admin/api-keys", {"name": "x", "scope": "admin", "allow_create_users": True}),
        422,
        "invalid",
    )
    assert body["field"] == "allow_create_users"
    assert_error(
        admin.post("/admin/api-keys", {"name": "x", "scope": "root"}), 422, "validation_error"
    )
