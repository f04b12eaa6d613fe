"""Sync is off by default; these tests open it to anyone unless a test says otherwise."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from twostep.server.clock import FakeClock

from .support import Keys, call, link_and_code


@pytest.fixture(autouse=True)
def sync_on(settings: Any) -> None:
    settings.TWOSTEP_SYNC = "anyone"
    settings.TWOSTEP_SYNC_DOMAINS = ()
    settings.TWOSTEP_SYNC_MAX_BYTES = 1024 * 1024


@pytest.fixture
def api() -> Client:
    return Client()


class Registered:
    def __init__(self, email: str, keys: Keys, token: str, device_id: str) -> None:
        self.email = email
        self.keys = keys
        self.token = token
        self.device_id = device_id


@pytest.fixture
def account(db: None, api: Client, clock: FakeClock, mailoutbox: list[Any]) -> Registered:
    """A registered account whose address is confirmed (by its code)."""
    keys = Keys()
    status, body = call(api, "POST", "register", keys.registration("ann@example.com"))
    assert status == 202, body
    _, code = link_and_code(mailoutbox[-1])
    status, _ = call(api, "POST", "verify", {"code": code}, token=body["device_token"])
    assert status == 200
    return Registered("ann@example.com", keys, body["device_token"], body["device_id"])
