"""Forward authentication's endpoints with the Django test client: the verdicts, the headers,
the rules, and that an administrator's change refuses the very next request."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.test import Client

from twostep.server.accounts.directory import set_active
from twostep.server.accounts.models import Group, Role, WebSession
from twostep.server.attempts.models import Throttle
from twostep.server.clock import FakeClock
from twostep.server.gateway.access import passed_code_step
from twostep.server.gateway.sites import add_site
from twostep.server.usecases.enrolment import reset

from ..helpers import Member, make_user, post_form, sign_in

pytestmark = pytest.mark.django_db

APP = "http://app.example.test/page?a=1&b=2"


def rule(clock: FakeClock, domain: str, policy: str, **kw: Any) -> None:
    add_site(domain, policy=policy, clock=clock, **kw)


def ask(client: Client, url: str = APP, method: str = "GET") -> Any:
    return client.get("/authz/auth-request", HTTP_X_ORIGINAL_URL=url, HTTP_X_ORIGINAL_METHOD=method)


def ask_forward(client: Client, host: str, uri: str, proto: str = "http") -> Any:
    return client.get(
        "/authz/forward-auth",
        HTTP_X_FORWARDED_METHOD="GET",
        HTTP_X_FORWARDED_PROTO=proto,
        HTTP_X_FORWARDED_HOST=host,
        HTTP_X_FORWARDED_URI=uri,
    )


def signed_in(member: Member, clock: FakeClock) -> Client:
    client = Client(enforce_csrf_checks=True)
    answer = sign_in(client, member)
    if member.secret is not None:
        assert answer["Location"] == "/signin/code/"
        answer = post_form(client, "/signin/code/", {"code": member.code(clock)})
    assert answer.status_code == 302, answer
    return client


@pytest.fixture(autouse=True)
def cookie_domain(settings: Any) -> None:
    """As with TWOSTEP_COOKIE_DOMAIN=example.test (the session reaches every site), and
    TWOSTEP_TRUSTED_PROXIES=127.0.0.1 (the proxy that asks, whose X-Forwarded-* count)."""
    settings.SESSION_COOKIE_DOMAIN = "example.test"
    settings.TWOSTEP_TRUSTED_PROXIES = ("127.0.0.1",)


def test_forward_auth_headers_count_only_from_a_trusted_proxy(sites: None, settings: Any) -> None:
    settings.TWOSTEP_TRUSTED_PROXIES = ("10.0.0.0/8",)
    answer = ask_forward(Client(), "app.example.test", "/x")
    assert answer.status_code == 403
    assert "TWOSTEP_TRUSTED_PROXIES" in answer.content.decode()


@pytest.fixture
def sites(clock: FakeClock) -> None:
    rule(clock, "public.example.test", "bypass")
    rule(clock, "app.example.test", "deny", paths=["^/admin"])
    rule(clock, "app.example.test", "one_factor")
    rule(clock, "secure.example.test", "two_factor")
    Group.objects.create(name="ops")
    rule(clock, "*.ops.example.test", "one_factor", groups=["ops"])


def test_anonymous_is_sent_to_sign_in_with_the_url(sites: None, clock: FakeClock) -> None:
    anonymous = Client()
    answer = ask(anonymous)
    assert answer.status_code == 401
    location = urlsplit(answer["Location"])
    assert location.path == "/signin/"
    assert parse_qs(location.query)["next"] == [APP]
    answer = ask_forward(anonymous, "app.example.test:8443", "/x?y=z", proto="https")
    assert answer.status_code == 302
    assert parse_qs(urlsplit(answer["Location"]).query)["next"] == [
        "https://app.example.test:8443/x?y=z"
    ]
    assert ask(anonymous, "http://public.example.test/").status_code == 200
    assert "Remote-User" not in ask(anonymous, "http://public.example.test/")


def test_rules_first_match_and_default_deny(sites: None, member: Member, clock: FakeClock) -> None:
    client = signed_in(member, clock)
    ok = ask(client)
    assert ok.status_code == 200
    assert ok["Remote-User"] == "alice"
    assert ok["Remote-Email"] == "alice@example.com"
    assert ok["Remote-Name"] == "Alice"
    assert ok["Remote-Groups"] == ""
    assert ask(client, "http://app.example.test/admin/users").status_code == 403  # rule 2
    assert ask(client, "http://app.example.test/admin", "POST").status_code == 403
    assert ask(client, "http://elsewhere.example.test/").status_code == 403  # default: deny
    assert ask(client, "http://example.test/").status_code == 403
    assert ask(client, "http://ops.example.test/").status_code == 403  # not under *.ops...


def test_one_factor_passes_a_password_sign_in_two_factor_does_not(
    sites: None, member: Member, clock: FakeClock
) -> None:
    client = signed_in(member, clock)
    assert ask(client, "http://app.example.test/").status_code == 200
    assert ask(client, "http://secure.example.test/").status_code == 403
    assert ask_forward(client, "secure.example.test", "/").status_code == 403


def test_two_factor_passes_a_sign_in_with_a_code(
    sites: None, enrolled: Member, clock: FakeClock
) -> None:
    client = signed_in(enrolled, clock)
    answer = ask_forward(client, "secure.example.test", "/")
    assert answer.status_code == 200
    assert answer["Remote-User"] == "bob"


def test_groups_and_roles(sites: None, clock: FakeClock) -> None:
    outsider = make_user(clock, "carol")
    insider = make_user(clock, "dave")
    insider.user.groups.add(Group.objects.get(name="ops"))
    Role.objects.create(key="auditor", name="Auditor")
    auditor = make_user(clock, "erin", role="auditor")
    rule(clock, "audit.example.test", "one_factor", roles=["auditor"])
    assert ask(signed_in(outsider, clock), "http://grafana.ops.example.test/").status_code == 403
    inside = ask(signed_in(insider, clock), "http://grafana.ops.example.test/")
    assert inside.status_code == 200
    assert inside["Remote-Groups"] == "ops"
    assert ask(signed_in(auditor, clock), "http://audit.example.test/").status_code == 200
    assert ask(signed_in(insider, clock), "http://audit.example.test/").status_code == 403


def test_reset_refuses_the_next_request(sites: None, enrolled: Member, clock: FakeClock) -> None:
    admin = make_user(clock, "root", role="admin").user
    client = signed_in(enrolled, clock)
    assert ask(client, "http://secure.example.test/").status_code == 200
    reset(enrolled.user, actor=admin, clock=clock)
    assert ask(client, "http://secure.example.test/").status_code == 401
    assert ask(client).status_code == 401


def test_deactivation_refuses_the_next_request(
    sites: None, member: Member, clock: FakeClock
) -> None:
    client = signed_in(member, clock)
    assert ask(client).status_code == 200
    set_active(member.user, False, actor=None, clock=clock)
    assert ask(client).status_code == 401


def test_a_lockout_refuses_the_next_request(
    sites: None, enrolled: Member, clock: FakeClock
) -> None:
    client = signed_in(enrolled, clock)
    assert ask(client).status_code == 200
    Throttle.objects.update_or_create(
        scope=Throttle.CODE,
        key=str(enrolled.user.pk),
        defaults={
            "user": enrolled.user,
            "failures": 20,
            "next_attempt_at": clock(),
            "locked_at": clock(),
        },
    )
    assert ask(client).status_code == 403


def test_sign_out_and_an_ended_session_refuse_the_next_request(
    sites: None, member: Member, clock: FakeClock
) -> None:
    first, second = signed_in(member, clock), signed_in(member, clock)
    assert ask(first).status_code == 200
    assert ask(second).status_code == 200
    post_form(first, "/signout/", {})
    assert ask(first).status_code == 401
    WebSession.objects.filter(user=member.user).delete()  # ended from the list of sessions
    assert ask(second).status_code == 401


def test_the_idle_limit_applies(sites: None, member: Member, clock: FakeClock) -> None:
    client = signed_in(member, clock)
    clock.advance(minutes=20)
    assert ask(client).status_code == 200  # and it counts as activity
    clock.advance(minutes=20)
    assert ask(client).status_code == 200
    clock.advance(minutes=31)
    assert ask(client).status_code == 401


def test_use_on_protected_sites_keeps_the_pages_signed_in(
    sites: None, member: Member, clock: FakeClock
) -> None:
    """40 minutes on protected sites only, then a twostep page: still signed in (the pages'
    own idle timer alone would have signed the session out)."""
    client = signed_in(member, clock)
    assert client.get("/account/").status_code == 200
    for _ in range(4):
        clock.advance(minutes=10)
        assert ask(client).status_code == 200
    page = client.get("/account/")
    assert page.status_code == 200
    assert "without activity" not in page.content.decode()
    clock.advance(minutes=31)  # idle everywhere: signed out
    assert client.get("/account/").status_code == 302


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_X_ORIGINAL_URL": "ftp://app.example.test/"},
        {"HTTP_X_ORIGINAL_URL": "http://app.example.test/\x01"},
        {"HTTP_X_ORIGINAL_URL": "http://user@app.example.test/"},
        {"HTTP_X_ORIGINAL_URL": "http://app.example.test/", "HTTP_X_ORIGINAL_METHOD": "G T"},
    ],
)
def test_unusable_proxy_headers_are_refused(
    sites: None, member: Member, clock: FakeClock, headers: dict[str, str]
) -> None:
    client = signed_in(member, clock)
    assert client.get("/authz/auth-request", **headers).status_code == 403


def test_a_changed_rule_applies_at_the_next_request(member: Member, clock: FakeClock) -> None:
    client = signed_in(member, clock)
    assert ask(client).status_code == 403
    rule(clock, "app.example.test", "one_factor")
    assert ask(client).status_code == 200
    rule(clock, "app.example.test", "deny", position=1)
    assert ask(client).status_code == 403


def test_sign_in_returns_to_a_protected_site(sites: None, member: Member, clock: FakeClock) -> None:
    client = Client(enforce_csrf_checks=True)
    answer = post_form(
        client,
        f"/signin/?next={APP.replace('&', '%26').replace('?', '%3F')}",
        {"identifier": "alice", "password": member.password, "next": APP},
        form_path="/signin/",
    )
    assert answer.status_code == 302
    # The pages' CSP (form-action 'self') would stop a form's redirect to another site: the
    # "Signed in" page goes on to it.
    assert answer["Location"] == "/signin/continue/?to=" + quote(APP, safe="")
    page = client.get(answer["Location"])
    assert page.status_code == 200
    assert f'content="0; url={APP.replace("&", "&amp;")}"' in page.content.decode()


@pytest.mark.parametrize(
    "hostile",
    [
        "http://evil.test/",
        "//evil.test/",
        "https://app.example.test.evil.test/",
        "http://app.example.test@evil.test/",
        "http://evil.test\\@app.example.test/",
        "http:\\\\evil.test/",
        "javascript:alert(1)",
        "http://app.example.test:80@evil.test/",
        " http://evil.test/",
        "http://evil.test/?app.example.test",
        "data:text/html,hi",
    ],
)
def test_no_open_redirect(sites: None, member: Member, clock: FakeClock, hostile: str) -> None:
    client = Client(enforce_csrf_checks=True)
    answer = post_form(
        client,
        "/signin/",
        {"identifier": "alice", "password": member.password, "next": hostile},
    )
    assert answer.status_code == 302
    assert answer["Location"] == "/account/"
    assert client.get("/signin/", {"next": hostile})["Location"] == "/account/"
    assert client.get("/signin/continue/", {"to": hostile})["Location"] == "/account/"


def test_the_code_step_returns_to_the_protected_site(
    sites: None, enrolled: Member, clock: FakeClock
) -> None:
    client = Client(enforce_csrf_checks=True)
    post_form(
        client,
        "/signin/",
        {
            "identifier": "bob",
            "password": enrolled.password,
            "next": "http://secure.example.test/x",
        },
    )
    answer = post_form(client, "/signin/code/", {"code": enrolled.code(clock)})
    assert answer["Location"] == "/signin/continue/?to=" + quote(
        "http://secure.example.test/x", safe=""
    )


@pytest.mark.parametrize(
    ("method", "two_step"),
    [
        ("totp", True),
        ("recovery", True),
        ("setup", True),
        ("remembered", True),
        ("password", False),
        ("postponed", False),  # "Remind me later": no code was entered
        (None, False),
        ("", False),
        ("TOTP", False),
    ],
)
def test_which_sign_ins_passed_the_code_step(method: object, two_step: bool) -> None:
    assert passed_code_step(method) is two_step


def test_without_a_cookie_domain_the_sign_in_returns_to_twostep_only(
    sites: None, member: Member, clock: FakeClock, settings: Any
) -> None:
    settings.SESSION_COOKIE_DOMAIN = None  # the session would not reach app.example.test
    client = Client(enforce_csrf_checks=True)
    answer = post_form(
        client, "/signin/", {"identifier": "alice", "password": member.password, "next": APP}
    )
    assert answer["Location"] == "/account/"


def test_a_site_outside_the_cookie_domain_is_not_returned_to(
    member: Member, clock: FakeClock
) -> None:
    rule(clock, "app.other.test", "one_factor")
    client = Client(enforce_csrf_checks=True)
    answer = post_form(
        client,
        "/signin/",
        {"identifier": "alice", "password": member.password, "next": "http://app.other.test/"},
    )
    assert answer["Location"] == "/account/"


def test_a_name_with_a_line_break_is_one_header_line(sites: None, clock: FakeClock) -> None:
    odd = make_user(clock, "zoe")
    type(odd.user).objects.filter(pk=odd.user.pk).update(display_name="Zoë\r\nX-Evil: 1")
    answer = ask(signed_in(odd, clock))
    assert answer.status_code == 200
    assert answer["Remote-Name"] == "Zoë  X-Evil: 1"
    assert "X-Evil" not in answer.headers
