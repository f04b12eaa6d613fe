"""The per-application rules: who may use an application, whether it insists on a code."""

from __future__ import annotations

import pytest

from server.helpers import make_user
from twostep.server.accounts.models import Group, Role
from twostep.server.applications import access
from twostep.server.applications.members import application_named
from twostep.server.clock import FakeClock
from twostep.server.errors import InvalidUserDataError, NoSuchReferenceError


@pytest.fixture
def app(db: None, clock: FakeClock):
    return application_named("Wiki", clock=clock)


def test_everyone_may_use_an_application_for_all_users(app, clock: FakeClock) -> None:
    alice = make_user(clock, "alice").user
    assert app.access == "all"
    assert access.may_use(app, alice)


def test_a_deactivated_user_may_not(app, clock: FakeClock) -> None:
    alice = make_user(clock, "alice").user
    alice.is_active = False
    alice.save()
    assert not access.may_use(app, alice)


def test_chosen_groups_let_their_members_in_and_nobody_else(app, clock: FakeClock) -> None:
    alice = make_user(clock, "alice").user
    bob = make_user(clock, "bob").user
    ops = Group.objects.create(name="Ops")
    alice.groups.add(ops)
    access.apply_rules(app, access.clean_rules(groups=["ops"]))  # names case-insensitively
    app.refresh_from_db()
    assert app.access == "selected"
    assert access.may_use(app, alice)
    assert not access.may_use(app, bob)


def test_chosen_roles_let_their_holders_in(app, clock: FakeClock) -> None:
    alice = make_user(clock, "alice").user
    admin = make_user(clock, "root", role="admin").user
    access.apply_rules(app, access.clean_rules(roles=["admin"]))
    assert access.may_use(app, admin)
    assert not access.may_use(app, alice)


def test_deleting_the_last_chosen_group_closes_the_application(app, clock: FakeClock) -> None:
    alice = make_user(clock, "alice").user
    ops = Group.objects.create(name="Ops")
    alice.groups.add(ops)
    access.apply_rules(app, access.clean_rules(groups=["Ops"]))
    ops.delete()
    app.refresh_from_db()
    assert app.access == "selected"
    assert not access.may_use(app, alice)


def test_back_to_all_users(app, clock: FakeClock) -> None:
    bob = make_user(clock, "bob").user
    access.apply_rules(app, access.clean_rules(roles=["owner"]))
    assert not access.may_use(app, bob)
    access.apply_rules(app, access.clean_rules(access="all", roles=[]))
    app.refresh_from_db()
    assert access.may_use(app, bob)


def test_requires_second_factor_follows_the_setting(app) -> None:
    assert access.requires_second_factor(app) is False
    access.apply_rules(app, access.clean_rules(require_second_factor=True))
    app.refresh_from_db()
    assert access.requires_second_factor(app) is True


def test_unknown_groups_and_roles_are_named(app) -> None:
    with pytest.raises(NoSuchReferenceError) as caught:
        access.clean_rules(groups=["nobody"], roles=["ghost"])
    assert caught.value.errors == {
        "groups": "There is no group 'nobody'.",
        "roles": "There is no role 'ghost'.",
    }


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://example.com/", "https://", "example.com/x"]
)
def test_only_web_addresses_are_launch_urls(db: None, url: str) -> None:
    with pytest.raises(InvalidUserDataError) as caught:
        access.clean_rules(launch_url=url, icon_url=url)
    assert set(caught.value.errors) == {"launch_url", "icon_url"}


def test_icons_come_from_https_addresses(db: None) -> None:
    with pytest.raises(InvalidUserDataError) as caught:
        access.clean_rules(launch_url="http://intranet.local/", icon_url="http://x.example/i.png")
    assert caught.value.errors == {
        "icon_url": "Give an https:// address of at most 500 characters."
    }
    rules = access.clean_rules(icon_url="https://x.example/i.png")
    assert rules.icon_url == "https://x.example/i.png"


def test_an_unknown_access_value_is_refused(db: None) -> None:
    with pytest.raises(InvalidUserDataError) as caught:
        access.clean_rules(access="anyone")
    assert caught.value.field == "access"


def test_the_portal_lists_what_a_user_may_open(db: None, clock: FakeClock) -> None:
    alice = make_user(clock, "alice").user
    ops = Group.objects.create(name="Ops")
    alice.groups.add(ops)
    wiki = application_named("Wiki", clock=clock)
    grafana = application_named("Grafana", clock=clock)
    payroll = application_named("Payroll", clock=clock)
    hidden = application_named("No launch URL", clock=clock)
    access.apply_rules(wiki, access.clean_rules(launch_url="https://wiki.example.com/"))
    access.apply_rules(
        grafana, access.clean_rules(groups=["Ops"], launch_url="https://grafana.example.com/")
    )
    access.apply_rules(
        payroll, access.clean_rules(roles=["admin"], launch_url="https://pay.example.com/")
    )
    assert hidden.launch_url == ""
    assert [app.name for app in access.usable_by(alice)] == ["Grafana", "Wiki"]
    admin = make_user(clock, "root", role="admin").user
    assert [app.name for app in access.usable_by(admin)] == ["Payroll", "Wiki"]


def test_describe_is_plain_data(app, clock: FakeClock) -> None:
    Group.objects.create(name="Ops")
    access.apply_rules(
        app, access.clean_rules(groups=["Ops"], roles=["admin"], description="  The   wiki ")
    )
    assert access.describe(app) == {
        "access": "selected",
        "groups": ["Ops"],
        "roles": ["admin"],
        "require_second_factor": False,
        "launch_url": "",
        "icon_url": "",
        "description": "The wiki",
    }
    assert Role.objects.filter(key="admin").exists()
