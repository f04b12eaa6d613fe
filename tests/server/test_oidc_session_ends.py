"""Ending a user's twostep sessions ends what the user's applications hold too: after each
action that signs the user out everywhere, the application's refresh token and access token are
refused by the real endpoints (/oidc/token, /oidc/userinfo), for every application."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client

from twostep.server.accounts.models import User
from twostep.server.accounts.password_reset import link_path
from twostep.server.applications.models import Application
from twostep.server.attempts.throttle import CODE_LOCKOUT_FAILURES
from twostep.server.clock import FakeClock
from twostep.server.errors import CodeRejectedError
from twostep.server.oidc.clients import create_client
from twostep.server.usecases import enrolment, password_reset, passwords, sessions, users
from twostep.server.usecases.verification import verify

from .helpers import Member, make_user, post_form, sign_in

pytestmark = pytest.mark.django_db

CALLBACK = "https://rp.example/cb"
VERIFIER = "v" * 50
NEW_PASSWORD = "a new and different passphrase"


def tokens_for(web: Client, member: Member, clock: FakeClock, name: str) -> dict[str, Any]:
    """A confidential client's code flow, ending at /oidc/token: the token response."""
    app = Application.objects.create(name=name, created_at=clock())
    made = create_client(app, redirect_uris=[CALLBACK], first_party=True, clock=clock)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest())
    query = {
        "response_type": "code",
        "client_id": made.client_id,
        "redirect_uri": CALLBACK,
        "scope": "openid offline_access",
        "state": "s1",
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    location = web.get("/oidc/authorize?" + urlencode(query)).headers["location"]
    assert location.startswith(CALLBACK + "?"), location
    code = parse_qs(urlsplit(location).query)["code"][0]
    answer = Client().post(
        "/oidc/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": VERIFIER,
            "client_id": made.client_id,
            "client_secret": made.client_secret,
        },
    )
    assert answer.status_code == 200, answer.content
    return {**answer.json(), "client_id": made.client_id, "client_secret": made.client_secret}


def refresh(tokens: dict[str, Any]) -> Any:
    return Client().post(
        "/oidc/token",
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": tokens["client_id"],
            "client_secret": tokens["client_secret"],
        },
    )


def userinfo(tokens: dict[str, Any]) -> Any:
    return Client().get("/oidc/userinfo", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")


def _sign_out_everywhere(member: Member, admin: Member, clock: FakeClock) -> None:
    sessions.sign_out_everywhere(member.user, actor=admin.user, clock=clock)


def _change_password(member: Member, admin: Member, clock: FakeClock) -> None:
    passwords.change_password(member.user, NEW_PASSWORD, clock=clock)


def _reset_password(member: Member, admin: Member, clock: FakeClock) -> None:
    path = link_path(User.objects.get(pk=member.user.pk), clock=clock).rstrip("/").split("/")
    password_reset.reset_password(path[-2], path[-1], NEW_PASSWORD, clock=clock)


def _admin_sets_password(member: Member, admin: Member, clock: FakeClock) -> None:
    users.update_user(member.user, {"password": NEW_PASSWORD}, actor=admin.user, clock=clock)


def _deactivate_then_reactivate(member: Member, admin: Member, clock: FakeClock) -> None:
    users.update_user(member.user, {"is_active": False}, actor=admin.user, clock=clock)
    # Coming back does not bring the old tokens back.
    users.update_user(member.user, {"is_active": True}, actor=admin.user, clock=clock)


def _lock_out(member: Member, admin: Member, clock: FakeClock) -> None:
    for _ in range(CODE_LOCKOUT_FAILURES):
        clock.advance(seconds=400)  # past any wait between wrong codes
        try:
            verify(member.user, "000000", clock=clock)
        except CodeRejectedError as exc:
            if exc.locked_after is not None:
                return
    raise AssertionError("never locked out")


def _admin_resets_2fa(member: Member, admin: Member, clock: FakeClock) -> None:
    enrolment.reset(member.user, actor=admin.user, clock=clock)


@pytest.mark.parametrize(
    "action",
    [
        _sign_out_everywhere,
        _change_password,
        _reset_password,
        _admin_sets_password,
        _deactivate_then_reactivate,
        _lock_out,
        _admin_resets_2fa,
    ],
)
def test_ending_the_sessions_revokes_every_applications_tokens(
    web: Client,
    enrolled: Member,
    clock: FakeClock,
    action: Callable[[Member, Member, FakeClock], None],
) -> None:
    admin = make_user(clock, "carol", role="admin")
    assert sign_in(web, enrolled).headers["location"] == "/signin/code/"
    assert post_form(web, "/signin/code/", {"code": enrolled.code(clock)}).status_code == 302
    first = tokens_for(web, enrolled, clock, "Wiki")
    second = tokens_for(web, enrolled, clock, "Chat")
    assert userinfo(first).status_code == 200
    renewed = refresh(first)  # a rotation: the new pair is the one to kill
    assert renewed.status_code == 200, renewed.content
    first = {**first, **renewed.json()}

    action(enrolled, admin, clock)
    enrolled.user = User.objects.get(pk=enrolled.user.pk)

    for tokens in (first, second):
        assert userinfo(tokens).status_code == 401
        answer = refresh(tokens)
        assert answer.status_code == 400
        assert answer.json()["error"] == "invalid_grant"


def test_the_pages_sign_out_others_revokes_the_tokens(
    web: Client, enrolled: Member, clock: FakeClock
) -> None:
    assert sign_in(web, enrolled).headers["location"] == "/signin/code/"
    assert post_form(web, "/signin/code/", {"code": enrolled.code(clock)}).status_code == 302
    tokens = tokens_for(web, enrolled, clock, "Wiki")
    assert userinfo(tokens).status_code == 200
    answer = post_form(web, "/account/sessions/sign-out-others/", {}, form_path="/account/")
    assert answer.status_code == 302
    assert web.get("/account/").status_code == 200  # this session stays
    assert userinfo(tokens).status_code == 401
    assert refresh(tokens).status_code == 400
