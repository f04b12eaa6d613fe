"""The sync verification link in real Chromium against `twostep serve` with mail through a
real SMTP server (aiosmtpd): the link read from the mail opens the confirmation page, the
button confirms the address (the device's next `GET account` says so), the same link then
shows that it does not work any more, and an unused link stops working after an hour. Each
page fits a 320 px phone and passes axe-core (serious and critical)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from e2e.test_console_guides import (
    CHROMIUM_ARGS,
    Inbox,
    ServerClock,
    smtp,  # noqa: F401 - the fixture
)
from e2e.test_ux_browser import AXE, axe_problems, overflow
from server.support import ServerProcess, base_env
from server.sync.support import Keys, link_and_code

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]


class Sync:
    def __init__(self, base: str, browser: Browser, clock: ServerClock, inbox: Inbox) -> None:
        self.base = base
        self.api = base + "api/sync/v1/"
        self.browser = browser
        self.clock = clock
        self.inbox = inbox

    def register(self, email: str) -> tuple[str, str]:
        """The device token and the link from the mail."""
        answer = httpx.post(self.api + "register", json=Keys().registration(email), timeout=30)
        assert answer.status_code == 202, answer.text
        message = self.inbox.wait_for(email, "Confirm your address")
        link, _code = link_and_code(message)
        return answer.json()["device_token"], link

    def verified(self, token: str) -> bool:
        answer = httpx.get(
            self.api + "account", headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        return bool(answer.json()["verified"])

    def page(self, width: int = 390) -> Page:
        context = self.browser.new_context(
            viewport={"width": width, "height": 800}, bypass_csp=True
        )
        return context.new_page()


@pytest.fixture
def sync(tmp_path: Path, smtp: tuple[Inbox, int]) -> Iterator[Sync]:  # noqa: F811
    assert AXE.is_file(), "run `npm ci` first (./scripts/test does): axe-core is missing"
    inbox, port = smtp
    clock = ServerClock(tmp_path / "clock_offset")
    env = base_env(
        tmp_path,
        TWOSTEP_SMTP_URL=f"smtp://127.0.0.1:{port}",
        TWOSTEP_FAKE_CLOCK_FILE=str(clock.path),
        TWOSTEP_SYNC="anyone",
    )
    with ServerProcess(env, workers=1, threads=4) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield Sync(server.url, browser, clock, inbox)
        finally:
            browser.close()


def look(page: Page, problems: list[str]) -> None:
    page.wait_for_load_state("load")
    problems.extend(axe_problems(page))
    wide = overflow(page)
    if wide:
        problems.append(wide)
    page.set_viewport_size({"width": 320, "height": 800})
    wide = overflow(page)
    if wide:
        problems.append(wide)
    page.set_viewport_size({"width": 390, "height": 800})


def test_the_mailed_link_confirms_once_in_chromium(sync: Sync) -> None:
    problems: list[str] = []
    token, link = sync.register("ann@example.com")
    page = sync.page()
    page.goto(link)
    expect(page).to_have_url(sync.base + "sync/verify/confirm/")  # the token left the bar
    expect(page.get_by_role("heading", name="Confirm your address")).to_be_visible()
    look(page, problems)
    assert not sync.verified(token)  # opening the page confirms nothing
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.get_by_text("Your address is confirmed")).to_be_visible()
    look(page, problems)
    assert sync.verified(token)

    again = sync.page()
    again.goto(link)
    expect(again.get_by_role("heading", name="This link does not work")).to_be_visible()
    look(again, problems)

    token, link = sync.register("bea@example.com")
    sync.clock.advance(3601)
    late = sync.page()
    late.goto(link)
    expect(late.get_by_role("heading", name="This link does not work")).to_be_visible()
    assert not sync.verified(token)
    assert problems == [], "\n".join(problems)
