"""What the provider says about a sign-in (amr, acr, sub, claims) and the authorize rules."""

from __future__ import annotations

import pytest

from twostep.server.applications.models import Application
from twostep.server.clock import FakeClock
from twostep.server.oidc import claims
from twostep.server.oidc.authorize import (
    AuthorizeRequest,
    Outcome,
    SessionFacts,
    decide,
    give_consent,
)
from twostep.server.oidc.clients import create_client
from twostep.server.oidc.models import Client

from .helpers import Member

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("method", "amr", "acr"),
    [
        ("totp", ["pwd", "otp"], claims.ACR_TWO_FACTORS),
        ("setup", ["pwd", "otp"], claims.ACR_TWO_FACTORS),
        ("recovery", ["pwd", "otp", "rcv"], claims.ACR_TWO_FACTORS),
        ("password", ["pwd"], claims.ACR_ONE_FACTOR),
        ("postponed", ["pwd"], claims.ACR_ONE_FACTOR),
        ("remembered", ["pwd"], claims.ACR_ONE_FACTOR),  # no code in this sign-in
    ],
)
def test_amr_and_acr_say_how_the_user_signed_in(method: str, amr: list[str], acr: str) -> None:
    assert claims.amr_for(method) == amr
    assert claims.acr_for(claims.amr_for(method)) == acr


def test_a_later_code_makes_two_factors() -> None:
    after = claims.with_code(claims.amr_for("remembered"))
    assert after == ["pwd", "otp"]
    assert claims.acr_for(after) == claims.ACR_TWO_FACTORS
    assert claims.with_code(["pwd", "otp"]) == ["pwd", "otp"]


@pytest.mark.parametrize(
    ("acr_values", "wanted"),
    [
        (None, False),
        ("", False),
        (claims.ACR_TWO_FACTORS, True),
        (f"{claims.ACR_TWO_FACTORS} {claims.ACR_ONE_FACTOR}", False),  # either is accepted
        ("urn:other", False),
    ],
)
def test_acr_values_that_ask_two_factors(acr_values: str | None, wanted: bool) -> None:
    assert claims.wants_two_factors(acr_values) is wanted


def test_sub_is_stable_random_and_not_the_username(member: Member, enrolled: Member) -> None:
    sub = claims.subject_for(member.user)
    assert sub == claims.subject_for(member.user)
    assert member.user.username not in sub
    assert sub != str(member.user.pk)
    assert claims.subject_for(enrolled.user) != sub


def test_user_claims(member: Member) -> None:
    found = claims.user_claims(member.user, ["openid", "profile", "email", "groups"])
    assert found["preferred_username"] == "alice"
    assert found["email"] == "alice@example.com"
    assert found["email_verified"] is False
    assert found["groups"] == []
    assert claims.user_claims(member.user, ["openid"]) == {}  # nothing without the scopes
    assert set(claims.user_claims(member.user, ["openid", "email"])) == {"email", "email_verified"}


@pytest.fixture
def client(clock: FakeClock) -> Client:
    app = Application.objects.create(name="Grafana", created_at=clock())
    return create_client(app, redirect_uris=["https://g.example/cb"], clock=clock).client


def facts(member: Member, clock: FakeClock, amr: list[str], age: float = 0) -> SessionFacts:
    return SessionFacts(member.user, amr, clock().timestamp() - age)


def ask(prompt: str = "", max_age: str | None = None, acr: str | None = None) -> AuthorizeRequest:
    return AuthorizeRequest.parse(prompt, max_age, acr)


def test_decisions_for_sign_in_prompt_and_max_age(
    client: Client, member: Member, clock: FakeClock
) -> None:
    nobody = SessionFacts(None)
    scopes = ["openid"]
    assert decide(client, ask(), nobody, scopes=scopes, clock=clock) == Outcome.SIGN_IN
    assert decide(client, ask("none"), nobody, scopes=scopes, clock=clock) == Outcome.LOGIN_REQUIRED
    session = facts(member, clock, ["pwd"], age=600)
    assert decide(client, ask("login"), session, scopes=scopes, clock=clock) == (
        Outcome.SIGN_IN_AGAIN
    )
    assert decide(client, ask(max_age="300"), session, scopes=scopes, clock=clock) == (
        Outcome.SIGN_IN_AGAIN
    )
    assert decide(client, ask(max_age="900"), session, scopes=scopes, clock=clock) == (
        Outcome.ASK_CONSENT
    )
    # A sign-in made for this request satisfies prompt=login and max_age=0 (no loop).
    fresh = SessionFacts(member.user, ["pwd"], clock().timestamp(), clock().timestamp() - 1)
    assert decide(client, ask("login", "0"), fresh, scopes=scopes, clock=clock) == (
        Outcome.ASK_CONSENT
    )


def test_decisions_for_two_factors_and_consent(
    client: Client, member: Member, enrolled: Member, clock: FakeClock
) -> None:
    scopes = ["openid", "email"]
    two = ask(acr=claims.ACR_TWO_FACTORS)
    # No authenticator: an error, never a one-factor token.
    assert decide(client, two, facts(member, clock, ["pwd"]), scopes=scopes, clock=clock) == (
        Outcome.UNMET
    )
    # An authenticator but a password-only session (a remembered browser): a code first.
    password_only = facts(enrolled, clock, ["pwd"])
    assert decide(client, two, password_only, scopes=scopes, clock=clock) == Outcome.STEP_UP
    assert (
        decide(
            client,
            ask("none", acr=claims.ACR_TWO_FACTORS),
            password_only,
            scopes=scopes,
            clock=clock,
        )
        == Outcome.INTERACTION_REQUIRED
    )
    both = facts(enrolled, clock, ["pwd", "otp"])
    assert decide(client, two, both, scopes=scopes, clock=clock) == Outcome.ASK_CONSENT
    assert decide(client, ask("none"), both, scopes=scopes, clock=clock) == (
        Outcome.CONSENT_REQUIRED
    )
    give_consent(enrolled.user, client, scopes, clock=clock)
    assert decide(client, two, both, scopes=scopes, clock=clock) == Outcome.ISSUE
    # Asking more than was consented to asks again; prompt=consent always asks.
    assert decide(client, two, both, scopes=[*scopes, "groups"], clock=clock) == (
        Outcome.ASK_CONSENT
    )
    assert decide(client, ask("consent"), both, scopes=scopes, clock=clock) == (Outcome.ASK_CONSENT)
    client.first_party = True
    assert decide(client, ask(), facts(member, clock, ["pwd"]), scopes=scopes, clock=clock) == (
        Outcome.ISSUE
    )


def test_an_inactive_user_is_refused(client: Client, member: Member, clock: FakeClock) -> None:
    member.user.is_active = False
    session = facts(member, clock, ["pwd"])
    assert decide(client, ask(), session, scopes=["openid"], clock=clock) == Outcome.REFUSED
    assert decide(client, ask("none"), session, scopes=["openid"], clock=clock) == (
        Outcome.ACCESS_DENIED
    )


def test_the_application_rules_decide_before_any_token(
    client: Client, member: Member, enrolled: Member, clock: FakeClock
) -> None:
    """applications.access (the portal's rules): outside the chosen groups and roles, refused;
    an application that requires two-step verification asks a code, or its setup."""
    app = client.application
    app.access = Application.SELECTED
    app.save()
    session = facts(member, clock, ["pwd", "otp"])
    assert decide(client, ask(), session, scopes=["openid"], clock=clock) == Outcome.REFUSED
    app.access = Application.ALL
    app.require_second_factor = True
    app.save()
    client.first_party = True
    assert decide(client, ask(), facts(member, clock, ["pwd"]), scopes=["openid"], clock=clock) == (
        Outcome.NEEDS_SETUP
    )
    assert decide(
        client, ask(), facts(enrolled, clock, ["pwd"]), scopes=["openid"], clock=clock
    ) == (Outcome.STEP_UP)
    assert (
        decide(
            client, ask(), facts(enrolled, clock, ["pwd", "otp"]), scopes=["openid"], clock=clock
        )
        == Outcome.ISSUE
    )
