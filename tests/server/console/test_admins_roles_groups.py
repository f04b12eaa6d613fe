"""JumpCloud's Administrators list (per administrator "Require two-step verification for sign-in"
and one switch for all), the owner's protections, roles and groups management."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from twostep.server.accounts.directory import create_group
from twostep.server.accounts.models import Group, Role, User
from twostep.server.clock import FakeClock
from twostep.server.policy.services import Rule, Status, get_org_policy, set_org_policy

from ..helpers import Member, make_user, sign_in
from .test_user_page import save_user
from .util import decision, events, follow, post, signed_in, text

pytestmark = pytest.mark.django_db


def admins_form(all_admins: bool, required: list[Member]) -> dict[str, Any]:
    data: dict[str, Any] = {"admin_required": [m.user.pk for m in required]}
    if all_admins:
        data["require_all_admins"] = "on"
    return data


def test_administrators_page_lists_admins_with_their_checkbox(
    console: Client, admin: Member, maria: Member
) -> None:
    page = text(console.get("/console/administrators/"))
    assert "Require two-step verification for all administrators" in page
    assert "Require two-step verification for sign-in" in page
    assert "adam" in page
    assert "olivia" in page
    assert "maria" not in page
    # The switch is on (the default): the page says the checkboxes do nothing meanwhile.
    assert "the checkboxes below have no effect" in page
    assert page.count("(no effect while the switch above is on") == 2
    assert "anyway" not in page


def test_switch_off_then_per_admin_checkbox(
    console: Client, owner: Member, clock: FakeClock
) -> None:
    nora = make_user(clock, "nora", role="admin")
    assert decision(nora, clock).rules == (Rule.ADMINISTRATOR,)  # the switch is on by default
    response = post(console, "/console/administrators/", admins_form(False, []))
    assert "two-step verification is required only for the administrators checked" in text(
        follow(console, response)
    )
    assert not get_org_policy().require_all_admins
    assert not decision(nora, clock).required
    assert sign_in(Client(), nora)["Location"] == "/account/"
    # JumpCloud: tick one administrator's checkbox; next sign-in leads to setup.
    response = post(console, "/console/administrators/", admins_form(False, [nora]))
    assert "required for nora" in text(follow(console, response))
    d = decision(nora, clock)
    assert (d.rules, d.status) == ((Rule.ADMINISTRATOR,), Status.SETUP_NOW)
    assert "Two-step verification is required for this administrator." in d.reasons
    assert sign_in(Client(), nora)["Location"] == "/two-step/setup/"
    assert [e.details["required"] for e in events("policy.admin_required")] == [True]


def test_admin_cannot_unrequire_the_owner(
    admin_console: Client, owner: Member, admin: Member, clock: FakeClock
) -> None:
    set_org_policy(mode="off", require_all_admins=False, actor=None, clock=clock)
    post(admin_console, "/console/administrators/", admins_form(False, [owner, admin]))
    assert Rule.ADMINISTRATOR in decision(owner, clock).rules
    response = post(admin_console, "/console/administrators/", admins_form(False, [admin]))
    assert response.status_code == 400
    page = text(response)
    assert "Only an owner can stop requiring two-step verification of an owner's account." in page
    assert Rule.ADMINISTRATOR in decision(owner, clock).rules


# -- the owner --------------------------------------------------------------------------------


def test_the_last_owner_cannot_lose_the_role(
    console: Client, owner: Member, clock: FakeClock
) -> None:
    response = save_user(console, owner, role=str(Role.objects.get(key="admin").pk))
    assert response.status_code == 400
    assert "This is the only owner." in text(response)
    owner.user.refresh_from_db()
    assert owner.user.role.key == "owner"
    # With a second owner, the first may step down.
    other = make_user(clock, "oscar")
    save_user(console, other, role=str(Role.objects.get(key="owner").pk))
    response = save_user(console, owner, role=str(Role.objects.get(key="admin").pk))
    assert response.status_code == 302
    owner.user.refresh_from_db()
    assert owner.user.role.key == "admin"
    assert events("console.role_changed")[-1].details == {"before": "owner", "after": "admin"}


def test_admin_cannot_demote_delete_or_deactivate_the_owner(
    admin_console: Client, owner: Member, clock: FakeClock
) -> None:
    member_role = str(Role.objects.get(key="member").pk)
    assert "Only an owner can change the role of an owner" in text(
        save_user(admin_console, owner, role=member_role)
    )
    assert "Only an owner can deactivate an owner" in text(
        save_user(admin_console, owner, is_active=None)
    )
    assert "Only an owner can change the email of an owner" in text(
        save_user(admin_console, owner, email="x@example.com")
    )
    response = post(admin_console, f"/console/users/{owner.user.pk}/delete/")
    assert response.status_code == 400
    assert "Only an owner can delete an owner" in text(response)
    owner.user.refresh_from_db()
    assert (owner.user.role.key, owner.user.is_active, owner.user.email) == (
        "owner",
        True,
        "olivia@example.com",
    )


def test_admin_cannot_make_an_owner(admin_console: Client, maria: Member) -> None:
    response = save_user(admin_console, maria, role=str(Role.objects.get(key="owner").pk))
    assert "Only an owner can make someone an owner." in text(response)
    maria.user.refresh_from_db()
    assert maria.user.role.key == "member"


def test_delete_a_user(console: Client, maria: Member, owner: Member) -> None:
    page = text(console.get(f"/console/users/{maria.user.pk}/delete/"))
    assert "Delete maria?" in page
    response = post(console, f"/console/users/{maria.user.pk}/delete/")
    assert response["Location"] == "/console/users/"
    assert not User.objects.filter(username="maria").exists()
    deleted = events("console.user_deleted")[0]
    assert (deleted.subject_label, deleted.actor.username) == ("maria", "olivia")
    # Nobody deletes themselves; the only owner stays.
    response = post(console, f"/console/users/{owner.user.pk}/delete/")
    assert "You cannot delete your own account here." in text(response)


# -- roles ---------------------------------------------------------------------------------------


def test_custom_admin_role_reaches_the_console(
    console: Client, maria: Member, clock: FakeClock
) -> None:
    response = post(
        console, "/console/roles/", {"name": "Help desk", "description": "Resets", "is_admin": "on"}
    )
    assert "Created the role Help desk." in text(follow(console, response))
    role = Role.objects.get(name="Help desk")
    assert (role.key, role.is_admin, role.builtin) == ("help-desk", True, False)
    member_client = signed_in(maria, clock)
    assert member_client.get("/console/").status_code == 403
    save_user(console, maria, role=str(role.pk))
    # All administrators must use 2FA: maria must set it up before she is signed in again.
    assert decision(maria, clock).rules == (Rule.ADMINISTRATOR,)
    set_org_policy(mode="off", require_all_admins=False, actor=None, clock=clock)
    assert signed_in(maria, clock).get("/console/").status_code == 200


def test_role_rules(console: Client, maria: Member, clock: FakeClock) -> None:
    post(console, "/console/roles/", {"name": "Contractor"})
    role = Role.objects.get(name="Contractor")
    duplicate = post(console, "/console/roles/", {"name": "contractor"})
    assert "There is already a role with that name." in text(duplicate)
    too_long = post(console, "/console/roles/", {"name": "r" * 101})
    assert too_long.status_code == 400
    assert "at most 100 characters" in text(too_long)
    assert not Role.objects.filter(name="r" * 101).exists()
    post(console, "/console/roles/", {"name": "Auditor"})
    renamed = post(
        console,
        f"/console/roles/{role.pk}/",
        {"name": "AUDITOR", "description": ""},
        page=f"/console/roles/{role.pk}/",
    )
    assert "There is already a role with that name." in text(renamed)
    assert Role.objects.filter(name="Contractor").exists()
    save_user(console, maria, role=str(role.pk))
    page = text(follow(console, post(console, f"/console/roles/{role.pk}/delete/")))
    assert "Users still have this role" in page
    save_user(console, maria, role=str(Role.objects.get(key="member").pk))
    set_org_policy(mode="roles", roles=[role], actor=None, clock=clock)
    page = text(follow(console, post(console, f"/console/roles/{role.pk}/delete/")))
    assert "The two-step verification policy applies to the role Contractor." in page
    set_org_policy(mode="off", actor=None, clock=clock)
    assert post(console, f"/console/roles/{role.pk}/delete/")["Location"] == "/console/roles/"
    assert not Role.objects.filter(name="Contractor").exists()
    builtin = Role.objects.get(key="member")
    page = text(follow(console, post(console, f"/console/roles/{builtin.pk}/delete/")))
    assert "Built-in roles cannot be deleted." in page
    # A built-in role keeps its name and console access; its description may change.
    post(
        console,
        f"/console/roles/{builtin.pk}/",
        {"name": "Hacked", "description": "Everyone", "is_admin": "on"},
        page=f"/console/roles/{builtin.pk}/",
    )
    builtin.refresh_from_db()
    assert (builtin.name, builtin.is_admin, builtin.description) == ("Member", False, "Everyone")


# -- groups ------------------------------------------------------------------------------------


def test_groups_create_rename_members_delete(
    console: Client, maria: Member, clock: FakeClock
) -> None:
    response = post(console, "/console/groups/", {"name": "Engineering"})
    group = Group.objects.get(name="Engineering")
    assert response["Location"] == f"/console/groups/{group.pk}/"
    assert "There is already a group with that name." in text(
        post(console, "/console/groups/", {"name": "ENGINEERING"})
    )
    path = f"/console/groups/{group.pk}/"
    page = text(
        follow(console, post(console, path + "members/", {"identifier": "maria@example.com"}))
    )
    assert "Added maria to Engineering." in page
    assert "Members (1)" in page
    post(console, path, {"name": "Eng", "description": "Builders"}, page=path)
    group.refresh_from_db()
    assert (group.name, group.description) == ("Eng", "Builders")
    set_org_policy(mode="groups", groups=[group], actor=None, clock=clock)
    page = text(console.get(path))
    assert "The organisation requires two-step verification for this group's members." in page
    assert "The two-step verification policy applies to the group Eng." in text(
        follow(console, post(console, path + "delete/"))
    )
    assert decision(maria, clock).required
    post(console, path + f"members/{maria.user.pk}/remove/")
    assert not decision(maria, clock).required
    set_org_policy(mode="off", actor=None, clock=clock)
    assert post(console, path + "delete/")["Location"] == "/console/groups/"
    assert not Group.objects.exists()
    names = [e.event for e in events("console.group_created")] + [
        e.event for e in events("console.group_deleted")
    ]
    assert names == ["console.group_created", "console.group_deleted"]


def test_group_member_buttons_after_ten_minutes_need_one_confirmation(
    console: Client, owner: Member, maria: Member, clock: FakeClock
) -> None:
    group = create_group("Ops", actor=None, clock=clock)
    maria.user.groups.add(group)
    path = f"/console/groups/{group.pk}/"
    clock.advance(minutes=20)
    page = text(console.get(path))
    assert "Code from your authenticator app" in page
    refused = text(
        follow(console, post(console, path + f"members/{maria.user.pk}/remove/", page=path))
    )
    assert "Enter a code" in refused
    assert maria.user.groups.filter(pk=group.pk).exists()
    confirmed = post(
        console, "/console/confirm/", {"confirm_code": owner.code(clock), "next": path}, page=path
    )
    assert confirmed["Location"] == path
    post(console, path + f"members/{maria.user.pk}/remove/", page=path)
    assert not maria.user.groups.filter(pk=group.pk).exists()
