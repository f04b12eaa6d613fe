"""The user portal: the page a user lands on lists the applications they may open."""

from __future__ import annotations

from django.test import Client

from server.helpers import make_user, sign_in
from twostep.server.accounts.models import Group
from twostep.server.applications import access
from twostep.server.applications.members import application_named
from twostep.server.clock import FakeClock


def test_my_applications_lists_what_the_user_may_open(db: None, clock: FakeClock, web: Client):
    alice = make_user(clock, "alice")
    ops = Group.objects.create(name="Ops")
    wiki = application_named("Wiki", clock=clock)
    access.apply_rules(
        wiki,
        access.clean_rules(
            launch_url="https://wiki.example.com/",
            icon_url="https://wiki.example.com/icon.png",
            description="Team notes",
        ),
    )
    grafana = application_named("Grafana", clock=clock)
    access.apply_rules(
        grafana, access.clean_rules(groups=["Ops"], launch_url="https://grafana.example.com/")
    )
    response = sign_in(web, alice)
    assert response.status_code == 302
    page = web.get(response["Location"])
    html = page.content.decode()
    assert "<h1>My applications</h1>" in html
    assert 'href="https://wiki.example.com/"' in html
    assert 'src="https://wiki.example.com/icon.png"' in html
    assert "Team notes" in html
    assert "grafana.example.com" not in html  # not in the group
    assert "img-src 'self' data: https:" in page["Content-Security-Policy"]
    assert "Account security" in html  # her own 2FA settings beside them

    alice.user.groups.add(ops)
    html = web.get("/account/").content.decode()
    assert 'href="https://grafana.example.com/"' in html


def test_no_applications_says_so(db: None, clock: FakeClock, web: Client) -> None:
    bob = make_user(clock, "bob")
    sign_in(web, bob)
    html = web.get("/account/").content.decode()
    assert "No applications yet" in html


def test_connected_applications_are_listed_and_disconnected(
    db: None, clock: FakeClock, web: Client
) -> None:
    from server.helpers import post_form
    from twostep.server.audit.models import Event
    from twostep.server.oidc.clients import create_client
    from twostep.server.oidc.grants import grants_of
    from twostep.server.oidc.models import Consent

    alice = make_user(clock, "alice")
    bob = make_user(clock, "bob")
    wiki = application_named("Wiki", clock=clock)
    client = create_client(wiki, redirect_uris=["https://wiki.example.com/cb"], clock=clock).client
    for user in (alice.user, bob.user):
        Consent.objects.create(
            user=user,
            client=client,
            scopes="openid email",
            created_at=clock(),
            last_used_at=clock(),
        )
    sign_in(web, alice)
    html = web.get("/account/").content.decode()
    assert "Connected applications" in html
    assert "may read: openid, email" in html
    path = f"/account/applications/{wiki.pk}/disconnect/"
    assert path in html
    response = post_form(web, path, {}, form_path="/account/")
    assert response.status_code == 302
    assert grants_of(alice.user) == []
    assert len(grants_of(bob.user)) == 1  # only her own
    event = Event.objects.get(event="oidc.grant_revoked")
    assert event.actor == alice.user
    assert "None: no application" in web.get("/account/").content.decode()
    # A second time: nothing to disconnect, said so; nobody else's grant is touched.
    post_form(web, path, {}, form_path="/account/")
    assert len(grants_of(bob.user)) == 1
