"""The console's Applications page: add (the secret shown once), edit the rules, replace the
secret, revoke a user's grant, delete; each step confirmed and audited."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from twostep.server.accounts.models import Group
from twostep.server.applications import access
from twostep.server.applications.models import Application
from twostep.server.clock import FakeClock
from twostep.server.oidc.clients import client_for, secret_matches
from twostep.server.oidc.grants import grants_of
from twostep.server.oidc.models import Consent

from ..helpers import Member
from .util import events, follow, post, text

pytestmark = pytest.mark.django_db
SECRET_RE = re.compile(r"<dt>Client secret</dt><dd><code class=\"key\">([^<]+)</code>")


def _form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Grafana",
        "redirect_uris": "https://grafana.example.com/login/generic_oauth",
        "post_logout_redirect_uris": "",
        "access": "all",
        "launch_url": "https://grafana.example.com/",
        "icon_url": "",
        "description": "Dashboards",
    }
    data.update(changes)
    return data


def test_add_edit_rotate_revoke_delete(console: Client, maria: Member, clock: FakeClock) -> None:
    ops = Group.objects.create(name="Ops")
    listing = text(console.get("/console/applications/"))
    assert "No applications yet." in listing

    added = post(console, "/console/applications/", _form())
    assert added.status_code == 200
    html = added.content.decode()
    secret = SECRET_RE.search(html)
    assert secret, text(added)[:600]
    app = Application.objects.get(name="Grafana")
    client = client_for(app)
    assert client is not None
    assert secret_matches(secret.group(1), client.client_secret)
    assert "shown only now" in text(added)
    assert secret.group(1) not in console.get(f"/console/applications/{app.pk}/").content.decode()
    (made,) = events("application.created")
    assert made.actor is not None
    assert made.actor.username == "olivia"
    assert secret.group(1) not in str(made.details)

    edited = post(
        console,
        f"/console/applications/{app.pk}/",
        _form(access="selected", groups=[ops.pk], require_second_factor="on"),
    )
    page = text(follow(console, edited))
    assert "Saved." in page
    app.refresh_from_db()
    assert access.requires_second_factor(app)
    assert not access.may_use(app, maria.user)
    maria.user.groups.add(ops)
    assert access.may_use(app, maria.user)

    rotated = post(console, f"/console/applications/{app.pk}/secret/")
    new_secret = SECRET_RE.search(rotated.content.decode())
    assert new_secret
    assert new_secret.group(1) != secret.group(1)
    client.refresh_from_db()
    assert secret_matches(new_secret.group(1), client.client_secret)

    Consent.objects.create(
        user=maria.user, client=client, scopes="openid", created_at=clock(), last_used_at=clock()
    )
    page = text(console.get(f"/console/applications/{app.pk}/"))
    assert "maria" in page
    revoked = post(console, f"/console/applications/{app.pk}/grants/{maria.user.pk}/revoke/")
    assert "Revoked maria's" in text(follow(console, revoked))
    assert grants_of(maria.user) == []

    deleted = post(console, f"/console/applications/{app.pk}/delete/")
    assert "Deleted the application Grafana." in text(follow(console, deleted))
    assert not Application.objects.filter(pk=app.pk).exists()
    assert len(events("application.deleted")) == 1
    assert len(events("oidc.secret_rotated")) == 1


def test_bad_input_is_shown_on_the_form(console: Client) -> None:
    response = post(
        console,
        "/console/applications/",
        _form(redirect_uris="ftp://nope", launch_url="javascript:alert(1)"),
    )
    assert response.status_code == 400
    page = text(response)
    assert "is not a redirect URI" in page or "address" in page
    assert not Application.objects.filter(name="Grafana").exists()
