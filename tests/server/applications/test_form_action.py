"""The sign-in pages' forms may end on a registered redirect URI's origin, and on no other:
browsers apply CSP form-action to the redirects after a form (the code form -> authorize ->
the application). Chromium refused the last step before (tests/e2e/test_oidc_apache.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.test import Client

from server.helpers import make_user
from twostep.server.applications.members import application_named
from twostep.server.clock import FakeClock
from twostep.server.oidc.clients import create_client
from twostep.server.oidc.redirects import form_action_origins


def _authorize(client_id: str, redirect_uri: str) -> str:
    query = urlencode(
        {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri}
    )
    return "/oidc/authorize?" + query


def test_only_a_registered_redirect_uri_widens_form_action(db: None, clock: FakeClock) -> None:
    app = application_named("Wiki", clock=clock)
    client = create_client(
        app,
        redirect_uris=["https://wiki.example.com/cb"],
        post_logout_redirect_uris=["https://wiki.example.com/bye"],
        clock=clock,
    ).client
    good = _authorize(client.client_id, "https://wiki.example.com/cb")
    assert form_action_origins("/signin/", {"next": [good]}) == ["https://wiki.example.com"]
    assert form_action_origins("/signin/code/", {}, pending_next=good) == [
        "https://wiki.example.com"
    ]
    evil = _authorize(client.client_id, "https://evil.example.net/cb")
    assert form_action_origins("/signin/", {"next": [evil]}) == []
    unknown = _authorize("nobody", "https://wiki.example.com/cb")
    assert form_action_origins("/signin/", {"next": [unknown]}) == []
    assert form_action_origins("/signin/", {"next": ["//evil.example.net/oidc/authorize"]}) == []
    logout = {
        "client_id": [client.client_id],
        "post_logout_redirect_uri": ["https://wiki.example.com/bye"],
    }
    assert form_action_origins("/oidc/logout", logout) == ["https://wiki.example.com"]
    logout["post_logout_redirect_uri"] = ["https://evil.example.net/"]
    assert form_action_origins("/oidc/logout", logout) == []


def test_the_code_page_of_an_application_sign_in_allows_its_origin(
    db: None, clock: FakeClock, web: Client
) -> None:
    make_user(clock, "alice")
    app = application_named("Wiki", clock=clock)
    client = create_client(app, redirect_uris=["https://wiki.example.com/cb"], clock=clock).client
    next_url = _authorize(client.client_id, "https://wiki.example.com/cb")
    page = web.get("/signin/?" + urlencode({"next": next_url}))
    assert "form-action 'self' https://wiki.example.com;" in page["Content-Security-Policy"]
    plain = web.get("/signin/")
    assert "form-action 'self';" in plain["Content-Security-Policy"]
