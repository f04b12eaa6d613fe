"""Fixtures for the API tests: the server tests' Django setup and fixtures (clock, users), API
keys of each scope, and a JSON client for the Django test client."""

from __future__ import annotations

from typing import Any

import pytest

from server.conftest import clock, enrolled, member, outbox, web  # noqa: F401 - fixtures

from django.test import Client  # noqa: E402

from twostep.server.clock import FakeClock  # noqa: E402

from .support import ApiClient, make_key  # noqa: E402


@pytest.fixture
def admin_user(db: None, clock: FakeClock) -> Any:
    from server.helpers import make_user

    return make_user(clock, "root", role="admin").user


@pytest.fixture
def admin_key(admin_user: Any, clock: FakeClock) -> str:
    return make_key("admin", clock, actor=admin_user)


@pytest.fixture
def verify_key(db: None, clock: FakeClock) -> str:
    return make_key("verify", clock)


@pytest.fixture
def admin(admin_key: str) -> ApiClient:
    """A client with an admin key."""
    return ApiClient(Client(), admin_key)


@pytest.fixture
def rp(verify_key: str) -> ApiClient:
    """A relying party: a client with a verify key."""
    return ApiClient(Client(), verify_key)


@pytest.fixture
def anon() -> ApiClient:
    """A client without any token."""
    return ApiClient(Client(), None)
