"""Zoom's Admin > Security through the console: "Sign in with two-step verification" for all
users, users with specific roles or in specific groups, the grace period, Save; and "Reset
two-step verification for a user" by username or email. Changes need a fresh code."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from server import actions as mfa
from twostep.otp import generate_totp
from twostep.server.accounts.directory import create_group
from twostep.server.accounts.models import Role
from twostep.server.clock import FakeClock
from twostep.server.policy.models import OrgPolicy
from twostep.server.policy.services import (
    Rule,
    Status,
    get_org_policy,
    set_admin_requirement,
    set_org_policy,
)

from ..helpers import Member, enrol, make_user, sign_in
from .util import decision, events, follow, post, signed_in, text

pytestmark = pytest.mark.django_db


def policy_form(**data: Any) -> dict[str, Any]:
    return {"enabled": "on", "scope": "all", "grace_days": "0", **data}


def test_security_page_shows_the_zoom_choices(console: Client) -> None:
    page = text(console.get("/console/security/"))
    for words in (
        "Sign in with two-step verification",
        "All users in the organisation",
        "Users with specific roles",
        "Users in specific groups",
        "Reset two-step verification for a user",
        "Username or email",
    ):
        assert words in page


def test_on_for_all_users(console: Client, maria: Member, clock: FakeClock) -> None:
    response = post(console, "/console/security/", policy_form())
    page = text(follow(console, response))
    assert (
        "Saved: two-step verification is required for 2 users; 1 of them has not set it up" in page
    )
    assert get_org_policy().mode == OrgPolicy.ALL
    assert decision(maria, clock).status == Status.SETUP_NOW
    assert Rule.ORGANISATION in decision(maria, clock).rules
    assert events("policy.changed")[-1].actor.username == "olivia"


def test_on_for_users_in_specific_groups(console: Client, maria: Member, clock: FakeClock) -> None:
    engineering = create_group("Engineering", actor=None, clock=clock)
    create_group("Sales", actor=None, clock=clock)
    bob = make_user(clock, "bob")
    maria.user.groups.add(engineering)
    response = post(
        console, "/console/security/", policy_form(scope="groups", groups=[engineering.pk])
    )
    assert response.status_code == 302
    policy = get_org_policy()
    assert (policy.mode, list(policy.groups.all())) == (OrgPolicy.GROUPS, [engineering])
    assert decision(maria, clock).required
    assert not decision(bob, clock).required
    # The page shows the choice again, checked.
    page = console.get("/console/security/").content.decode()
    assert f'value="{engineering.pk}" checked' in page.replace(' id="id_groups_0"', "")


def test_on_for_users_with_specific_roles(console: Client, maria: Member, clock: FakeClock) -> None:
    member_role = Role.objects.get(key="member")
    post(console, "/console/security/", policy_form(scope="roles", roles=[member_role.pk]))
    assert decision(maria, clock).required
    post(
        console,
        "/console/security/",
        policy_form(scope="roles", roles=[Role.objects.get(key="admin").pk]),
    )
    assert not decision(maria, clock).required


def test_groups_scope_without_a_group_is_refused(console: Client) -> None:
    response = post(console, "/console/security/", policy_form(scope="groups"))
    assert response.status_code == 400
    assert "Select at least one group." in text(response)
    assert get_org_policy().mode == OrgPolicy.OFF


def test_grace_days_and_remind_me_later(console: Client, maria: Member, clock: FakeClock) -> None:
    post(console, "/console/security/", policy_form(grace_days="3"))
    d = decision(maria, clock)
    assert (d.status, d.days_left) == (Status.SETUP_BY_DEADLINE, 3)
    setup = follow(maria_client := Client(), sign_in(maria_client, maria))
    assert "Remind me later (3 days left)" in text(setup)
    # The grace period of the organisation rule ends in "set up now", never in a lock.
    clock.advance(days=4)
    assert decision(maria, clock).status == Status.SETUP_NOW


def test_grace_days_are_bounded(console: Client) -> None:
    response = post(console, "/console/security/", policy_form(grace_days="366"))
    assert response.status_code == 400
    assert get_org_policy().mode == OrgPolicy.OFF


def test_turning_it_off(console: Client, maria: Member, clock: FakeClock) -> None:
    set_org_policy(mode="all", actor=None, clock=clock)
    response = post(console, "/console/security/", {"scope": "all", "grace_days": "0"})
    assert "no longer requires" in text(follow(console, response))
    assert get_org_policy().mode == OrgPolicy.OFF
    assert not decision(maria, clock).required


# -- a fresh code for changes ----------------------------------------------------------------------


def test_a_change_needs_a_code_from_the_last_ten_minutes(
    console: Client, owner: Member, clock: FakeClock
) -> None:
    clock.advance(minutes=11)
    page = text(console.get("/console/security/"))
    assert "Code from your authenticator app" in page
    refused = post(console, "/console/security/", policy_form())
    assert refused.status_code == 400
    assert "Enter a code from your authenticator app to confirm it is you." in text(refused)
    assert get_org_policy().mode == OrgPolicy.OFF
    wrong = post(console, "/console/security/", policy_form(confirm_code="000000"))
    assert wrong.status_code == 400
    assert get_org_policy().mode == OrgPolicy.OFF
    assert events("mfa.step_up_failed")
    clock.advance(seconds=30)
    accepted = post(console, "/console/security/", policy_form(confirm_code=owner.code(clock)))
    assert accepted.status_code == 302
    assert get_org_policy().mode == OrgPolicy.ALL
    assert events("mfa.step_up_ok")
    # That code counts for ten minutes: the next change needs none.
    clock.advance(minutes=9)
    assert post(console, "/console/security/", policy_form(grace_days="2")).status_code == 302
    assert get_org_policy().grace_days == 2


def test_the_same_code_does_not_confirm_twice(
    console: Client, owner: Member, clock: FakeClock
) -> None:
    clock.advance(minutes=11)
    code = owner.code(clock)
    assert post(console, "/console/security/", policy_form(confirm_code=code)).status_code == 302
    clock.advance(seconds=30)
    other = signed_in(owner, clock)  # a second session of the same admin
    clock.advance(minutes=11)
    replay = owner.code(clock)
    assert (
        post(
            other, "/console/security/", policy_form(grace_days="1", confirm_code=replay)
        ).status_code
        == 302
    )
    assert (
        post(
            console, "/console/security/", policy_form(grace_days="5", confirm_code=replay)
        ).status_code
        == 400
    )
    assert get_org_policy().grace_days == 1


def test_admin_without_2fa_confirms_with_the_password(clock: FakeClock, db: None) -> None:
    set_org_policy(mode="off", require_all_admins=False, actor=None, clock=clock)
    admin = make_user(clock, "nora", role="admin")
    client = signed_in(admin, clock)
    assert post(client, "/console/security/", policy_form()).status_code == 302  # just signed in
    clock.advance(minutes=11)
    assert "Your password" in text(client.get("/console/security/"))
    refused = post(
        client, "/console/security/", policy_form(grace_days="4", confirm_password="nope")
    )
    assert refused.status_code == 400
    assert "That is not your password." in text(refused)
    ok = post(
        client, "/console/security/", policy_form(grace_days="4", confirm_password=admin.password)
    )
    assert ok.status_code == 302
    assert get_org_policy().grace_days == 4


# -- reset by username or email --------------------------------------------------------------------


def test_reset_by_username_or_email(console: Client, clock: FakeClock, mails: list[Any]) -> None:
    bob = enrol(make_user(clock, "bob"), clock)
    response = post(console, "/console/security/reset/", {"identifier": "BOB@example.com"})
    assert response["Location"] == "/console/security/#reset"
    page = text(follow(console, response))
    assert (
        "Two-step verification was reset for bob. They set it up again at their next sign-in."
        in page
    )
    assert not mfa.is_enrolled(bob.user)
    assert [m.subject for m in mails][
        -1
    ] == "Two-step verification was reset for your twostep account"
    reset = events("mfa.reset")[-1]
    assert (reset.actor.username, reset.subject.username) == ("olivia", "bob")


def test_reset_of_an_unknown_user_says_so(console: Client) -> None:
    response = post(console, "/console/security/reset/", {"identifier": "nobody"})
    assert "No user has that username or email." in text(follow(console, response))
    assert not events("mfa.reset")


def test_reset_user_sets_up_again_at_next_sign_in(console: Client, clock: FakeClock) -> None:
    set_org_policy(mode="all", actor=None, clock=clock)
    bob = enrol(make_user(clock, "bob"), clock)
    post(console, "/console/security/reset/", {"identifier": "bob"})
    client = Client()
    assert sign_in(client, bob)["Location"] == "/two-step/setup/"


def test_admin_cannot_reset_the_owner(admin_console: Client, owner: Member) -> None:
    response = post(admin_console, "/console/security/reset/", {"identifier": "olivia"})
    assert "Only an owner can reset two-step verification of an owner's account." in text(
        follow(admin_console, response)
    )
    assert mfa.is_enrolled(owner.user)


def test_no_one_resets_their_own_two_step_here(console: Client, owner: Member) -> None:
    response = post(console, "/console/security/reset/", {"identifier": "olivia"})
    assert "You cannot reset your own two-step verification here." in text(
        follow(console, response)
    )
    assert mfa.is_enrolled(owner.user)


def test_per_admin_checkbox_is_kept_when_the_switch_changes(
    clock: FakeClock, owner: Member
) -> None:
    set_admin_requirement(owner.user, True, actor=None, clock=clock)
    set_org_policy(mode="off", require_all_admins=False, actor=None, clock=clock)
    assert Rule.ADMINISTRATOR in decision(owner, clock).rules


def test_the_organisation_name_is_the_issuer_and_the_title(
    console: Client, maria: Member, clock: FakeClock, mails: list[Any]
) -> None:
    page = text(console.get("/console/security/"))
    assert "Organisation" in page
    assert "Shown in authenticator apps beside each account (the issuer)" in page
    response = post(console, "/console/security/name/", {"name": "  Example   Ltd "})
    assert response["Location"] == "/console/security/#organisation"
    assert "Saved: the organisation is now called Example Ltd." in text(follow(console, response))
    (renamed,) = events("organisation.renamed")
    assert (renamed.actor.username, renamed.details) == (
        "olivia",
        {"old": "twostep", "new": "Example Ltd"},
    )
    # The issuer of a new authenticator entry (QR code and otpauth:// URI), the titles, mail.
    enrolment = mfa.start_enrolment(maria.user, clock=clock)
    assert enrolment.issuer == "Example Ltd"
    assert enrolment.uri.startswith("otpauth://totp/Example%20Ltd:maria@example.com?")
    assert "issuer=Example%20Ltd" in enrolment.uri
    assert (
        "<title>Security · Example Ltd</title>"
        in console.get("/console/security/").content.decode()
    )
    code = generate_totp(enrolment.secret, clock().timestamp())
    mfa.confirm_enrolment(maria.user, enrolment.id, code, clock=clock)
    assert mails[-1].subject == "Two-step verification is now on for your Example Ltd account"


def test_a_bad_organisation_name_is_refused_in_words(console: Client, clock: FakeClock) -> None:
    for name, words in (
        ("", "Give the organisation a name of 1 to 100 characters."),
        ("x" * 101, "Give the organisation a name of 1 to 100 characters."),
        ("Example: Ltd", "Use a name without a colon"),
    ):
        response = post(console, "/console/security/name/", {"name": name})
        assert words in text(follow(console, response)), name
    assert events("organisation.renamed") == []
    assert "<title>Security · twostep</title>" in console.get("/console/security/").content.decode()
