"""The provider's pages with Django's test client: the code asked when an application wants two
factors from a session made with the password only, and the page for a user who may not use
an application."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client
from jwcrypto import jwk, jwt
from oauth2_provider.models import IDToken
from oauth2_provider.settings import oauth2_settings

from twostep.server.accounts.models import User
from twostep.server.applications.models import Application
from twostep.server.attempts.throttle import CODE_LOCKOUT_FAILURES
from twostep.server.audit.models import Event
from twostep.server.clock import FakeClock
from twostep.server.errors import CodeRejectedError
from twostep.server.oidc.claims import ACR_TWO_FACTORS, subject_for
from twostep.server.oidc.clients import create_client
from twostep.server.oidc.events import OidcEvents
from twostep.server.oidc.keys import signing_key
from twostep.server.oidc.models import RS256, Authentication
from twostep.server.oidc.models import Client as OidcClient
from twostep.server.usecases.verification import verify
from twostep.server.web import state

from .helpers import Member, make_user, post_form, sign_in

pytestmark = pytest.mark.django_db

CALLBACK = "https://rp.example/cb"
NEW_PASSWORD = "a new and different passphrase"


def authorize_url(client_id: str, **extra: str) -> str:
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": CALLBACK,
        "scope": "openid",
        "state": "s1",
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
        **extra,
    }
    return "/oidc/authorize?" + urlencode(params)


def signed_in(web: Client, member: Member, clock: FakeClock) -> None:
    assert sign_in(web, member).headers["location"] == "/signin/code/"
    response = post_form(web, "/signin/code/", {"code": member.code(clock)})
    assert response.status_code == 302


def test_a_password_only_session_gives_a_code_when_two_factors_are_asked(
    web: Client, enrolled: Member, clock: FakeClock
) -> None:
    app = Application.objects.create(name="Payroll", created_at=clock())
    client_id = create_client(
        app, redirect_uris=[CALLBACK], first_party=True, clock=clock
    ).client_id
    signed_in(web, enrolled, clock)
    session = web.session
    session[state.AMR] = ["pwd"]  # as after a remembered browser skipped the code
    session.save()
    url = authorize_url(client_id, acr_values=ACR_TWO_FACTORS)
    response = web.get(url)
    code_page = response.headers["location"]
    assert code_page == "/oidc/code/?" + urlencode({"next": url})
    # The page's forms may end on the application (CSP form-action, web.middleware).
    assert "https://rp.example" in web.get(code_page).headers["Content-Security-Policy"]
    clock.advance(seconds=30)
    wrong = post_form(web, code_page, {"code": "000000"})
    assert wrong.status_code == 400
    clock.advance(seconds=2)  # past the wait after a wrong code (attempts.throttle)
    response = post_form(web, code_page, {"code": enrolled.code(clock)})
    assert response.headers["location"] == url
    response = web.get(url)
    location = response.headers["location"]
    assert location.startswith(CALLBACK + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["s1"]
    auth = Authentication.objects.get()
    assert auth.amr == ["pwd", "otp"]
    assert auth.acr == ACR_TWO_FACTORS
    assert Event.objects.filter(
        event=OidcEvents.AUTHORIZED, details__application="Payroll"
    ).exists()


def test_a_user_outside_the_application_gets_a_page_not_a_code(
    web: Client, enrolled: Member, clock: FakeClock
) -> None:
    app = Application.objects.create(
        name="Finance", created_at=clock(), access=Application.SELECTED
    )
    client_id = create_client(app, redirect_uris=[CALLBACK], clock=clock).client_id
    signed_in(web, enrolled, clock)
    response = web.get(authorize_url(client_id))
    assert response.status_code == 403
    assert "location" not in response.headers
    assert "may not use Finance" in response.content.decode()
    assert not Authentication.objects.exists()
    assert Event.objects.filter(event=OidcEvents.DENIED, details__application="Finance").exists()


def _lock_out(member: Member, clock: FakeClock) -> None:
    for _ in range(CODE_LOCKOUT_FAILURES):
        clock.advance(seconds=400)  # past any wait between wrong codes
        with pytest.raises(CodeRejectedError) as failed:
            verify(member.user, "000000", clock=clock)
        if failed.value.locked_after is not None:
            return
    raise AssertionError("never locked out")


@pytest.mark.parametrize("locked_out", [False, True])
def test_a_recovery_code_sign_in_goes_on_to_the_application(
    web: Client, enrolled: Member, clock: FakeClock, locked_out: bool
) -> None:
    app = Application.objects.create(name="Wiki", created_at=clock())
    client_id = create_client(
        app, redirect_uris=[CALLBACK], first_party=True, clock=clock
    ).client_id
    if locked_out:
        _lock_out(enrolled, clock)
    url = authorize_url(client_id)
    signin_page = web.get(url).headers["location"]
    assert signin_page.startswith("/signin/?")
    response = post_form(
        web,
        signin_page,
        {"identifier": enrolled.user.username, "password": enrolled.password},
    )
    assert response.headers["location"] == ("/signin/recovery/" if locked_out else "/signin/code/")
    clock.advance(seconds=30)
    assert enrolled.recovery_codes
    response = post_form(web, "/signin/recovery/", {"code": enrolled.recovery_codes[0]})
    if locked_out:  # the lock is lifted: a new password first, then the application
        assert response.headers["location"] == "/account/password/"
        response = post_form(
            web,
            "/account/password/",
            {"password": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
    assert response.headers["location"] == url
    location = web.get(url).headers["location"]
    assert location.startswith(CALLBACK + "?")
    assert parse_qs(urlsplit(location).query)["state"] == ["s1"]
    assert Authentication.objects.get().amr == ["pwd", "otp", "rcv"]


def id_token_for(
    user: User, client_id: str, clock: FakeClock, *, foreign: bool = False, **extra: Any
) -> str:
    """An ID token as the provider signs them (our key and issuer), or one signed by a key of
    someone else's with the same ``kid`` (``foreign``)."""
    key = signing_key(RS256, clock=clock)
    now = int(clock().timestamp())
    signed = jwt.JWT(
        header={"typ": "JWT", "alg": "RS256", "kid": key.kid},
        claims=json.dumps(
            {
                "iss": oauth2_settings.OIDC_ISS_ENDPOINT,
                "sub": subject_for(user),
                "aud": client_id,
                "iat": now - 7200,
                "exp": now - 3600,  # an old ID token: a hint may have expired
                **extra,
            }
        ),
    )
    signed.make_signed_token(jwk.JWK.generate(kty="RSA", size=2048) if foreign else key.private)
    return str(signed.serialize())


def test_an_id_token_hint_for_another_user_gets_no_code(
    web: Client, enrolled: Member, clock: FakeClock
) -> None:
    other = make_user(clock, "alice")
    app = Application.objects.create(name="Wiki", created_at=clock())
    client_id = create_client(
        app, redirect_uris=[CALLBACK], first_party=True, clock=clock
    ).client_id
    signed_in(web, enrolled, clock)

    def error_of(**extra: str) -> str | None:
        location = web.get(authorize_url(client_id, **extra)).headers["location"]
        assert location.startswith(CALLBACK + "?"), location
        query = parse_qs(urlsplit(location).query)
        assert query["state"] == ["s1"]
        return query["error"][0] if "error" in query else None

    theirs = id_token_for(other.user, client_id, clock)
    assert error_of(prompt="none", id_token_hint=theirs) == "login_required"
    assert error_of(prompt="none", id_token_hint="not.a.token") == "login_required"
    forged = id_token_for(enrolled.user, client_id, clock, foreign=True)
    assert error_of(prompt="none", id_token_hint=forged) == "login_required"
    assert not Authentication.objects.exists()
    # The signed-in user's own ID token (expired, as hints often are) is a match.
    mine = id_token_for(enrolled.user, client_id, clock)
    assert error_of(prompt="none", id_token_hint=mine) is None
    assert Authentication.objects.filter(user=enrolled.user).count() == 1

    # Without prompt=none: sign in again; still not the hinted user after that: login_required.
    url = authorize_url(client_id, id_token_hint=theirs)
    location = web.get(url).headers["location"]
    assert location == "/signin/?" + urlencode({"next": url})
    assert web.get("/account/").status_code == 302  # signed out
    answer = post_form(
        web, location, {"identifier": enrolled.user.username, "password": enrolled.password}
    )
    assert answer.headers["location"] == "/signin/code/"
    clock.advance(seconds=30)
    assert (
        post_form(web, "/signin/code/", {"code": enrolled.code(clock)}).headers["location"] == url
    )
    assert error_of(id_token_hint=theirs) == "login_required"
    assert Authentication.objects.filter(user=enrolled.user).count() == 1


def test_rp_initiated_logout_with_another_users_hint_does_not_sign_out_silently(
    web: Client, enrolled: Member, clock: FakeClock
) -> None:
    """django-oauth-toolkit's logout checks the hint already: another user's asks, a forged
    one is refused; neither ends the signed-in user's session by itself."""
    other = make_user(clock, "alice")
    app = Application.objects.create(name="Wiki", created_at=clock())
    made = create_client(app, redirect_uris=[CALLBACK], first_party=True, clock=clock)
    client = OidcClient.objects.get(client_id=made.client_id)
    signed_in(web, enrolled, clock)
    row = IDToken.objects.create(
        user=other.user, application=client, expires=clock() + timedelta(hours=1), scope="openid"
    )
    theirs = id_token_for(
        other.user, made.client_id, clock, jti=str(row.jti), exp=int(row.expires.timestamp())
    )
    asked = web.get("/oidc/logout?" + urlencode({"id_token_hint": theirs}))
    assert asked.status_code == 200  # the confirmation page, not a sign-out
    assert 'name="allow"' in asked.content.decode()
    forged = id_token_for(enrolled.user, made.client_id, clock, foreign=True)
    refused = web.get("/oidc/logout?" + urlencode({"id_token_hint": forged}))
    assert refused.status_code == 400
    assert web.get("/account/").status_code == 200  # still signed in
