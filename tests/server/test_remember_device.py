"""Remember this browser: off by default; when the organisation turns it on, a code with the box
ticked lets that browser (and only it, for that user) skip the code until it expires, or until
a password change, a 2FA reset, sign out everywhere, an administrator, or the user forgets it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from twostep.server.accounts.remembered import set_remember_days
from twostep.server.accounts.services import set_password, sign_out_everywhere
from twostep.server.audit.models import Event
from twostep.server.audit.services import Events
from twostep.server.clock import FakeClock
from twostep.server.usecases.enrolment import reset

from .helpers import Member, enrol, make_user, post_form, sign_in

pytestmark = pytest.mark.django_db
COOKIE = "twostep_remember"


def remembered_client(member: Member, clock: FakeClock) -> Client:
    """A browser where ``member`` entered a code with "Remember this browser" ticked."""
    client = Client(enforce_csrf_checks=True)
    assert sign_in(client, member)["Location"] == "/signin/code/"
    done = post_form(client, "/signin/code/", {"code": member.code(clock), "remember": "on"})
    assert done.status_code == 302
    assert done["Location"] == "/account/"
    clock.advance(seconds=30)
    return client


def sign_in_again(client: Client, member: Member) -> str:
    """Sign out, sign in with the password: where it leads (the code step or the account)."""
    if client.get("/account/").status_code == 200:  # (after days, the session ended itself)
        post_form(client, "/signout/", {}, form_path="/account/")
    return str(sign_in(client, member)["Location"])


@pytest.fixture
def on(db: None, clock: FakeClock) -> None:
    set_remember_days(7, actor=None, clock=clock)


def test_off_by_default_no_box_and_no_cookie(enrolled: Member, clock: FakeClock) -> None:
    client = Client(enforce_csrf_checks=True)
    sign_in(client, enrolled)
    assert "Remember this browser" not in client.get("/signin/code/").content.decode()
    post_form(client, "/signin/code/", {"code": enrolled.code(clock), "remember": "on"})
    assert COOKIE not in client.cookies
    clock.advance(seconds=30)
    assert sign_in_again(client, enrolled) == "/signin/code/"


def test_a_remembered_browser_skips_the_code(on: None, enrolled: Member, clock: FakeClock) -> None:
    client = Client(enforce_csrf_checks=True)
    sign_in(client, enrolled)
    assert "Remember this browser for 7 days" in client.get("/signin/code/").content.decode()
    client = remembered_client(enrolled, clock)
    cookie = client.cookies[COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert sign_in_again(client, enrolled) == "/account/"
    page = client.get("/account/").content.decode()
    assert "This browser" in page
    assert "Forget all browsers" in page
    assert Event.objects.filter(event=Events.DEVICE_REMEMBERED).count() == 1
    used = Event.objects.get(event=Events.DEVICE_RECOGNISED)
    assert used.subject_id == enrolled.user.pk
    assert Event.objects.filter(event=Events.SIGNED_IN, details__method="remembered").exists()
    # It is not a fresh code: turning 2FA off still asks for one.
    post = post_form(client, "/account/two-step/disable/", {"code": ""})
    assert post.status_code == 400


def test_expires_after_the_days_and_shortens_with_the_setting(
    on: None, enrolled: Member, clock: FakeClock
) -> None:
    client = remembered_client(enrolled, clock)
    clock.advance(days=6, hours=23)
    assert sign_in_again(client, enrolled) == "/account/"
    clock.advance(hours=1, seconds=1)
    assert sign_in_again(client, enrolled) == "/signin/code/"
    fresh = remembered_client(enrolled, clock)
    set_remember_days(1, actor=None, clock=clock)
    clock.advance(days=1, seconds=1)
    assert sign_in_again(fresh, enrolled) == "/signin/code/"
    assert Event.objects.filter(event=Events.REMEMBER_SETTING, details__days=1).exists()


def test_turning_the_setting_off_ends_it(on: None, enrolled: Member, clock: FakeClock) -> None:
    client = remembered_client(enrolled, clock)
    set_remember_days(0, actor=None, clock=clock)
    assert sign_in_again(client, enrolled) == "/signin/code/"


def _password_change(member: Member, clock: FakeClock) -> None:
    set_password(member.user, "another long passphrase 7", actor=member.user, clock=clock)
    member.password = "another long passphrase 7"


def _two_step_reset(member: Member, clock: FakeClock) -> None:
    admin = make_user(clock, "adam", role="admin").user
    reset(member.user, actor=admin, clock=clock)
    enrol(member, clock)  # set up again


def _sign_out_everywhere(member: Member, clock: FakeClock) -> None:
    sign_out_everywhere(member.user, actor=member.user, clock=clock)


def _admin_signs_out(member: Member, clock: FakeClock) -> None:
    admin = make_user(clock, "adam", role="admin").user
    sign_out_everywhere(member.user, actor=admin, clock=clock)


@pytest.mark.parametrize(
    "end", [_password_change, _two_step_reset, _sign_out_everywhere, _admin_signs_out]
)
def test_ended_by_what_raises_the_session_epoch(
    on: None, enrolled: Member, clock: FakeClock, end: Callable[[Member, FakeClock], None]
) -> None:
    client = remembered_client(enrolled, clock)
    end(enrolled, clock)
    enrolled.user.refresh_from_db()
    assert COOKIE in client.cookies  # the browser still has it: the server refuses it
    client.cookies.pop("twostep_session", None)
    assert sign_in(client, enrolled)["Location"] in ("/signin/code/", "/two-step/setup/")


def test_only_for_its_user_and_untouched(on: None, enrolled: Member, clock: FakeClock) -> None:
    client = remembered_client(enrolled, clock)
    carol = enrol(make_user(clock, "carol"), clock)
    assert sign_in_again(client, carol) == "/signin/code/"
    tampered = Client(enforce_csrf_checks=True)
    value = client.cookies[COOKIE].value
    tampered.cookies[COOKIE] = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    assert sign_in(tampered, enrolled)["Location"] == "/signin/code/"


def test_setup_is_never_skipped(on: None, enrolled: Member, clock: FakeClock) -> None:
    """2FA turned off and required again: the cookie does not replace setting it up."""
    client = remembered_client(enrolled, clock)
    admin = make_user(clock, "adam", role="admin").user
    reset(enrolled.user, actor=admin, clock=clock)
    from twostep.server.policy.services import require_user

    require_user(enrolled.user, days=0, actor=admin, clock=clock)
    assert sign_in_again(client, enrolled) == "/two-step/setup/"


def _forget(client: Client, device: str) -> Any:
    return post_form(client, "/account/browsers/forget/", {"device": device}, form_path="/account/")


def test_the_user_forgets_one_or_all(on: None, enrolled: Member, clock: FakeClock) -> None:
    first = remembered_client(enrolled, clock)
    second = remembered_client(enrolled, clock)
    from twostep.server.accounts.remembered import device_id_of

    device = device_id_of(first.cookies[COOKIE].value)
    assert device is not None
    assert _forget(second, device).status_code == 302
    assert sign_in_again(first, enrolled) == "/signin/code/"
    assert sign_in_again(second, enrolled) == "/account/"
    response = _forget(second, "all")
    assert response.cookies[COOKIE].value == ""  # this browser's cookie is cleared too
    assert sign_in_again(second, enrolled) == "/signin/code/"
    assert Event.objects.filter(event=Events.DEVICE_FORGOTTEN).count() == 2


def test_the_console_sets_the_days(enrolled: Member, clock: FakeClock) -> None:
    owner = enrol(make_user(clock, "olivia", role="owner"), clock)
    console = Client(enforce_csrf_checks=True)
    sign_in(console, owner)
    post_form(console, "/signin/code/", {"code": owner.code(clock)})
    page = console.get("/console/security/").content.decode()
    assert "Remember this browser" in page
    saved = post_form(
        console,
        "/console/security/remember/",
        {"remember_days": "30"},
        form_path="/console/security/",
    )
    assert saved.status_code == 302
    from twostep.server.accounts.remembered import remember_days

    assert remember_days() == 30
    too_many = post_form(
        console,
        "/console/security/remember/",
        {"remember_days": "31"},
        form_path="/console/security/",
    )
    assert too_many.status_code == 302
    assert remember_days() == 30


def test_the_admin_sees_them_and_signs_the_user_out_everywhere(
    on: None, enrolled: Member, clock: FakeClock
) -> None:
    client = remembered_client(enrolled, clock)
    owner = enrol(make_user(clock, "olivia", role="owner"), clock)
    console = Client(enforce_csrf_checks=True)
    sign_in(console, owner)
    post_form(console, "/signin/code/", {"code": owner.code(clock)})
    user_page = f"/console/users/{enrolled.user.pk}/"
    assert "No remembered browsers" not in console.get(user_page).content.decode()
    done = post_form(console, f"{user_page}sign-out/", {}, form_path=user_page)
    assert done.status_code == 302
    assert "No remembered browsers" in console.get(user_page).content.decode()
    assert sign_in_again(client, enrolled) == "/signin/code/"
