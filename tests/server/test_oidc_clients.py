"""The OpenID Connect clients of applications, their secrets, the signing keys (domain level)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from twostep.server.applications.models import Application
from twostep.server.audit.models import Event
from twostep.server.clock import FakeClock
from twostep.server.errors import ConflictError, InvalidUserDataError
from twostep.server.oidc import clients, keys
from twostep.server.oidc.events import OidcEvents
from twostep.server.oidc.models import ES256, Client, SigningKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def app(clock: FakeClock) -> Application:
    return Application.objects.create(name="Grafana", created_at=clock())


def test_confidential_client_secret_is_shown_once_and_stored_as_a_digest(
    app: Application, clock: FakeClock
) -> None:
    made = clients.create_client(
        app, redirect_uris=["https://grafana.example.com/login/generic_oauth"], clock=clock
    )
    assert made.client_secret
    assert len(made.client_secret) >= 60
    row = Client.objects.get(application=app)
    assert made.client_secret not in row.client_secret
    assert row.client_secret.startswith("sha256:")
    assert clients.secret_matches(made.client_secret, row.client_secret)
    assert not clients.secret_matches(made.client_secret + "x", row.client_secret)
    assert made.client_secret not in repr(made)
    event = Event.objects.get(event=OidcEvents.CLIENT_CREATED)
    assert event.details["application"] == "Grafana"
    assert made.client_secret not in str(event.details)


def test_rotating_the_secret_stops_the_old_one(app: Application, clock: FakeClock) -> None:
    made = clients.create_client(app, redirect_uris=["https://a.example/cb"], clock=clock)
    new = clients.rotate_secret(app, clock=clock)
    stored = Client.objects.get(application=app).client_secret
    assert clients.secret_matches(new, stored)
    assert made.client_secret is not None
    assert not clients.secret_matches(made.client_secret, stored)


def test_public_client_has_no_secret(app: Application, clock: FakeClock) -> None:
    made = clients.create_client(
        app, redirect_uris=["http://127.0.0.1:8765/cb"], public=True, clock=clock
    )
    assert made.client_secret is None
    assert made.client.is_public
    with pytest.raises(ConflictError):
        clients.rotate_secret(app, clock=clock)


@pytest.mark.parametrize(
    "uri",
    [
        "http://grafana.example.com/cb",  # http off loopback
        "https://a.example/cb#frag",
        "/relative",
        "javascript:alert(1)",
        "https://a.example/c b",
    ],
)
def test_redirect_uris_are_checked(app: Application, clock: FakeClock, uri: str) -> None:
    with pytest.raises(InvalidUserDataError):
        clients.create_client(app, redirect_uris=[uri], clock=clock)


def test_one_client_per_application_and_updates(app: Application, clock: FakeClock) -> None:
    clients.create_client(app, redirect_uris=["https://a.example/cb"], clock=clock)
    with pytest.raises(ConflictError):
        clients.create_client(app, redirect_uris=["https://a.example/cb"], clock=clock)
    client = clients.update_client(
        app, redirect_uris=["https://b.example/cb"], first_party=True, algorithm=ES256, clock=clock
    )
    assert client.redirect_uris == "https://b.example/cb"
    assert client.first_party
    assert client.algorithm == ES256
    with pytest.raises(InvalidUserDataError):
        clients.update_client(app, algorithm="HS256", clock=clock)
    clients.delete_client(app, clock=clock)
    assert clients.client_for(app) is None


def test_key_rotation_publishes_before_signing_and_keeps_the_old_key(clock: FakeClock) -> None:
    first = keys.signing_key("RS256", clock=clock)
    row = SigningKey.objects.get(kid=first.kid)
    assert bytes(row.private_sealed).find(b"PRIVATE KEY") == -1  # sealed at rest
    (new, _es) = keys.rotate_key(clock=clock, activate_in=timedelta(minutes=15))
    published = {k["kid"] for k in keys.published_jwks(clock=clock)}
    assert {first.kid, new.kid} <= published
    assert keys.signing_key("RS256", clock=clock).kid == first.kid  # not signing yet
    clock.advance(minutes=16)
    assert keys.signing_key("RS256", clock=clock).kid == new.kid
    assert keys.public_key(first.kid, clock=clock) is not None  # its tokens still verify
    clock.advance(hours=1)
    assert keys.public_key(first.kid, clock=clock) is None  # all its tokens have expired
    states = {r["kid"]: r["state"] for r in keys.key_report(clock=clock)}
    assert states[new.kid] == "signing"
    assert states[first.kid] == "expired"


def test_signing_keys_are_resealed_under_the_current_secret_key(
    clock: FakeClock, settings: Any
) -> None:
    kid = keys.signing_key("ES256", clock=clock).kid
    before = SigningKey.objects.get(kid=kid).key_id
    settings.TWOSTEP_SECRET_KEYS = list(reversed(settings.TWOSTEP_SECRET_KEYS))  # a new first
    assert keys.reseal_keys() == (1, [])
    after = SigningKey.objects.get(kid=kid)
    assert after.key_id != before
    settings.TWOSTEP_SECRET_KEYS = settings.TWOSTEP_SECRET_KEYS[:1]  # the old key removed
    keys._open.cache_clear()
    assert keys.signing_key("ES256", clock=clock).kid == kid  # still opens
