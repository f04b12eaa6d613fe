"""Which rules that need a sign-in the session cookie (TWOSTEP_COOKIE_DOMAIN) does not reach."""

from __future__ import annotations

import pytest

from twostep.server.clock import FakeClock
from twostep.server.gateway.returns import out_of_reach
from twostep.server.gateway.sites import add_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def sites(clock: FakeClock) -> None:
    add_site("wiki.example.test", policy="one_factor", clock=clock)
    add_site("*.ops.example.test", policy="two_factor", clock=clock)
    add_site("example.test", policy="one_factor", clock=clock)
    add_site("grafana.other.test", policy="two_factor", clock=clock)
    add_site("*.elsewhere.test", policy="one_factor", clock=clock)
    add_site("public.other.test", policy="bypass", clock=clock)
    add_site("closed.other.test", policy="deny", clock=clock)
    add_site("notexample.test", policy="one_factor", clock=clock)


def test_rules_outside_the_cookie_domain_are_named(sites: None) -> None:
    found = out_of_reach("example.test")
    assert [w.split()[2] for w in found] == [
        "#4",
        "#5",
        "#8",
    ], found
    assert "grafana.other.test, two_factor" in found[0]
    assert "outside TWOSTEP_COOKIE_DOMAIN (example.test)" in found[0]
    assert "*.elsewhere.test" in found[1]
    assert "notexample.test" in found[2]  # a suffix is not a parent domain
    assert out_of_reach(".Example.Test") == found


def test_without_a_cookie_domain_every_sign_in_rule_is_named(sites: None) -> None:
    found = out_of_reach("")
    assert len(found) == 6  # all but bypass and deny
    assert all("TWOSTEP_COOKIE_DOMAIN is not set" in w for w in found)


def test_no_rules_no_warning() -> None:
    assert out_of_reach("example.test") == []
    assert out_of_reach(None) == []
