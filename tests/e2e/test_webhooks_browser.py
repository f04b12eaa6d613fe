"""The console's Webhooks page in real Chromium against `twostep serve`: an administrator adds
a webhook for an application, copies the secret shown once, presses "Send test event", and the
receiver gets the event, signed, from the server's background delivery thread; the delivery
log says so. The pages pass axe-core and every field has a label."""

from __future__ import annotations

import re
import subprocess
import time

import pytest
from playwright.sync_api import expect

from e2e.test_console_guides import Inbox, Site, flash, labelled, nav, shoot, site, smtp  # noqa: F401
from e2e.test_ux_browser import axe_problems
from server.receiver import Receiver, running
from server.support import TWOSTEP
from twostep.sdk.webhooks import verify

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]


def test_add_a_webhook_and_send_a_test_event(site: tuple[Site, Inbox]) -> None:  # noqa: F811
    s, _ = site
    made = subprocess.run(
        [str(TWOSTEP), "apikeys", "create", "--scope", "verify", "--name", "shop",
         "--application", "Shop", "--quiet"],
        env=s.env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    for receiver in running(Receiver()):
        # bypass_csp: axe is injected as an inline script, which the pages' CSP refuses.
        context = s.browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
        admin = context.new_page()
        s.sign_in(admin, "owner", s.owner_key)
        admin.goto(s.base + "console/")
        nav(admin, "Webhooks")
        expect(admin.get_by_role("heading", name="Webhooks")).to_be_visible()
        admin.get_by_label("Application", exact=True).select_option("Shop")
        admin.get_by_label("Receiver URL (https://)").fill(receiver.url)
        admin.get_by_role("checkbox", name=re.compile(r"mfa\.reset")).check()
        admin.get_by_role("checkbox", name=re.compile(r"user\.locked")).check()
        labelled(admin)
        assert axe_problems(admin) == []
        admin.get_by_role("button", name="Add webhook").click()
        expect(admin.get_by_role("heading", name="Webhook added")).to_be_visible()
        secret = admin.locator("code.key").inner_text().strip()
        assert secret.startswith("whsec_")
        admin.get_by_role("link", name="Go to the webhook").click()
        expect(admin.get_by_role("heading", name="Webhook of Shop")).to_be_visible()
        expect(admin.get_by_text(secret)).to_have_count(0)
        admin.get_by_role("button", name="Send test event").click()
        flash(admin, "A webhook.test event is on its way")
        [got] = receiver.wait_for(1)
        event = verify(got.body, got.headers["Twostep-Signature"], secret)
        assert event.type == "webhook.test"
        assert event.application == "Shop"
        # The receiver has the event a moment before the worker records its answer: the log
        # says "delivered" once it has (reloaded until then, within a deadline).
        deadline = time.monotonic() + 30
        while True:
            admin.reload()
            if admin.get_by_role("cell", name="delivered").count() or time.monotonic() > deadline:
                break
            admin.wait_for_timeout(200)
        expect(admin.get_by_role("cell", name="delivered")).to_be_visible()
        expect(admin.get_by_role("cell", name="HTTP 200")).to_be_visible()
        assert axe_problems(admin) == []
        shoot(admin, "webhook")
        admin.get_by_role("button", name="Remove").click()
        flash(admin, "Removed the webhook")
        expect(admin.get_by_text("No webhooks yet.")).to_be_visible()
