"""A user sees their signed-in sessions, browsers and apps, and ends one (OWASP ASVS 3.3.4):
on the account page and through the sign-in API's ``/me/sessions``."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from twostep.server.accounts.models import AccessToken, WebSession
from twostep.server.audit.models import Event
from twostep.server.clock import FakeClock

from .api.support import ApiClient, assert_error
from .helpers import Member, make_user, post_form, sign_in

pytestmark = pytest.mark.django_db


def browser(agent: str) -> Client:
    return Client(enforce_csrf_checks=True, HTTP_USER_AGENT=agent)


def api_sign_in(member: Member, agent: str = "ShopApp/2.1") -> ApiClient:
    anon = ApiClient(Client(HTTP_USER_AGENT=agent), None)
    body = anon.post(
        "/signin", {"identifier": member.user.username, "password": member.password}
    ).json()
    return ApiClient(Client(HTTP_USER_AGENT=agent), body["access_token"])


def session_ids(page: str) -> list[str]:
    return re.findall(r'action="/account/sessions/((?:web|api)-\d+)/end/"', page)


def test_the_account_page_lists_sessions_and_ends_another(member: Member, clock: FakeClock) -> None:
    laptop, phone = browser("Firefox on the laptop"), browser("Safari on the phone")
    assert sign_in(laptop, member).status_code == 302
    assert sign_in(phone, member).status_code == 302
    api_sign_in(member)
    page = laptop.get("/account/").content.decode()
    assert "Firefox on the laptop" in page
    assert "Safari on the phone" in page
    assert "ShopApp/2.1" in page
    assert page.count("This session") == 1
    others = session_ids(page)
    assert len(others) == 2  # the phone and the app: this session has no button
    phone_row = WebSession.objects.get(user_agent="Safari on the phone").pk
    assert f"web-{phone_row}" in others
    assert phone.get("/account/").status_code == 200
    ended = post_form(laptop, f"/account/sessions/web-{phone_row}/end/", {}, form_path="/account/")
    assert ended.status_code == 302
    assert phone.get("/account/").status_code == 302  # signed out: to the sign-in page
    assert laptop.get("/account/").status_code == 200
    assert Event.objects.filter(event="session.signed_out", details__session=f"web-{phone_row}")


def test_another_users_session_cannot_be_ended(member: Member, clock: FakeClock) -> None:
    bob = make_user(clock, "bob")
    theirs = browser("Bob's browser")
    assert sign_in(theirs, bob).status_code == 302
    mine = browser("mine")
    assert sign_in(mine, member).status_code == 302
    row = WebSession.objects.get(user=bob.user).pk
    post_form(mine, f"/account/sessions/web-{row}/end/", {}, form_path="/account/")
    assert theirs.get("/account/").status_code == 200


def test_sign_out_others_keeps_this_session_listed(member: Member, clock: FakeClock) -> None:
    laptop, phone = browser("laptop"), browser("phone")
    sign_in(laptop, member)
    sign_in(phone, member)
    post_form(laptop, "/account/sessions/sign-out-others/", {}, form_path="/account/")
    assert laptop.get("/account/").status_code == 200
    assert phone.get("/account/").status_code == 302
    page = laptop.get("/account/").content.decode()
    assert page.count("This session") == 1
    assert session_ids(page) == []


def test_api_lists_sessions_and_ends_one(member: Member, clock: FakeClock) -> None:
    laptop = browser("Firefox on the laptop")
    sign_in(laptop, member)
    app, other_app = api_sign_in(member, "ShopApp/2.1"), api_sign_in(member, "Other/1")
    clock.advance(minutes=2)
    listed = app.get("/me/sessions")
    assert listed.status_code == 200
    sessions: list[dict[str, Any]] = listed.json()
    assert {(s["kind"], s["user_agent"]) for s in sessions} == {
        ("web", "Firefox on the laptop"),
        ("api", "ShopApp/2.1"),
        ("api", "Other/1"),
    }
    (current,) = [s for s in sessions if s["current"]]
    assert current["user_agent"] == "ShopApp/2.1"
    other = next(s for s in sessions if s["user_agent"] == "Other/1")
    assert app.delete(f"/me/sessions/{other['id']}").status_code == 204
    assert_error(other_app.get("/me"), 401, "invalid_token")
    assert_error(app.delete(f"/me/sessions/{other['id']}"), 404, "not_found")
    web = next(s for s in sessions if s["kind"] == "web")
    assert app.delete(f"/me/sessions/{web['id']}").status_code == 204
    assert laptop.get("/account/").status_code == 302
    assert [s["current"] for s in app.get("/me/sessions").json()] == [True]
    for bad in ("web-x", "api-", "x-1", "api-99999999999999999999", "api-²"):
        assert_error(app.delete(f"/me/sessions/{bad}"), 404, "not_found")


def test_api_cannot_end_another_users_session(member: Member, clock: FakeClock) -> None:
    bob = make_user(clock, "bob")
    theirs = api_sign_in(bob)
    bob_token = AccessToken.objects.get(user=bob.user).pk
    mine = api_sign_in(member)
    assert_error(mine.delete(f"/me/sessions/api-{bob_token}"), 404, "not_found")
    assert theirs.get("/me").status_code == 200


def test_a_session_that_signs_out_leaves_the_list(member: Member, clock: FakeClock) -> None:
    laptop, phone = browser("laptop"), browser("phone")
    sign_in(laptop, member)
    sign_in(phone, member)
    assert WebSession.objects.filter(user=member.user).count() == 2
    assert post_form(phone, "/signout/", {}, form_path="/account/").status_code == 302
    assert list(
        WebSession.objects.filter(user=member.user).values_list("user_agent", flat=True)
    ) == ["laptop"]
    assert session_ids(laptop.get("/account/").content.decode()) == []


def test_idle_and_old_sessions_are_not_listed(member: Member, clock: FakeClock) -> None:
    app = api_sign_in(member)
    idle = browser("left open")
    sign_in(idle, member)
    for _ in range(2):
        clock.advance(minutes=20)
        assert app.get("/me").status_code == 200
    assert [s["kind"] for s in app.get("/me/sessions").json()] == ["api"]
