"""Forgot password on the pages: the mailed link (expiring, single-use), the same answer for
every address, the throttle per account and per network, the audit rows, and the code that is
still asked after the new password."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from twostep.server.accounts.services import sign_out_everywhere
from twostep.server.audit.models import Event
from twostep.server.audit.services import Events
from twostep.server.clock import FakeClock

from .helpers import PASSWORD, Member, csrf, post_form, sign_in

pytestmark = pytest.mark.django_db
LINK_RE = re.compile(r"https?://[^/\s]+(/signin/reset/[^/\s]+/[^/\s]+/)")
NEW_PASSWORD = "a brand new passphrase 42"


def ask(client: Client, identifier: str, **kw: Any) -> Any:
    return post_form(client, "/signin/forgot/", {"identifier": identifier}, **kw)


def links(outbox: list[Any]) -> list[Any]:
    """The "Forgot password" mails (the fixtures' own mails, e.g. "2FA is on", left out)."""
    return [m for m in outbox if m.subject.startswith("Choose a new password")]


def link_in(mail: Any) -> str:
    match = LINK_RE.search(mail.body)
    assert match, mail.body
    return match.group(1)


def set_password(client: Client, link: str, password: str = NEW_PASSWORD) -> Any:
    opened = client.get(link)
    assert opened.status_code == 302
    form = opened["Location"]
    assert form.endswith("/set-password/")  # the token left the address bar
    return post_form(client, form, {"password": password, "password2": password})


def events(name: str) -> list[Event]:
    return list(Event.objects.filter(event=name).order_by("id"))


def test_the_link_sets_a_password_and_the_code_is_still_asked(
    web: Client, enrolled: Member, clock: FakeClock, outbox: list[Any]
) -> None:
    answer = ask(web, "BOB@example.com")
    assert answer.status_code == 302
    assert answer["Location"] == "/signin/"
    [mail] = links(outbox)
    assert mail.to == ["bob@example.com"]
    done = set_password(web, link_in(mail))
    assert done.status_code == 302
    assert done["Location"] == "/signin/code/"
    assert SESSION_KEY not in web.session  # not signed in by the link
    assert web.get("/account/").status_code == 302
    signed = post_form(web, "/signin/code/", {"code": enrolled.code(clock)})
    assert signed.status_code == 302
    assert signed["Location"] == "/account/"
    assert web.get("/account/").status_code == 200
    assert outbox[-1].subject.startswith("The password of your")
    assert len(events(Events.PASSWORD_RESET)) == 1
    requested = events(Events.RESET_REQUESTED)[0]
    assert requested.details == {"known_user": True, "link_sent": True}
    # The old password is gone, the new one works.
    other = Client(enforce_csrf_checks=True)
    assert sign_in(other, enrolled).status_code == 400  # the form again, with the error
    new = post_form(other, "/signin/", {"identifier": "bob", "password": NEW_PASSWORD})
    assert new["Location"] == "/signin/code/"


def test_unknown_addresses_get_the_same_answer_and_no_mail(
    web: Client, enrolled: Member, outbox: list[Any]
) -> None:
    known = ask(web, "bob@example.com")
    unknown = ask(Client(enforce_csrf_checks=True), "nobody@example.com")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [m.to for m in links(outbox)] == [["bob@example.com"]]
    assert events(Events.RESET_REQUESTED)[1].details == {"known_user": False, "link_sent": False}


def test_a_link_works_once(web: Client, enrolled: Member, outbox: list[Any]) -> None:
    ask(web, "bob")
    link = link_in(links(outbox)[0])
    assert set_password(web, link)["Location"] == "/signin/code/"
    again = Client(enforce_csrf_checks=True)
    opened = again.get(again.get(link)["Location"])
    assert opened.status_code == 400
    assert "not valid any more" in opened.content.decode()
    assert len(events(Events.RESET_LINK_REFUSED)) == 1


def test_a_link_expires_after_an_hour(
    web: Client, enrolled: Member, clock: FakeClock, outbox: list[Any]
) -> None:
    ask(web, "bob")
    link = link_in(links(outbox)[0])
    clock.advance(minutes=59)
    form = web.get(link)["Location"]
    token = csrf(web, form)  # the form still opens
    clock.advance(minutes=1, seconds=1)
    data = {"password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    refused = web.post(form, {"csrfmiddlewaretoken": token, **data})
    assert refused.status_code == 302
    assert refused["Location"] == "/signin/forgot/"
    assert sign_in(Client(enforce_csrf_checks=True), enrolled)["Location"] == "/signin/code/"


def test_sign_out_everywhere_ends_open_links(
    web: Client, enrolled: Member, clock: FakeClock, outbox: list[Any]
) -> None:
    ask(web, "bob")
    sign_out_everywhere(enrolled.user, actor=enrolled.user, clock=clock)
    assert web.get(web.get(link_in(links(outbox)[0]))["Location"]).status_code == 400


def test_a_weak_password_is_refused_and_the_link_still_works(
    web: Client, enrolled: Member, outbox: list[Any]
) -> None:
    ask(web, "bob")
    link = link_in(links(outbox)[0])
    weak = set_password(web, link, "password")
    assert weak.status_code == 400
    assert set_password(web, link)["Location"] == "/signin/code/"


def test_without_2fa_the_user_signs_in_with_the_new_password(
    web: Client, member: Member, outbox: list[Any]
) -> None:
    ask(web, "alice@example.com")
    done = set_password(web, link_in(links(outbox)[0]))
    assert done["Location"] == "/signin/"
    assert SESSION_KEY not in web.session


def test_requests_are_throttled_per_account_and_typed_address(
    web: Client, enrolled: Member, clock: FakeClock, outbox: list[Any]
) -> None:
    for n in range(6):  # from 12 networks: only the account's lane counts
        ask(web, "bob@example.com", REMOTE_ADDR=f"198.51.100.{n}")
        ask(web, "ghost@example.com", REMOTE_ADDR=f"198.51.100.{n + 100}")
    # 4 links, then one a minute, doubling: the answer never changes.
    assert len(links(outbox)) == 4
    assert len(events(Events.RESET_THROTTLED)) == 4  # 2 for bob, 2 for the unknown address
    clock.advance(seconds=61)
    ask(web, "bob")
    assert len(links(outbox)) == 5


def test_requests_are_throttled_per_network(
    web: Client, enrolled: Member, clock: FakeClock, outbox: list[Any]
) -> None:
    for n in range(11):
        ask(web, f"someone{n}@example.com", REMOTE_ADDR="203.0.113.9")
    ask(web, "bob", REMOTE_ADDR="203.0.113.9")
    assert links(outbox) == []  # the network asked too often
    ask(web, "bob", REMOTE_ADDR="198.51.100.7")
    assert len(links(outbox)) == 1


def test_the_sign_in_page_links_to_forgot_password(web: Client, member: Member) -> None:
    page = web.get("/signin/").content.decode()
    assert 'href="/signin/forgot/"' in page
    assert PASSWORD not in page
