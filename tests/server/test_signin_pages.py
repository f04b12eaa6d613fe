"""The sign-in flows through Django's test client, with CSRF checks on as in a browser."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from server import actions as mfa
from twostep.otp import Secret, generate_totp
from twostep.server.accounts.models import User
from twostep.server.accounts.owner import (
    SETUP_LINKS_KEPT,
    create_owner,
    new_setup_token,
    setup_token_valid,
)
from twostep.server.audit.models import Event
from twostep.server.audit.services import Events
from twostep.server.clock import FakeClock
from twostep.server.errors import OwnerExistsError, SetupLinkError
from twostep.server.policy.services import require_user, set_org_policy
from twostep.server.web import state

from .helpers import PASSWORD, Member, enrol, make_user, post_form, sign_in

pytestmark = pytest.mark.django_db
KEY_RE = re.compile(r"<span>([A-Z2-7]{1,4})</span>")
CODE_RE = re.compile(r"<li><code>([0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})</code></li>")


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def session_id(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def setup_key(client: Client) -> Secret:
    page = client.get("/two-step/setup/")
    assert page.status_code == 200
    return Secret.from_base32("".join(KEY_RE.findall(text(page))))


# -- first start --------------------------------------------------------------------------------


OWNER_FORM = {
    "username": "owner",
    "email": "o@example.com",
    "password": PASSWORD,
    "password2": PASSWORD,
}


@pytest.fixture
def setup_url(db: None) -> str:
    """The one-time setup link that ``twostep serve`` prints on the first start (its path)."""
    return f"/welcome/?token={new_setup_token()[0]}"


def test_first_visitor_with_the_setup_link_creates_the_owner(
    web: Client, clock: FakeClock, setup_url: str
) -> None:
    assert web.get("/")["Location"] == "/welcome/"
    assert web.get("/signin/")["Location"] == "/welcome/"
    page = web.get(setup_url)
    for label in ("Username", "Your name", "Email", "Password", "Password again"):
        assert re.search(rf"<label for=\"id_\w+\">{label}", text(page)), label
    response = post_form(
        web,
        setup_url,
        {
            "username": "owner",
            "email": "Owner@Example.COM",
            "display_name": "Olga",
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response["Location"] == "/signin/"
    owner = User.objects.get()
    assert owner.is_owner
    assert owner.email == "Owner@example.com"
    assert owner.password.startswith("argon2$argon2id$")
    # The welcome page is gone once the owner exists, and the link is spent.
    assert web.get(setup_url)["Location"] == "/signin/"
    assert not setup_token_valid(setup_url.split("=", 1)[1])
    assert Event.objects.filter(event=Events.OWNER_CREATED).count() == 1


def test_without_the_setup_link_nobody_can_create_the_owner(
    web: Client, clock: FakeClock, setup_url: str
) -> None:
    # Whoever reaches a fresh server first over the network must not become its owner.
    page = web.get("/welcome/")
    assert page.status_code == 200
    assert "<form" not in text(page)
    assert "twostep setup-link" in text(page)
    # A form posted without the link's token, or with another one, creates nothing (the CSRF
    # token comes from the real form, as an attacker could get one from any page).
    token = setup_url.split("=", 1)[1]
    for path, sent in (
        ("/welcome/", {}),
        ("/welcome/", {"setup_token": "x" * len(token)}),
        ("/welcome/", {"setup_token": token[:-1] + ("A" if token[-1] != "A" else "B")}),
        ("/welcome/?token=" + "y" * len(token), {}),
    ):
        response = post_form(web, path, {**OWNER_FORM, **sent}, form_path=setup_url)
        assert response.status_code in (200, 403), (path, sent, response.status_code)
        assert "<form" not in text(response)
    response = web.get("/welcome/?token=not-the-token")
    assert response.status_code == 403
    assert "setup link" in text(response)
    assert not User.objects.exists()


def test_a_new_setup_link_replaces_the_old_one(
    web: Client, clock: FakeClock, setup_url: str
) -> None:
    newer = f"/welcome/?token={new_setup_token()[0]}"
    assert web.get(setup_url).status_code == 403
    assert post_form(web, newer, OWNER_FORM)["Location"] == "/signin/"
    assert User.objects.get().is_owner


def test_links_of_earlier_starts_stay_valid_until_the_owner_exists(
    db: None, clock: FakeClock
) -> None:
    first, dropped = new_setup_token(keep_earlier=True)
    assert not dropped
    later = [new_setup_token(keep_earlier=True) for _ in range(SETUP_LINKS_KEPT - 1)]
    assert not any(d for _, d in later)
    assert setup_token_valid(first)
    assert all(setup_token_valid(t) for t, _ in later)
    # One more start than are kept: the earliest link goes, and the start says so.
    newest, dropped = new_setup_token(keep_earlier=True)
    assert dropped
    assert not setup_token_valid(first)
    assert setup_token_valid(newest)
    assert setup_token_valid(later[0][0])
    # `twostep setup-link` replaces them all.
    replacing, _ = new_setup_token()
    assert not setup_token_valid(newest)
    assert setup_token_valid(replacing)
    owner = create_owner(
        username="owner",
        email="o@example.com",
        password=PASSWORD,
        clock=clock,
        setup_token=replacing,
    )
    assert owner.is_owner
    assert not setup_token_valid(replacing)  # spent with every other


def test_create_owner_needs_the_current_link_and_spends_it(db: None, clock: FakeClock) -> None:
    old, _ = new_setup_token()
    token, _ = new_setup_token()
    owner: dict[str, Any] = {
        "username": "owner",
        "email": "o@example.com",
        "password": PASSWORD,
        "clock": clock,
    }
    for wrong in (old, "", token + "x"):
        with pytest.raises(SetupLinkError):
            create_owner(**owner, setup_token=wrong)
    assert not User.objects.exists()
    assert create_owner(**owner, setup_token=token).is_owner
    assert not setup_token_valid(token)
    with pytest.raises(OwnerExistsError):
        create_owner(**{**owner, "username": "two"}, setup_token=token)
    with pytest.raises(OwnerExistsError):  # the command line too, once there is an owner
        create_owner(**{**owner, "username": "two"}, setup_token=None)
    with pytest.raises(OwnerExistsError):
        new_setup_token()


def test_owner_form_explains_problems(web: Client, clock: FakeClock, setup_url: str) -> None:
    response = post_form(
        web,
        setup_url,
        {"username": "a b", "email": "nope", "password": "short", "password2": "other"},
    )
    body = text(response)
    assert response.status_code == 200
    assert "The two passwords are not the same." in body
    assert not User.objects.exists()


def test_owner_then_forced_setup_then_enabled(
    web: Client, clock: FakeClock, outbox: list, setup_url: str
) -> None:
    """The seed flow: create the owner, sign in, set up with the QR data, "enabled"."""
    post_form(web, setup_url, OWNER_FORM)
    response = post_form(web, "/signin/", {"identifier": "owner", "password": PASSWORD})
    assert response["Location"] == "/two-step/setup/"  # administrators must use 2FA
    page = web.get("/two-step/setup/")
    body = text(page)
    assert "<svg" in body
    assert "QR code to scan" in body
    assert "twostep: o@example.com" in body
    assert "Remind me later" not in body
    secret = setup_key(web)
    response = post_form(
        web, "/two-step/setup/", {"code": generate_totp(secret, clock().timestamp())}
    )
    assert response["Location"] == "/two-step/enabled/"
    page = web.get("/two-step/enabled/")
    codes = CODE_RE.findall(text(page))
    assert "Two-step verification is enabled" in text(page)
    assert len(codes) == 10
    assert 'download="twostep-recovery-codes-owner.txt"' in text(page)
    assert "only once" in text(web.get("/two-step/enabled/"))  # never shown twice
    assert web.get("/account/").status_code == 200
    assert outbox[-1].subject.startswith("Two-step verification is now on")


# -- password step -------------------------------------------------------------------------------


def test_wrong_password_and_unknown_user_look_the_same(
    web: Client, member: Member, clock: FakeClock
) -> None:
    wrong = post_form(web, "/signin/", {"identifier": "alice", "password": "not it at all"})
    unknown = post_form(web, "/signin/", {"identifier": "nobody", "password": "not it at all"})
    assert wrong.status_code == unknown.status_code == 400
    message = "The username or email and password do not match an account."
    assert message in text(wrong)
    assert message in text(unknown)
    assert "_auth_user_id" not in web.session


def test_sign_in_by_email_any_case_without_2fa(
    web: Client, member: Member, clock: FakeClock
) -> None:
    before = session_id(web) if settings.SESSION_COOKIE_NAME in web.cookies else None
    response = post_form(web, "/signin/", {"identifier": "ALICE@example.com", "password": PASSWORD})
    assert response["Location"] == "/account/"
    assert session_id(web) != before
    assert web.get("/account/").status_code == 200
    assert Event.objects.filter(event=Events.SIGNED_IN, subject=member.user).get().details == {
        "method": "password"
    }


def test_password_throttle_after_free_failures(
    web: Client, member: Member, clock: FakeClock
) -> None:
    for _ in range(5):
        post_form(web, "/signin/", {"identifier": "alice", "password": "wrong password!"})
    post_form(web, "/signin/", {"identifier": "alice", "password": "wrong password!"})
    response = post_form(web, "/signin/", {"identifier": "alice", "password": PASSWORD})
    assert "Too many attempts. Wait 2 seconds" in text(response)
    clock.advance(seconds=2)
    assert sign_in(web, member)["Location"] == "/account/"


# -- code step ----------------------------------------------------------------------------------


def test_code_step_with_new_session_ids(web: Client, enrolled: Member, clock: FakeClock) -> None:
    web.get("/signin/")
    first = session_id(web) if settings.SESSION_COOKIE_NAME in web.cookies else ""
    response = sign_in(web, enrolled)
    assert response["Location"] == "/signin/code/"
    pending = session_id(web)
    assert pending != first
    assert web.get("/account/")["Location"].startswith("/signin/")  # not signed in yet
    page = web.get("/signin/code/")
    assert 'autocomplete="one-time-code"' in text(page)
    assert "Use a recovery code instead" in text(page)
    assert text(page).count("Open your authenticator app") == 1  # said once, not twice
    response = post_form(web, "/signin/code/", {"code": enrolled.code(clock)})
    assert response["Location"] == "/account/"
    assert session_id(web) not in {first, pending}
    assert web.get("/account/").status_code == 200


def test_wrong_and_reused_codes_get_the_same_answer(
    web: Client, enrolled: Member, clock: FakeClock
) -> None:
    code = enrolled.code(clock)
    mfa.verify_code(enrolled.user, code, clock=clock)  # used elsewhere just now
    clock.advance(seconds=3)
    sign_in(web, enrolled)
    reused = post_form(web, "/signin/code/", {"code": code})
    clock.advance(seconds=3)
    wrong = post_form(web, "/signin/code/", {"code": f"{(int(code) + 7) % 10**6:06d}"})
    message = "That code was not accepted."
    assert reused.status_code == wrong.status_code == 400
    assert message in text(reused)
    assert message in text(wrong)
    assert "reused" not in text(reused).lower()
    assert "already" not in text(reused).lower()


def test_a_code_right_after_a_wrong_one_is_told_the_wait_and_why(
    web: Client, enrolled: Member, clock: FakeClock
) -> None:
    right = enrolled.code(clock)
    wrong = f"{(int(right) + 7) % 10**6:06d}"
    sign_in(web, enrolled)
    assert "That code was not accepted." in text(post_form(web, "/signin/code/", {"code": wrong}))
    response = post_form(web, "/signin/code/", {"code": right})
    assert (
        "The last code was wrong, so the next one can be tried in 1 second: try again then "
        "(the code just entered was not checked)."
    ) in text(response)
    assert "Too many attempts" not in text(response)
    clock.advance(seconds=1)
    post_form(web, "/signin/code/", {"code": wrong})
    response = post_form(web, "/signin/code/", {"code": right})
    assert "The last 2 codes were wrong, so the next one can be tried in 2 seconds" in text(
        response
    )
    clock.advance(seconds=2)
    assert post_form(web, "/signin/code/", {"code": right})["Location"] == "/account/"


def test_pending_state_expires_after_five_minutes(
    web: Client, enrolled: Member, clock: FakeClock
) -> None:
    sign_in(web, enrolled)
    clock.advance(minutes=5, seconds=1)
    response = post_form(
        web, "/signin/code/", {"code": enrolled.code(clock)}, form_path="/signin/", follow=True
    )
    assert "Your sign-in expired" in text(response)
    assert response.redirect_chain[-1][0] == "/signin/"
    assert Event.objects.filter(event=Events.PENDING_EXPIRED).exists()


def test_replayed_pending_cookie_is_useless(enrolled: Member, clock: FakeClock) -> None:
    browser = Client(enforce_csrf_checks=True)
    sign_in(browser, enrolled)
    stolen = session_id(browser)
    post_form(browser, "/signin/code/", {"code": enrolled.code(clock)})
    assert browser.get("/account/").status_code == 200
    clock.advance(seconds=30)
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = stolen
    response = attacker.post("/signin/code/", {"code": enrolled.code(clock)}, follow=True)
    assert "Your sign-in expired" in text(response)
    assert attacker.get("/account/")["Location"].startswith("/signin/")


def test_recovery_code_sign_in(
    web: Client, enrolled: Member, clock: FakeClock, outbox: list
) -> None:
    assert enrolled.recovery_codes
    sign_in(web, enrolled)
    page = web.get("/signin/recovery/")
    assert "Recovery code" in text(page)
    wrong = post_form(web, "/signin/recovery/", {"code": "abcd-efgh-jkmn-pqrs"})
    assert "That recovery code was not accepted. Check it against the recovery codes" in text(wrong)
    assert "authenticator app shows now" not in text(wrong)
    clock.advance(seconds=5)  # the wait after a wrong code
    response = post_form(
        web, "/signin/recovery/", {"code": enrolled.recovery_codes[0]}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/account/"
    assert "You signed in with a recovery code. 9 unused codes left." in text(response)
    assert outbox[-1].subject == "A recovery code was used to sign in to twostep"


def test_locked_out_user_is_sent_to_the_recovery_code(
    web: Client, enrolled: Member, clock: FakeClock
) -> None:
    for _ in range(20):
        clock.advance(seconds=301)
        sign_in(web, enrolled)
        post_form(
            web,
            "/signin/code/",
            {"code": "000000" if enrolled.code(clock) != "000000" else "111111"},
        )
    clock.advance(seconds=301)
    response = sign_in(web, enrolled)
    assert response["Location"] == "/signin/recovery/"
    page = text(web.get("/signin/recovery/"))
    assert "too many wrong codes" in page
    assert "Enter one of your recovery codes to lift the lock (or ask an administrator)" in page


# -- required setup ------------------------------------------------------------------------------


def test_required_user_can_postpone_with_days_left(
    web: Client, member: Member, clock: FakeClock
) -> None:
    require_user(member.user, days=7, actor=None, clock=clock)
    clock.advance(days=2)
    assert sign_in(web, member)["Location"] == "/two-step/setup/"
    page = web.get("/two-step/setup/")
    assert "Remind me later (5 days left)" in text(page)
    response = post_form(web, "/two-step/setup/", {"action": "later"}, follow=True)
    assert response.redirect_chain[-1][0] == "/account/"
    assert "within 5 days" in text(response)
    assert Event.objects.filter(event=Events.SETUP_POSTPONED, subject=member.user).exists()
    # Postponing is no code: it leaves no step-up time (a fresh code) behind.
    assert web.session.get(state.VERIFIED_AT) is None
    # The per-user enrolment period locks: the page and the reminder say so, with the date.
    deadline = clock() + timedelta(days=5)
    assert f"After <strong>{deadline:%-d %B %Y, %H:%M} UTC</strong>" in " ".join(text(page).split())
    assert (
        f"After {deadline:%-d %b %Y, %H:%M} UTC you can neither sign in nor set it up until an "
        "administrator extends the period or resets two-step verification for you."
    ) in text(response)


def test_org_grace_period_reminder_does_not_speak_of_a_lock(
    web: Client, member: Member, clock: FakeClock
) -> None:
    set_org_policy(mode="all", grace_days=3, actor=None, clock=clock)
    clock.advance(days=1)
    sign_in(web, member)
    page = web.get("/two-step/setup/")
    assert "neither sign in" not in text(page)
    response = post_form(web, "/two-step/setup/", {"action": "later"}, follow=True)
    assert "within 2 days" in text(response)
    assert "After that you cannot sign in without setting it up." in text(response)
    assert "neither sign in" not in text(response)


def test_deadline_passed_refuses_sign_in_and_records_it(
    web: Client, member: Member, clock: FakeClock
) -> None:
    require_user(member.user, days=2, actor=None, clock=clock)
    clock.advance(days=3)
    response = sign_in(web, member)
    assert response.status_code == 403
    assert "Ask an administrator to extend the period" in text(response)
    assert "_auth_user_id" not in web.session
    assert Event.objects.filter(event=Events.DEADLINE_REFUSED, subject=member.user).exists()


def test_org_rule_without_grace_has_no_remind_me_later(
    web: Client, member: Member, clock: FakeClock
) -> None:
    set_org_policy(mode="all", grace_days=0, actor=None, clock=clock)
    sign_in(web, member)
    page = web.get("/two-step/setup/")
    assert "Set it up now to sign in." in text(page)
    response = post_form(web, "/two-step/setup/", {"action": "later"})
    assert response["Location"] == "/two-step/setup/"
    assert "_auth_user_id" not in web.session


def test_setup_wrong_code_with_clock_hint(web: Client, member: Member, clock: FakeClock) -> None:
    require_user(member.user, days=0, actor=None, clock=clock)
    sign_in(web, member)
    secret = setup_key(web)
    behind = generate_totp(secret, clock().timestamp() - 600)
    response = post_form(web, "/two-step/setup/", {"code": behind})
    assert response.status_code == 400
    assert "about 10 minutes behind the real time" in text(response)
    assert not mfa.is_enrolled(member.user)


def test_setup_page_offers_the_account_as_an_otpauth_link(
    web: Client, member: Member, clock: FakeClock
) -> None:
    require_user(member.user, days=0, actor=None, clock=clock)
    sign_in(web, member)
    page = text(web.get("/two-step/setup/"))
    secret = setup_key(web)
    link = re.search(
        r'<p class="open-in-app">.*?<a class="button" href="([^"]+)">([^<]+)</a>', page, re.S
    )
    assert link, page
    assert link.group(2) == "Open in your authenticator app"
    uri = link.group(1).replace("&amp;", "&")
    assert uri.startswith("otpauth://totp/twostep:alice@example.com?")
    assert f"secret={secret.base32}" in uri
    assert "issuer=twostep" in uri


def test_setup_is_bound_to_the_session_that_started_it(member: Member, clock: FakeClock) -> None:
    """An attacker with the password who starts setup elsewhere does not get the same secret,
    and the user's setup continues in the user's session."""
    require_user(member.user, days=0, actor=None, clock=clock)
    user_browser, attacker = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    sign_in(user_browser, member)
    users_secret = setup_key(user_browser)
    sign_in(attacker, member)
    attackers_secret = setup_key(attacker)
    assert users_secret != attackers_secret
    # The newest setup wins; the older one says so plainly.
    response = post_form(
        user_browser,
        "/two-step/setup/",
        {"code": generate_totp(users_secret, clock().timestamp())},
        form_path="/signin/",  # the token only: a GET of the setup page would start a new setup
        follow=True,
    )
    assert response.redirect_chain == [("/two-step/setup/", 302)]
    assert "restarted elsewhere" in text(response)
    assert not mfa.is_enrolled(member.user)


# -- account page ---------------------------------------------------------------------------------


def signed_in(web: Client, enrolled: Member, clock: FakeClock) -> None:
    sign_in(web, enrolled)
    post_form(web, "/signin/code/", {"code": enrolled.code(clock)})
    clock.advance(seconds=30)


def test_account_page_shows_status(web: Client, enrolled: Member, clock: FakeClock) -> None:
    signed_in(web, enrolled, clock)
    body = text(web.get("/account/"))
    assert "You sign in with your password and a code" in body
    assert "Recovery codes left</dt><dd>10 of 10" in body
    assert "Sign out other sessions" in body


def test_turn_off_needs_a_fresh_code_after_ten_minutes(
    web: Client, enrolled: Member, clock: FakeClock
) -> None:
    signed_in(web, enrolled, clock)
    clock.advance(minutes=11)
    page = web.get("/account/two-step/disable/")
    assert "Enter a code from your authenticator app" in text(page)
    response = post_form(web, "/account/two-step/disable/", {"code": ""})
    assert response.status_code == 400
    assert mfa.is_enrolled(enrolled.user)
    response = post_form(web, "/account/two-step/disable/", {"code": enrolled.code(clock)})
    assert response["Location"] == "/account/"
    assert not mfa.is_enrolled(enrolled.user)
    assert web.get("/account/").status_code == 200  # this session survives


def test_new_recovery_codes_within_ten_minutes(
    web: Client, enrolled: Member, clock: FakeClock
) -> None:
    signed_in(web, enrolled, clock)
    assert "no new code is needed" in text(web.get("/account/recovery-codes/"))
    response = post_form(web, "/account/recovery-codes/", {})
    assert response["Location"] == "/two-step/enabled/"
    page = text(web.get("/two-step/enabled/"))
    assert "New recovery codes" in page
    assert len(CODE_RE.findall(page)) == 10


def test_sign_out_other_sessions(enrolled: Member, clock: FakeClock) -> None:
    laptop, phone = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    signed_in(laptop, enrolled, clock)
    signed_in(phone, enrolled, clock)
    response = post_form(laptop, "/account/sessions/sign-out-others/", {}, form_path="/account/")
    assert response["Location"] == "/account/"
    assert laptop.get("/account/").status_code == 200
    assert phone.get("/account/")["Location"].startswith("/signin/")


def test_sign_out(web: Client, enrolled: Member, clock: FakeClock) -> None:
    signed_in(web, enrolled, clock)
    old = session_id(web)
    response = post_form(web, "/signout/", {})
    assert response["Location"] == "/signin/"
    assert web.get("/account/")["Location"].startswith("/signin/")
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old
    assert replay.get("/account/")["Location"].startswith("/signin/")


def test_admin_sees_the_console_link(web: Client, clock: FakeClock, db: None) -> None:
    admin = enrol(make_user(clock, "root", role="admin"), clock)
    member = make_user(clock, "mo")
    signed_in(web, admin, clock)
    assert 'href="/console/"' in text(web.get("/account/"))
    other = Client(enforce_csrf_checks=True)
    sign_in(other, member)
    assert 'href="/console/"' not in text(other.get("/account/"))


def test_idle_session_ends_after_thirty_minutes(
    web: Client, member: Member, clock: FakeClock
) -> None:
    sign_in(web, member)
    for _ in range(4):
        clock.advance(minutes=29)
        assert web.get("/account/").status_code == 200  # activity keeps it alive
    clock.advance(minutes=31)
    response = web.get("/account/", follow=True)
    assert "signed out after 30 minutes without activity" in text(response)
    assert response.redirect_chain[-1][0].startswith("/signin/")


def test_session_ends_twelve_hours_after_sign_in(
    web: Client, member: Member, clock: FakeClock
) -> None:
    sign_in(web, member)
    for _ in range(25):
        clock.advance(minutes=29)
        web.get("/account/")
    response = web.get("/account/", follow=True)
    assert "Your session ended after 12 hours" in text(response)


def test_turning_on_later_needs_a_recent_password(
    web: Client, member: Member, clock: FakeClock
) -> None:
    sign_in(web, member)
    assert web.get("/two-step/setup/").status_code == 200  # password entered just now
    clock.advance(minutes=11)
    response = web.get("/two-step/setup/")
    assert response["Location"] == "/account/confirm-password/?next=/two-step/setup/"
    wrong = post_form(web, response["Location"], {"password": "not my password"})
    assert "That is not your password." in text(wrong)
    response = post_form(
        web,
        "/account/confirm-password/?next=/two-step/setup/",
        {"password": PASSWORD, "next": "/two-step/setup/"},
    )
    assert response["Location"] == "/two-step/setup/"
    secret = setup_key(web)
    response = post_form(
        web,
        "/two-step/setup/",
        {"code": generate_totp(secret, clock().timestamp())},
        form_path="/account/",
    )
    assert response["Location"] == "/two-step/enabled/"
    assert web.get("/account/").status_code == 200  # this session continues after the change
    assert mfa.is_enrolled(member.user)
