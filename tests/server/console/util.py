"""Helpers for the console tests: sign in like a browser, post console forms with CSRF."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from twostep.server.audit.models import Event
from twostep.server.clock import FakeClock
from twostep.server.policy.services import Decision, decide

from ..helpers import CSRF_RE, Member, post_form, sign_in


def signed_in(member: Member, clock: FakeClock) -> Client:
    """A client signed in as ``member`` (with a code if 2FA is set up); CSRF checks on."""
    client = Client(enforce_csrf_checks=True)
    response = sign_in(client, member)
    assert response.status_code == 302, response.content[:500]
    if response["Location"] == "/signin/code/":
        response = post_form(client, "/signin/code/", {"code": member.code(clock)})
        assert response.status_code == 302, response.content[:500]
        clock.advance(seconds=30)  # that code's step is used: later codes need a new step
    return client


def token(client: Client, page: str = "/console/") -> str:
    """A CSRF token from a console page (any form's token works for the whole session)."""
    body = client.get(page).content.decode()
    match = CSRF_RE.search(body)
    assert match, f"no form on {page}"
    return match.group(1)


def post(client: Client, path: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
    """POST like the console's forms do (CSRF token from the page or the dashboard)."""
    form_page = kw.pop("page", "/console/")
    return client.post(
        path, {"csrfmiddlewaretoken": token(client, form_page), **(data or {})}, **kw
    )


def text(response: Any) -> str:
    """The page's text without tags, whitespace folded (for asserting on what people read)."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(
        re.sub(r"<[^>]+>", " ", body).replace("&#x27;", "'").replace("&amp;", "&").split()
    )


def messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def follow(client: Client, response: Any) -> Any:
    assert response.status_code == 302, (response.status_code, text(response)[:800])
    return client.get(response["Location"])


def events(name: str, **filters: Any) -> list[Event]:
    return list(Event.objects.filter(event=name, **filters).order_by("id"))


def decision(member: Member, clock: FakeClock) -> Decision:
    member.user.refresh_from_db()
    return decide(member.user, clock=clock)
