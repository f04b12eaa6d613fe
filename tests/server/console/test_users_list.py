"""The users list: search, filters by role, group and 2FA status, paging that does a fixed
number of queries whatever the number of users, and bulk actions on selected users."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from twostep.server.accounts.directory import create_group
from twostep.server.accounts.models import Role, User
from twostep.server.clock import FakeClock
from twostep.server.policy.services import Rule, Status, require_user

from ..helpers import Member, enrol, make_user
from .util import decision, events, follow, post, signed_in, text

pytestmark = pytest.mark.django_db


def listed(client: Client, query: str = "") -> list[str]:
    body = client.get("/console/users/" + query).content.decode()
    return re.findall(r'name="user" value="\d+" aria-label="Select ([^"]+)"', body)


def add_users(clock: FakeClock, count: int, prefix: str = "user", **kw: Any) -> list[User]:
    """Users without a password (no hashing: fast), in one INSERT."""
    role = Role.objects.get(key=kw.pop("role", "member"))
    users = [
        User(
            username=f"{prefix}{i:04d}",
            email=f"{prefix}{i:04d}@example.com",
            role=role,
            date_joined=clock(),
            password="!",
        )
        for i in range(count)
    ]
    return User.objects.bulk_create(users)


def test_search_by_username_email_or_name(console: Client, clock: FakeClock) -> None:
    maria = make_user(clock, "maria")
    User.objects.filter(pk=maria.user.pk).update(display_name="Maria Quinn")
    make_user(clock, "bob", email="robert@corp.example")
    assert listed(console, "?q=quin") == ["maria"]
    assert listed(console, "?q=CORP") == ["bob"]
    assert listed(console, "?q=") == ["bob", "maria", "olivia"]


def test_filter_by_role_and_group(console: Client, clock: FakeClock) -> None:
    group = create_group("Engineering", actor=None, clock=clock)
    maria = make_user(clock, "maria")
    make_user(clock, "bob")
    maria.user.groups.add(group)
    assert listed(console, f"?group={group.pk}") == ["maria"]
    assert listed(console, f"?role={Role.objects.get(key='owner').pk}") == ["olivia"]
    assert listed(console, f"?role={Role.objects.get(key='member').pk}&group={group.pk}") == [
        "maria"
    ]


def test_filter_by_two_step_status(console: Client, owner: Member, clock: FakeClock) -> None:
    enrol(make_user(clock, "erin"), clock)
    pending = make_user(clock, "paul")
    locked = make_user(clock, "lena")
    make_user(clock, "otto")
    require_user(locked.user, days=1, actor=None, clock=clock)
    clock.advance(days=2)
    require_user(pending.user, days=3, actor=None, clock=clock)
    console = signed_in(owner, clock)
    assert listed(console, "?status=enrolled") == ["erin", "olivia"]
    assert listed(console, "?status=pending") == ["paul"]
    assert listed(console, "?status=locked") == ["lena"]
    assert listed(console, "?status=off") == ["otto"]
    assert listed(console, "?status=required") == ["lena", "olivia", "paul"]  # olivia: admin rule
    page = text(console.get("/console/users/"))
    assert "Locked: not set up in time" in page
    assert "Required, pending By" in page
    assert "Set up" in page


def test_paging_keeps_the_filter_and_a_fixed_number_of_queries(
    console: Client, clock: FakeClock, django_assert_max_num_queries: Any
) -> None:
    add_users(clock, 120)
    page = console.get("/console/users/?q=user")
    assert "120 users match · showing 1–50" in text(page)
    assert 'href="?q=user&amp;page=2"' in page.content.decode()
    assert listed(console, "?q=user&page=3")[0] == "user0100"
    with django_assert_max_num_queries(20) as few:
        console.get("/console/users/?q=user&page=2")
    add_users(clock, 150, prefix="more")
    with django_assert_max_num_queries(len(few.captured_queries)):
        console.get("/console/users/?page=4")


def test_bulk_require_with_days(console: Client, clock: FakeClock, mails: list[Any]) -> None:
    maria, bob, carl = (make_user(clock, n) for n in ("maria", "bob", "carl"))
    response = post(
        console,
        "/console/users/bulk/",
        {
            "user": [maria.user.pk, bob.user.pk],
            "action": "require",
            "days": "3",
            "next": "/console/users/?q=a",
        },
    )
    assert response["Location"] == "/console/users/?q=a"
    page = text(follow(console, response))
    assert (
        "Two-step verification is now required for 2 users with 3 days to set it up; 2 mails sent."
        in page
    )
    for member in (maria, bob):
        d = decision(member, clock)
        assert (d.status, d.rules, d.days_left) == (Status.SETUP_BY_DEADLINE, (Rule.USER,), 3)
    assert not decision(carl, clock).required
    assert sorted(m.to[0] for m in mails if m.subject.startswith("Set up two-step")) == [
        "bob@example.com",
        "maria@example.com",
    ]
    assert sorted(e.subject.username for e in events("policy.user_required")) == ["bob", "maria"]


def test_bulk_add_to_group(console: Client, clock: FakeClock) -> None:
    group = create_group("Support", actor=None, clock=clock)
    maria, bob = make_user(clock, "maria"), make_user(clock, "bob")
    maria.user.groups.add(group)
    response = post(
        console,
        "/console/users/bulk/",
        {"user": [maria.user.pk, bob.user.pk], "action": "add_group", "group": group.pk},
    )
    assert "Added 1 user to Support (1 already in it)." in text(follow(console, response))
    assert set(group.users.values_list("username", flat=True)) == {"maria", "bob"}


def test_bulk_needs_a_selection_and_a_group(console: Client, clock: FakeClock) -> None:
    maria = make_user(clock, "maria")
    page = text(follow(console, post(console, "/console/users/bulk/", {"action": "require"})))
    assert "Select at least one user first." in page
    page = text(
        follow(
            console,
            post(console, "/console/users/bulk/", {"user": maria.user.pk, "action": "add_group"}),
        )
    )
    assert "Choose the group to add the users to." in page
    too_many = [str(i) for i in range(1, 102)]
    page = text(
        follow(
            console, post(console, "/console/users/bulk/", {"user": too_many, "action": "require"})
        )
    )
    assert "Select at most 100 users at a time." in page
    assert not events("policy.user_required")


def test_bulk_needs_a_fresh_code(console: Client, owner: Member, clock: FakeClock) -> None:
    maria = make_user(clock, "maria")
    clock.advance(minutes=15)
    data = {"user": maria.user.pk, "action": "require", "days": "7"}
    page = text(follow(console, post(console, "/console/users/bulk/", data)))
    assert "Enter a code from your authenticator app to confirm it is you." in page
    assert not decision(maria, clock).required
    post(console, "/console/users/bulk/", {**data, "confirm_code": owner.code(clock)})
    assert decision(maria, clock).required


def test_bulk_next_cannot_leave_the_console(console: Client, clock: FakeClock) -> None:
    maria = make_user(clock, "maria")
    for bad in ("https://evil.example/", "//evil.example/console/users/", "/account/"):
        response = post(
            console,
            "/console/users/bulk/",
            {"user": maria.user.pk, "action": "require", "next": bad},
        )
        assert response["Location"] == "/console/users/"
