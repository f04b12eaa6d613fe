"""Django-side helpers for the server tests (imported after conftest set Django up)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.test import Client

from server import actions as mfa
from twostep.otp import Secret, generate_totp
from twostep.server.accounts.services import create_user
from twostep.server.clock import FakeClock

PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Member:
    user: Any
    password: str = PASSWORD
    secret: Secret | None = None
    recovery_codes: list[str] | None = None

    def code(self, clock: FakeClock, offset: float = 0) -> str:
        assert self.secret is not None
        return generate_totp(self.secret, clock().timestamp() + offset)


def make_user(clock: FakeClock, username: str = "alice", role: str = "member", **kw: Any) -> Member:
    user = create_user(
        username=username,
        email=kw.pop("email", f"{username}@example.com"),
        password=PASSWORD,
        display_name=username.title(),
        role=role,
        clock=clock,
        **kw,
    )
    return Member(user)


def enrol(member: Member, clock: FakeClock) -> Member:
    enrolment = mfa.start_enrolment(member.user, clock=clock)
    code = generate_totp(enrolment.secret, clock().timestamp())
    member.recovery_codes = mfa.confirm_enrolment(member.user, enrolment.id, code, clock=clock)
    member.secret = enrolment.secret
    member.user.refresh_from_db()
    clock.advance(seconds=90)  # past the setup code's step and its window: all codes fresh
    return member


def csrf(client: Client, path: str) -> str:
    page = client.get(path)
    match = CSRF_RE.search(page.content.decode())
    assert match, f"{path} has no form (status {page.status_code})"
    return match.group(1)


def post_form(
    client: Client, path: str, data: dict[str, str], *, form_path: str | None = None, **kw: Any
) -> Any:
    """POST like a browser: fetch the form (``form_path``, default ``path``) for its CSRF token."""
    token = csrf(client, form_path or path)
    return client.post(path, {"csrfmiddlewaretoken": token, **data}, **kw)


def sign_in(client: Client, member: Member) -> Any:
    return post_form(
        client, "/signin/", {"identifier": member.user.username, "password": member.password}
    )
