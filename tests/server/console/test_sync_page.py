"""The console's Sync page: how many sync accounts and devices exist and who may register,
never an address or what a backup holds."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from twostep.server.clock import FakeClock

from ..sync.support import Keys, call, link_and_code

pytestmark = pytest.mark.django_db


def test_the_sync_page_counts_without_showing(
    console: Client, clock: FakeClock, settings: Any, mailoutbox: list[Any]
) -> None:
    page = console.get("/console/sync/")
    assert page.status_code == 200
    assert b"Nobody" in page.content  # the default: TWOSTEP_SYNC=off
    assert b'aria-current="page">Sync<' in page.content

    settings.TWOSTEP_SYNC = "domains"
    settings.TWOSTEP_SYNC_DOMAINS = ("example.com",)
    api = Client()
    keys = Keys()
    _, ann = call(api, "POST", "register", keys.registration("ann@example.com"))
    _, code = link_and_code(mailoutbox[-1])
    call(api, "POST", "verify", {"code": code}, token=ann["device_token"])
    call(
        api,
        "PUT",
        "vault",
        {"base_version": 0, "ciphertext": keys.encrypt(b"x" * 100)},
        ann["device_token"],
    )
    call(
        api,
        "POST",
        "login",
        {"email": "ann@example.com", "auth_key": keys.auth_key, "device_name": "desk"},
    )
    call(api, "POST", "register", Keys().registration("bob@example.com"))  # not confirmed

    text = console.get("/console/sync/").content.decode()
    assert "example.com" in text
    assert '<th scope="row">Accounts (address confirmed)</th><td>1</td>' in text
    assert "waiting for their address to be confirmed</th><td>1</td>" in text
    assert "Devices signed in</th><td>2</td>" in text
    assert "ann@example.com" not in text
    assert "bob@example.com" not in text
    assert "laptop" not in text
    assert "desk" not in text


def test_the_audit_log_filters_sync_events(
    console: Client, clock: FakeClock, settings: Any, mailoutbox: list[Any]
) -> None:
    settings.TWOSTEP_SYNC = "anyone"
    call(Client(), "POST", "register", Keys().registration("cat@example.com"))
    page = console.get("/console/audit/", {"event": "sync.registered"})
    assert page.status_code == 200
    text = page.content.decode()
    assert '<option value="sync.registered" selected>' in text
    assert text.count("sync.registered") >= 2  # the option and the row
    assert "cat@example.com" not in text
