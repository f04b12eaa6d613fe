"""Registration mail through a real SMTP server (aiosmtpd): the link read from the mail
confirms the address; a mail server that cannot be reached gives a clear 503 and keeps nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from twostep.server.clock import FakeClock
from twostep.server.sync.models import SyncAccount

from ..helpers import CSRF_RE
from ..test_mail_smtp import Inbox, free_port, smtp
from .support import Keys, call, link_and_code

pytestmark = pytest.mark.django_db
__all__ = ["smtp"]


def test_the_link_in_the_mail_confirms_the_address(
    smtp: Inbox, api: Client, clock: FakeClock, settings: Any
) -> None:
    settings.TWOSTEP_BASE_URL = "https://2fa.example.com"
    status, body = call(api, "POST", "register", Keys().registration("kim@example.com"))
    assert status == 202
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == "kim@example.com"
    assert "Confirm your address" in str(message["Subject"])
    link, code = link_and_code(message)
    assert link.startswith("https://2fa.example.com/sync/verify/")
    assert len(code) == 9
    web = Client(enforce_csrf_checks=True)
    confirm = web.get(link.removeprefix("https://2fa.example.com"))["Location"]
    page = web.get(confirm)
    token = CSRF_RE.search(page.content.decode())
    assert token is not None
    assert web.post(confirm, {"csrfmiddlewaretoken": token.group(1)}).status_code == 200
    assert call(api, "GET", "account", token=body["device_token"])[1]["verified"] is True


def test_a_refusing_mail_server_gives_a_clear_error_and_keeps_nothing(
    api: Client, clock: FakeClock, settings: Any, smtp: Inbox
) -> None:
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there
    settings.EMAIL_TIMEOUT = 5
    status, err = call(api, "POST", "register", Keys().registration("lou@example.com"))
    assert (status, err["error"]) == (503, "mail_failed")
    assert "could not send the mail" in err["message"]
    assert not SyncAccount.objects.exists()
    # Once the mail server is back, registering again works.
    settings.EMAIL_PORT = port
    assert call(api, "POST", "register", Keys().registration("lou@example.com"))[0] == 202
    assert len(smtp.messages) == 1
    assert SyncAccount.objects.get().devices.get().name == "laptop"
