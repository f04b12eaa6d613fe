"""Fixtures for the API tests (beside the server tests' Django setup and fixtures: clock,
users): API keys of each scope, and a JSON client for the Django test client."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from twostep.server.clock import FakeClock

from .support import ApiClient, make_key


@pytest.fixture
def admin_user(db: None, clock: FakeClock) -> Any:
    from server.helpers import make_user

    return make_user(clock, "root", role="admin").user


@pytest.fixture
def admin_key(admin_user: Any, clock: FakeClock) -> str:
    return make_key("admin", clock, actor=admin_user)


@pytest.fixture
def verify_key(db: None, clock: FakeClock) -> str:
    """A verify key granted ``may_enrol_any_user``: these tests enrol users made with a
    password (the fixtures' users); a key without the grant reaches only its application's
    own users (test_applications.py)."""
    return make_key("verify", clock, may_enrol_any_user=True)


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
