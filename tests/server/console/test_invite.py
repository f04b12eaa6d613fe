"""Adding users: an invitation mail with a one-time link that verifies the email address and
lets the invitee choose a password, or a password set by the admin."""

from __future__ import annotations

import re
import socket
from typing import Any

import pytest
from django.test import Client

from twostep.server.accounts.directory import create_group
from twostep.server.accounts.models import Invitation, Role, User
from twostep.server.clock import FakeClock
from twostep.server.policy.services import Status

from ..helpers import PASSWORD, Member, post_form, sign_in
from .util import decision, events, follow, post, signed_in, text

pytestmark = pytest.mark.django_db
LINK_RE = re.compile(r"http://127\.0\.0\.1:8000(/console/join/[\w-]+/)")


def new_user(client: Client, **data: Any) -> Any:
    form = {
        "username": "nina",
        "display_name": "Nina North",
        "email": "nina@example.com",
        "role": Role.objects.get(key="member").pk,
        "how": "invite",
        "enrolment_days": "7",
        **data,
    }
    return post(client, "/console/users/new/", form, page="/console/users/new/")


def test_invite_then_accept_then_sign_in(
    console: Client, clock: FakeClock, mails: list[Any]
) -> None:
    group = create_group("Engineering", actor=None, clock=clock)
    response = new_user(console, groups=[group.pk], require_mfa="on", enrolment_days="2")
    nina = User.objects.get(username="nina")
    assert response["Location"] == f"/console/users/{nina.pk}/"
    assert "Invitation sent to nina@example.com." in text(follow(console, response))
    assert (nina.has_usable_password(), nina.email_verified) == (False, False)
    assert list(nina.groups.all()) == [group]
    mail = mails[-1]
    assert (mail.to, mail.subject) == (["nina@example.com"], "You are invited to twostep")
    match = LINK_RE.search(mail.body)
    assert match, mail.body
    link = match.group(1)
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert token not in str(list(Invitation.objects.values()))  # only a hash is stored
    assert not any(token in str(e.details) for e in events("console.invited"))

    clock.advance(days=3)  # the invitee is slow: the enrolment period starts on acceptance
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get(link)
    assert "Welcome, Nina North" in text(page)
    mismatch = post_form(visitor, link, {"password": PASSWORD, "password2": "other"})
    assert "The two passwords are not the same." in text(mismatch)
    weak = post_form(visitor, link, {"password": "12345678", "password2": "12345678"})
    assert weak.status_code == 400
    done = post_form(visitor, link, {"password": PASSWORD, "password2": PASSWORD})
    assert done["Location"] == "/signin/"
    nina.refresh_from_db()
    assert nina.email_verified
    assert nina.check_password(PASSWORD)
    d = decision(Member(nina), clock)
    assert (d.status, d.days_left) == (Status.SETUP_BY_DEADLINE, 2)
    assert sign_in(Client(), Member(nina))["Location"] == "/two-step/setup/"
    # The link worked once.
    assert visitor.get(link).status_code == 404
    assert "does not work" in text(Client().get(link))
    assert events("console.invitation_accepted")[0].subject == nina


def test_invitation_expires_after_7_days_and_can_be_sent_again(
    console: Client, owner: Member, clock: FakeClock, mails: list[Any]
) -> None:
    new_user(console)
    old = LINK_RE.search(mails[-1].body).group(1)  # type: ignore[union-attr]
    clock.advance(days=7, seconds=1)
    assert Client().get(old).status_code == 404
    console = signed_in(owner, clock)
    nina = User.objects.get(username="nina")
    page = text(console.get(f"/console/users/{nina.pk}/"))
    assert "Send a new invitation" in page
    response = post(console, f"/console/users/{nina.pk}/invite/")
    assert "A new invitation was sent to nina@example.com" in text(follow(console, response))
    new = LINK_RE.search(mails[-1].body).group(1)  # type: ignore[union-attr]
    assert new != old
    assert Client().get(new).status_code == 200
    assert Client().get(old).status_code == 404


def test_signed_in_users_cannot_accept_an_invitation(
    console: Client, clock: FakeClock, mails: list[Any], maria: Member
) -> None:
    new_user(console)
    link = LINK_RE.search(mails[-1].body).group(1)  # type: ignore[union-attr]
    assert signed_in(maria, clock).get(link).status_code == 403
    refused = console.get(link)
    assert refused.status_code == 403
    assert "Sign out to accept this invitation" in text(refused)
    # A link that does not work gets the same answer signed in or not.
    bad = "/console/join/" + "x" * 43 + "/"
    for client in (console, signed_in(maria, clock), Client()):
        response = client.get(bad)
        assert response.status_code == 404
        assert "This invitation link does not work" in text(response)


def test_invitation_needs_an_email(console: Client) -> None:
    response = new_user(console, email="")
    assert response.status_code == 400
    assert "An invitation needs an email address." in text(response)
    assert not User.objects.filter(username="nina").exists()


def test_create_with_a_password(console: Client, clock: FakeClock, mails: list[Any]) -> None:
    response = new_user(
        console, how="password", password=PASSWORD, require_mfa="on", enrolment_days="0"
    )
    assert "Created nina." in text(follow(console, response))
    nina = Member(User.objects.get(username="nina"))
    assert sign_in(Client(), nina)["Location"] == "/two-step/setup/"
    assert mails[-1].subject == "Set up two-step verification for your twostep account"
    assert "You will be asked to set it up the next time you sign in." in mails[-1].body


def test_new_users_are_members_unless_chosen(console: Client) -> None:
    page = console.get("/console/users/new/").content.decode()
    member = Role.objects.get(key="member").pk
    assert f'<option value="{member}" selected>Member</option>' in page


def test_new_user_errors_are_shown_on_the_field(console: Client, maria: Member) -> None:
    for data, message in (
        ({"username": "maria"}, "That username is taken."),
        ({"username": "no spaces"}, "Use 1 to 150 letters, digits"),
        ({"email": "MARIA@example.com"}, "An account with that email already exists."),
        ({"how": "password", "password": "short"}, "This password is too short."),
        ({"how": "password"}, "Choose an initial password, or send an invitation."),
    ):
        response = new_user(console, **data)
        assert response.status_code == 400
        assert message in text(response), data
    assert User.objects.count() == 2


def test_new_user_shows_every_fields_error_at_once(console: Client, maria: Member) -> None:
    response = new_user(
        console, username="no spaces", email="not-an-email", how="password", password="short"
    )
    assert response.status_code == 400
    page = text(response)
    for message in (
        "Use 1 to 150 letters, digits",
        "Enter an email address like name@example.com.",
        "This password is too short.",
    ):
        assert message in page
    assert not User.objects.filter(username="nina").exists()


def test_only_an_owner_creates_an_owner(admin_console: Client, console: Client) -> None:
    owner_role = Role.objects.get(key="owner").pk
    refused = new_user(admin_console, role=owner_role)
    assert "Only an owner can make someone an owner." in text(refused)
    assert not User.objects.filter(username="nina").exists()
    assert new_user(console, role=owner_role).status_code == 302


def test_when_the_mail_fails_the_link_is_shown_once(
    console: Client, settings: Any, mails: list[Any]
) -> None:
    with socket.socket() as sock:  # nothing listens here: the mail server is down
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    response = new_user(console)
    assert response.status_code == 200
    page = text(response)
    assert "The invitation mail could not be sent" in page
    link = re.search(r"http://127\.0\.0\.1:8000(/console/join/[\w-]+/)", page).group(1)  # type: ignore[union-attr]
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert all(token not in morsel.value for morsel in console.cookies.values())
    assert token not in text(console.get("/console/users/"))  # shown only in that response
    assert Client().get(link).status_code == 200
