"""Fixtures for the server tests: Django (pytest-django) on an in-memory SQLite test database,
a fake clock every service and page uses, users with and without two-step verification.

With ``TWOSTEP_TEST_DATABASE_URL=postgres://...`` the same tests run on PostgreSQL instead
(pytest-django makes a ``test_<name>`` database per worker); ``scripts/test`` does both, since
some statements on the hot path are written per database (``rows.py``, ``mfa/throttle.py``).

The environment is set before Django loads the settings: a private data dir, fixed test keys,
mail to Django's in-memory outbox (pytest-django), no Redis.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

_DATA_DIR = tempfile.mkdtemp(prefix="twostep-server-tests-")
atexit.register(shutil.rmtree, _DATA_DIR, True)
os.makedirs(os.path.join(_DATA_DIR, "static"))  # `twostep serve` collects static files here
for _name in (
    "DATABASE_URL",
    "REDIS_URL",
    "SMTP_URL",
    "BASE_URL",
    "PROXY_COUNT",
    "FAKE_CLOCK_FILE",
    "DEBUG",
    "MAIL_FROM",
    "TRUSTED_PROXIES",
    "METRICS",
    "METRICS_TOKEN",
    "METRICS_ALLOW",
    "LOG_FORMAT",
):
    os.environ.pop("TWOSTEP_" + _name, None)
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "twostep.server.settings",
        "TWOSTEP_DATA_DIR": _DATA_DIR,
        "TWOSTEP_SECRET_KEYS": "test-current-key-0123456789abcdefghijklmnop,"
        "test-older-key-0123456789abcdefghijklmnopq",
        "TWOSTEP_ALLOWED_HOSTS": "testserver",
    }
)
if os.environ.get("TWOSTEP_TEST_DATABASE_URL"):
    os.environ["TWOSTEP_DATABASE_URL"] = os.environ["TWOSTEP_TEST_DATABASE_URL"]

import django  # noqa: E402

django.setup()

from django.conf import settings as _settings  # noqa: E402

# Each test runs in a transaction that is rolled back, so a notice sent after commit would
# never go: send at once. test_mail_smtp.py turns the background sending on and tests it.
_settings.TWOSTEP_MAIL_IN_BACKGROUND = False

import pytest  # noqa: E402
from django.test import Client  # noqa: E402

from twostep.server.clock import FakeClock  # noqa: E402

from .helpers import Member, enrol, make_user  # noqa: E402


@pytest.fixture
def clock(settings: Any) -> FakeClock:
    """The fake clock, installed for the pages too (``settings.TWOSTEP_CLOCK``)."""
    fake = FakeClock()
    settings.TWOSTEP_CLOCK = fake
    return fake


@pytest.fixture
def member(db: None, clock: FakeClock) -> Member:
    """A member without two-step verification."""
    return make_user(clock)


@pytest.fixture
def enrolled(db: None, clock: FakeClock) -> Member:
    """A member with two-step verification set up (secret and recovery codes known)."""
    return enrol(make_user(clock, "bob"), clock)


@pytest.fixture
def web() -> Client:
    """A browser-like client: CSRF checks on, as in production."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def outbox(mailoutbox: list[Any]) -> Iterator[list[Any]]:
    return mailoutbox
