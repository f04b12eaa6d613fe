"""The seed flow in real Chromium, as a person does it, against `twostep serve` in a subprocess:

first visit -> create the owner -> sign in -> the setup page's QR code, read from a screenshot
with zxing-cpp -> the code computed by oathtool -> "Two-step verification is enabled" ->
recovery codes downloaded -> sign out -> sign in with a code -> sign out -> sign in with a
recovery code. Mails go to a real SMTP server (aiosmtpd). Screenshots of each page are saved
under artifacts/screenshots/.
"""

from __future__ import annotations

import contextlib
import re
import socket
import sqlite3
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Page, expect, sync_playwright

from server.support import PASSWORD, ServerProcess, base_env, oathtool
from twostep.otp import parse_uri, read_qr

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.messages]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"server-{name}.png"), full_page=True)


def every_field_is_labelled(page: Page) -> None:
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                .filter(e => !e.labels || e.labels.length === 0).map(e => e.name)"""
    )
    assert unlabelled == [], f"{page.url}: fields without a label: {unlabelled}"


def sign_in(page: Page, base: str) -> None:
    page.goto(base + "signin/")
    page.get_by_label("Username or email").fill("owner@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    every_field_is_labelled(page)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()


def test_seed_flow_in_chromium(tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    inbox, smtp_port = smtp
    clock_file = tmp_path / "clock_offset"
    env = base_env(
        tmp_path,
        TWOSTEP_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}",
        TWOSTEP_FAKE_CLOCK_FILE=str(clock_file),
    )
    problems: list[str] = []
    with ServerProcess(env, access_log=True) as server, sync_playwright() as pw:
        base = server.url
        link = server.setup_link
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(
            accept_downloads=True, viewport={"width": 1100, "height": 900}
        )
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))

        # 1. First visit: without the setup link the page says where to find it; with the link
        # that twostep serve printed, create the owner account.
        page.goto(base)
        expect(page).to_have_url(base + "welcome/")
        expect(page.get_by_role("heading", name="Welcome to twostep")).to_be_visible()
        expect(page.get_by_text("twostep setup-link")).to_be_visible()
        expect(page.get_by_role("button", name="Create owner account")).to_have_count(0)
        page.goto(link)
        every_field_is_labelled(page)
        shoot(page, "01-welcome")
        page.get_by_label("Username").fill("owner")
        page.get_by_label("Your name").fill("Olga Owner")
        page.get_by_label("Email").fill("owner@example.com")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_label("Password again").fill(PASSWORD)
        page.get_by_role("button", name="Create owner account").click()
        expect(page.get_by_text("The owner account is ready. Sign in to continue.")).to_be_visible()
        shoot(page, "02-signin")

        # 2. Sign in: administrators must use 2FA, so the setup page comes next.
        sign_in(page, base)
        expect(page).to_have_url(base + "two-step/setup/")
        expect(page.get_by_role("heading", name="Set up two-step verification")).to_be_visible()
        every_field_is_labelled(page)
        shoot(page, "03-setup")

        # 3. Scan the QR code on the screen, as a phone would, and compute the code.
        uris = read_qr(page.locator("svg.qr").screenshot())
        account = parse_uri(uris[0])
        assert (account.issuer, account.name) == ("twostep", "owner@example.com")
        key = account.secret.base32
        # A phone cannot scan its own screen: a narrow one gets the account as a link that the
        # authenticator app installed there opens (the same URI as the QR code's).
        open_in_app = page.get_by_role("link", name="Open in your authenticator app")
        expect(open_in_app).to_be_hidden()
        page.set_viewport_size({"width": 390, "height": 844})
        expect(open_in_app).to_be_visible()
        assert open_in_app.get_attribute("href") == uris[0]
        shoot(page, "03-setup-phone")
        page.set_viewport_size({"width": 1100, "height": 900})
        page.get_by_text("Can't scan it? Type the key instead").click()
        shown_key = page.locator("code.key").inner_text()
        assert shown_key.replace(" ", "") == key
        assert all(len(group) == 4 for group in shown_key.split())
        page.get_by_label("6-digit code").fill(oathtool(key, time.time()))
        page.get_by_role("button", name="Continue").click()

        # 4. "Two-step verification is enabled", with the recovery codes shown once.
        expect(page.get_by_role("heading", name="Two-step verification is enabled")).to_be_visible()
        shoot(page, "04-enabled")
        codes = page.locator("ol.codes code").all_inner_texts()
        assert len(codes) == 10
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Download codes (.txt)").click()
        download = download_info.value
        assert download.suggested_filename == "twostep-recovery-codes-owner.txt"
        saved = Path(download.path()).read_text(encoding="utf-8")
        assert all(code in saved for code in codes)
        page.get_by_role("link", name="I have saved them, continue").click()
        expect(page.get_by_role("heading", name="Account security")).to_be_visible()
        expect(page.get_by_text("Recovery codes left")).to_be_visible()
        shoot(page, "05-account")
        sign_out(page)

        # 5. Sign in with a code (the clock moves on a step, so it is a new code).
        clock_file.write_text("60")
        sign_in(page, base)
        expect(page).to_have_url(base + "signin/code/")
        every_field_is_labelled(page)
        shoot(page, "06-code")
        page.get_by_label("6-digit code").fill(
            "000000" if oathtool(key, time.time() + 60) != "000000" else "111111"
        )
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_text("That code was not accepted.")).to_be_visible()
        shoot(page, "07-wrong-code")
        clock_file.write_text("120")  # past the 1 s delay after the failure, a fresh step
        page.get_by_label("6-digit code").fill(oathtool(key, time.time() + 120))
        page.get_by_role("button", name="Continue").click()
        expect(page).to_have_url(base + "account/")
        expect(page.get_by_text("You sign in with your password and a code")).to_be_visible()
        sign_out(page)

        # 6. Sign in with a recovery code.
        sign_in(page, base)
        page.get_by_role("link", name="Use a recovery code instead").click()
        every_field_is_labelled(page)
        shoot(page, "08-recovery")
        page.get_by_label("Recovery code").fill(codes[0].upper())
        page.get_by_role("button", name="Continue").click()
        expect(
            page.get_by_text("You signed in with a recovery code. 9 unused codes left")
        ).to_be_visible()
        expect(page.locator("dd", has_text="9 of 10")).to_be_visible()
        shoot(page, "09-account-after-recovery")

        context.close()
        browser.close()

    # No CSP violation, no script error (the wrong code's page is an expected 400).
    problems = [p for p in problems if "status of 400 (Bad Request)" not in p]
    assert problems == [], problems
    deadline = time.monotonic() + 10
    while len(inbox.messages) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert inbox.subjects() == [
        "Two-step verification is now on for your twostep account",
        "A recovery code was used to sign in to twostep",
    ]
    with contextlib.closing(sqlite3.connect(tmp_path / "twostep.sqlite3")) as db:
        dump = "\n".join(db.iterdump())
    assert "mfa_device" in dump
    for text in (
        key,
        key.lower(),
        account.secret.raw.hex(),
        *codes,
        *(c.replace("-", "") for c in codes),
    ):
        assert text not in dump
    assert re.search(r"signin\.completed", dump)
    # Nor anything the server printed (its log, gunicorn's output and access log), but for the
    # setup link printed once at the start.
    log = "\n".join(server.lines)
    assert "twostep is running at" in log
    assert '"GET /welcome/?token=[redacted] HTTP/1.1" 200' in log
    setup_token = link.rsplit("=", 1)[1]
    assert log.count(setup_token) == 1
    for text in (key, key.lower(), *codes):
        assert text not in log
