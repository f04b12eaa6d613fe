"""Only administrators reach the console: every URL of the console's URL conf is walked.

A member gets 403 on every console URL, with GET and with POST, and nothing changes; an
anonymous visitor is sent to sign in (and back); an administrator gets the pages. The one public
page, the invitation link, refuses signed-in users too.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, resolve

from twostep.server.accounts.directory import create_group
from twostep.server.accounts.models import Group, Role
from twostep.server.applications.members import application_named
from twostep.server.audit.models import Event
from twostep.server.clock import FakeClock
from twostep.server.console import urls as console_urls
from twostep.server.gateway.sites import add_site
from twostep.server.policy.models import OrgPolicy
from twostep.server.policy.services import get_org_policy
from twostep.server.webhooks.subscriptions import create_subscription

from ..helpers import Member
from .util import post, signed_in

pytestmark = pytest.mark.django_db


def _fill(pattern: URLPattern, ids: dict[str, int]) -> str:
    """The route with each ``<converter:name>`` replaced by a real value."""
    route = str(pattern.pattern)
    kind = route.split("/", maxsplit=1)[0]  # users, groups, roles, join...

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "pk":
            return str(ids[kind])
        if name == "user_pk":
            return str(ids["users"])
        if name == "token":
            return "not-a-real-invitation-token-0123456789abcdef"
        raise AssertionError(f"no value for the path parameter {name!r} in {route}")

    return "/console/" + re.sub(r"<(?:\w+:)?(\w+)>", value, route)


def console_paths(ids: dict[str, int]) -> list[tuple[str, str]]:
    patterns = [p for p in console_urls.urlpatterns if isinstance(p, URLPattern)]
    assert len(patterns) == len(console_urls.urlpatterns), "nested includes are not walked"
    return [(p.name or "", _fill(p, ids)) for p in patterns]


@pytest.fixture
def ids(owner: Member, clock: FakeClock) -> dict[str, int]:
    group = create_group("Engineering", actor=None, clock=clock)
    webhook, _ = create_subscription(
        application=application_named("Shop", clock=clock),
        url="https://shop.example/hooks",
        events=["mfa.reset"],
        actor=None,
        clock=clock,
    )
    application = application_named("Wiki", clock=clock)
    return {
        "webhooks": webhook.pk,
        "users": owner.user.pk,
        "groups": group.pk,
        "roles": Role.objects.get(key="member").pk,
        "applications": application.pk,
        "join": 0,
        "sites": add_site("app.example.test", policy="one_factor", clock=clock).id,
    }


def test_every_console_url_is_walked(ids: dict[str, int]) -> None:
    paths = console_paths(ids)
    names = {name for name, _ in paths}
    assert {"dashboard", "users", "user", "security", "administrators", "audit"} <= names
    assert len(paths) >= 25
    for name, path in paths:
        match = resolve(path)
        assert match.url_name == name, path
        admin_only = getattr(match.func, "console_admin_only", False)
        assert admin_only == (name not in console_urls.PUBLIC), name


def test_member_gets_403_on_every_console_url(
    ids: dict[str, int], clock: FakeClock, maria: Member
) -> None:
    client = signed_in(maria, clock)
    before = Event.objects.count()
    data = {"enabled": "on", "scope": "all", "grace_days": "0", "name": "x", "identifier": "olivia"}
    for name, path in console_paths(ids):
        got = client.get(path)
        if name in console_urls.PUBLIC:  # a made-up invitation: 404 signed in or not
            assert got.status_code == 404, (name, path, got.status_code)
            assert post(client, path, data, page="/account/").status_code == 404
            continue
        assert got.status_code == 403, (name, path, got.status_code)
        assert b"Not allowed" in got.content
        posted = post(client, path, data, page="/account/")
        assert posted.status_code == 403, (name, path, posted.status_code)
    assert get_org_policy().mode == OrgPolicy.OFF
    assert not Group.objects.filter(name="x").exists()
    assert Event.objects.count() == before  # a refused request changes nothing


def test_anonymous_visitor_is_sent_to_sign_in(ids: dict[str, int]) -> None:
    client = Client()
    for name, path in console_paths(ids):
        got = client.get(path)
        if name in console_urls.PUBLIC:
            assert got.status_code == 404  # the made-up invitation token
            continue
        assert got.status_code == 302, (name, path)
        assert got["Location"].startswith("/signin/?next=/console/"), got["Location"]
        assert client.post(path, {}).status_code in {302, 403}  # CSRF refuses first, or sign in


def test_sign_in_leads_back_to_the_console_page(owner: Member, clock: FakeClock) -> None:
    client = Client()
    got = client.get("/console/security/")
    assert got["Location"] == "/signin/?next=/console/security/"
    client.post(
        "/signin/?next=/console/security/",
        {"identifier": "olivia", "password": owner.password, "next": "/console/security/"},
    )
    done = client.post("/signin/code/", {"code": owner.code(clock)})
    assert done["Location"] == "/console/security/"


def test_administrators_open_every_page(
    ids: dict[str, int], console: Client, admin_console: Client
) -> None:
    for client in (console, admin_console):
        for name, path in console_paths(ids):
            if name in console_urls.PUBLIC:
                # A made-up invitation: 404 as for anyone (a working one: 403, sign out first).
                assert client.get(path).status_code == 404
                continue
            got = client.get(path)
            expected = {405} if _post_only(name) else {200}
            assert got.status_code in expected, (name, path, got.status_code)


def _post_only(name: str) -> bool:
    return name in {
        "users_bulk",
        "user_extend",
        "user_lift",
        "user_reset",
        "user_unlock",
        "user_sign_out",
        "user_invite",
        "group_add_member",
        "group_remove_member",
        "group_delete",
        "role_delete",
        "site_move",
        "site_remove",
        "application_rotate",
        "application_delete",
        "application_revoke",
        "security_name",
        "security_reset",
        "security_remember",
        "webhook_test",
        "webhook_delete",
        "confirm",
    }


def test_deactivated_admin_loses_the_console(
    admin: Member, console: Client, clock: FakeClock
) -> None:
    admin_client = signed_in(admin, clock)
    assert admin_client.get("/console/").status_code == 200
    response = post(console, f"/console/users/{admin.user.pk}/", _user_form(admin, is_active=False))
    assert response.status_code == 302
    assert admin_client.get("/console/").status_code == 302  # signed out: sessions ended


def _user_form(member: Member, **changes: Any) -> dict[str, Any]:
    user = member.user
    data: dict[str, Any] = {
        "display_name": user.display_name,
        "email": user.email or "",
        "role": user.role_id,
        "enrolment_days": "7",
    }
    if changes.pop("is_active", True):
        data["is_active"] = "on"
    data.update(changes)
    return data
