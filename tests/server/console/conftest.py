"""Fixtures for the admin console tests: an owner and an admin (both with 2FA) signed in to
their own browser-like clients, and members to act on. Uses the fixtures of tests/server."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from twostep.server.clock import FakeClock

from ..helpers import Member, enrol, make_user
from .util import signed_in


@pytest.fixture
def owner(db: None, clock: FakeClock) -> Member:
    """The owner, with two-step verification set up."""
    return enrol(make_user(clock, "olivia", role="owner"), clock)


@pytest.fixture
def admin(db: None, clock: FakeClock) -> Member:
    """An administrator (role Admin, not owner), with two-step verification set up."""
    return enrol(make_user(clock, "adam", role="admin"), clock)


@pytest.fixture
def console(owner: Member, clock: FakeClock) -> Client:
    """The owner signed in with a code just now (so no step-up code is asked for 10 minutes)."""
    return signed_in(owner, clock)


@pytest.fixture
def admin_console(admin: Member, clock: FakeClock) -> Client:
    return signed_in(admin, clock)


@pytest.fixture
def maria(db: None, clock: FakeClock) -> Member:
    """A member without two-step verification."""
    return make_user(clock, "maria")


@pytest.fixture
def mails(mailoutbox: list[Any]) -> list[Any]:
    return mailoutbox
