"""The console's Protected sites page: the rules in order, a new rule, the test of a URL,
moving and removing a rule (forward authentication)."""

from __future__ import annotations

import pytest

from twostep.server.accounts.directory import create_group
from twostep.server.audit.models import Event
from twostep.server.clock import FakeClock
from twostep.server.gateway.sites import add_site, list_sites

from ..helpers import Member, make_user
from .util import post, signed_in, text

pytestmark = pytest.mark.django_db


def test_an_admin_adds_tests_moves_and_removes_rules(owner: Member, clock: FakeClock) -> None:
    client = signed_in(owner, clock)
    create_group("ops", actor=None, clock=clock)
    page = client.get("/console/sites/")
    assert page.status_code == 200
    assert "No rules yet" in text(page)
    added = post(
        client,
        "/console/sites/",
        {
            "domain": "Grafana.Example.test",
            "policy": "two_factor",
            "groups": ["ops"],
            "paths": "^/d/\n^/api/",
        },
        page="/console/sites/",
    )
    assert added.status_code == 302, text(added)[:500]
    post(
        client,
        "/console/sites/",
        {"domain": "*.example.test", "policy": "one_factor"},
        page="/console/sites/",
    )
    rows = list_sites()
    assert [(r.domain, r.policy, r.groups, r.paths) for r in rows] == [
        ("grafana.example.test", "two_factor", ("ops",), ("^/d/", "^/api/")),
        ("*.example.test", "one_factor", (), ()),
    ]
    assert Event.objects.filter(event="gateway.site_added").count() == 2

    make_user(clock, "olaf")
    tested = client.get(
        "/console/sites/",
        {"url": "https://grafana.example.test/d/home", "method": "GET", "user": "olaf"},
    )
    shown = text(tested)
    assert "Rule #1 (grafana.example.test, two_factor) decides." in shown
    assert "olaf, signed in with a password only: forbidden" in shown
    assert "Not signed in: sign_in" in shown
    other = text(
        client.get("/console/sites/", {"url": "https://grafana.example.test/", "method": "GET"})
    )
    assert "Rule #2 (*.example.test, one_factor) decides." in other
    nothing = text(client.get("/console/sites/", {"url": "https://example.org/", "method": "GET"}))
    assert "No rule matches: the default policy (deny) refuses it." in nothing

    post(client, f"/console/sites/{rows[1].id}/move/", {"position": "1"}, page="/console/sites/")
    assert [r.domain for r in list_sites()] == ["*.example.test", "grafana.example.test"]
    post(client, f"/console/sites/{rows[1].id}/remove/", page="/console/sites/")
    assert [r.domain for r in list_sites()] == ["grafana.example.test"]


def test_a_bad_rule_is_explained_on_the_form(owner: Member, clock: FakeClock) -> None:
    client = signed_in(owner, clock)
    bad = post(
        client,
        "/console/sites/",
        {"domain": "https://app.example.test/", "policy": "one_factor"},
        page="/console/sites/",
    )
    assert bad.status_code == 400
    assert "Give a host name such as app.example.com" in text(bad)
    regex = post(
        client,
        "/console/sites/",
        {"domain": "app.example.test", "policy": "one_factor", "paths": "(unclosed"},
        page="/console/sites/",
    )
    assert "is not a regular expression" in text(regex)
    assert list_sites() == []


def test_the_sites_service_keeps_order_and_refuses_unknowns(clock: FakeClock, db: None) -> None:
    first = add_site("a.example.test", policy="deny", clock=clock)
    second = add_site("b.example.test", policy="bypass", position=1, clock=clock)
    assert [r.id for r in list_sites()] == [second.id, first.id]
    from twostep.server.errors import InvalidUserDataError

    with pytest.raises(InvalidUserDataError, match="no group named"):
        add_site("c.example.test", policy="one_factor", groups=["nope"], clock=clock)
    with pytest.raises(InvalidUserDataError, match="go with one_factor or two_factor"):
        add_site("c.example.test", policy="bypass", roles=["member"], clock=clock)
    with pytest.raises(InvalidUserDataError, match="Unknown HTTP method"):
        add_site("c.example.test", policy="deny", methods=["FETCH"], clock=clock)
    assert len(list_sites()) == 2
