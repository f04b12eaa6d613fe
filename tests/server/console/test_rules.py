"""Each rule and their combinations as an administrator sees them: the user page lists the
rules that require 2FA (the policy's reasons), the status and deadline, and the users list
filter agrees. The policy service's own tests (tests/server/test_policy.py) check the maths;
these check that the console shows and changes it faithfully."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from twostep.server.accounts.directory import create_group
from twostep.server.accounts.models import Role
from twostep.server.clock import FakeClock
from twostep.server.policy.services import (
    require_user,
    set_admin_requirement,
    set_org_policy,
)

from ..helpers import Member, enrol, make_user
from .util import post, signed_in, text

pytestmark = pytest.mark.django_db

ORG_ALL = "The organisation requires two-step verification for all users."
ORG_ROLE = "The organisation requires it for the user's role."
ORG_GROUP = "The organisation requires it for the group Ops, which the user is in."
USER = "An administrator requires two-step verification for this user"
ALL_ADMINS = "All administrators must use two-step verification."
ONE_ADMIN = "Two-step verification is required for this administrator."
REASONS = (ORG_ALL, ORG_ROLE, ORG_GROUP, USER, ALL_ADMINS, ONE_ADMIN)


def reasons(console: Client, member: Member) -> set[str]:
    page = text(console.get(f"/console/users/{member.user.pk}/"))
    return {r for r in REASONS if r in page}


def status(console: Client, member: Member) -> str:
    body = console.get(f"/console/users/{member.user.pk}/").content.decode()
    return re.search(
        r'<div class="heading">.*?<span class="pill \w+">([^<]+)</span>', body, re.S
    ).group(1)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("org", "user_rule", "role", "admin_box", "all_admins", "expected"),
    [
        ({"mode": "off"}, False, "member", False, True, set()),
        ({"mode": "all"}, False, "member", False, True, {ORG_ALL}),
        ({"mode": "roles", "roles": ["member"]}, False, "member", False, True, {ORG_ROLE}),
        ({"mode": "roles", "roles": ["admin"]}, False, "member", False, True, set()),
        ({"mode": "groups", "groups": ["Ops"]}, False, "member", False, True, {ORG_GROUP}),
        ({"mode": "groups", "groups": ["Other"]}, False, "member", False, True, set()),
        ({"mode": "off"}, True, "member", False, True, {USER}),
        ({"mode": "off"}, False, "admin", False, True, {ALL_ADMINS}),
        ({"mode": "off"}, False, "admin", False, False, set()),
        ({"mode": "off"}, False, "admin", True, False, {ONE_ADMIN}),
        ({"mode": "all"}, True, "admin", True, True, {ORG_ALL, USER, ALL_ADMINS}),
        ({"mode": "groups", "groups": ["Ops"]}, True, "member", False, True, {ORG_GROUP, USER}),
    ],
)
def test_each_rule_and_combinations(  # noqa: PLR0917 - parametrized
    console: Client,
    clock: FakeClock,
    org: dict[str, Any],
    user_rule: bool,
    role: str,
    admin_box: bool,
    all_admins: bool,
    expected: set[str],
) -> None:
    groups = {name: create_group(name, actor=None, clock=clock) for name in ("Ops", "Other")}
    member = make_user(clock, "maria", role=role)
    member.user.groups.add(groups["Ops"])
    set_org_policy(
        mode=org["mode"],
        roles=[Role.objects.get(key=k) for k in org.get("roles", [])],
        groups=[groups[g] for g in org.get("groups", [])],
        require_all_admins=all_admins,
        actor=None,
        clock=clock,
    )
    if user_rule:
        require_user(member.user, days=3, actor=None, clock=clock)
    if admin_box:
        set_admin_requirement(member.user, True, actor=None, clock=clock)
    assert reasons(console, member) == expected
    assert status(console, member) == ("Required, pending" if expected else "Off")
    listed = text(console.get("/console/users/?status=required&q=maria"))
    assert ("1 user matches" in listed) is bool(expected)


def test_enrolled_users_are_set_up_whatever_requires_it(owner: Member, clock: FakeClock) -> None:
    member = enrol(make_user(clock, "maria"), clock)
    set_org_policy(mode="all", actor=None, clock=clock)
    require_user(member.user, days=1, actor=None, clock=clock)
    clock.advance(days=5)  # deadlines passed long ago: a set-up user is never locked
    console = signed_in(owner, clock)
    assert status(console, member) == "Set up"
    assert reasons(console, member) == {ORG_ALL, USER}


def test_the_earliest_deadline_counts_and_only_the_user_rule_locks(
    console: Client, owner: Member, clock: FakeClock
) -> None:
    member = make_user(clock, "maria")
    set_org_policy(mode="all", grace_days=2, actor=None, clock=clock)
    require_user(member.user, days=5, actor=None, clock=clock)
    page = text(console.get(f"/console/users/{member.user.pk}/"))
    assert "(2 days left)" in page  # the organisation's grace ends first
    clock.advance(days=3)
    console = signed_in(owner, clock)
    assert status(console, member) == "Required, pending"  # grace over: set up now, no lock
    assert "At the next sign-in" in text(console.get(f"/console/users/{member.user.pk}/"))
    clock.advance(days=3)
    console = signed_in(owner, clock)
    assert status(console, member) == "Locked: not set up in time"  # the user rule's 5 days
    # Lifting the user rule unlocks; the organisation rule still requires setup now.
    post(console, f"/console/users/{member.user.pk}/lift/")
    assert status(console, member) == "Required, pending"
    assert reasons(console, member) == {ORG_ALL}
