"""examples/flask_app, the app of docs/sdk-example.md, as a person uses it in real Chromium,
against `twostep serve` in a subprocess (its clock moved by a file, so that each sign-in has a
new code without waiting):

sign up -> the QR code read from a screenshot -> the first code (oathtool) -> recovery codes
-> sign out -> the same email refused at sign-up -> sign in: a wrong code refused, the right
one accepted -> sign out -> sign in: the same code again refused, a recovery code accepted ->
twostep stopped: a page that says sign-in is unavailable (503), not an error.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from e2e.test_ux_browser import axe_problems
from server.support import ServerProcess, base_env, oathtool
from twostep.otp import parse_uri, read_qr

from .examples_support import EXAMPLES, FlaskProcess, verify_key

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(180)]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "a long enough password"
REJECTED = "That code was not accepted."


def every_field_is_labelled(page: Page) -> None:
    """Each field has a label, and axe-core finds nothing serious (as the server's pages)."""
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                .filter(e => !e.labels || e.labels.length === 0).map(e => e.name)"""
    )
    assert unlabelled == [], f"{page.url}: fields without a label: {unlabelled}"
    assert axe_problems(page) == [], page.url


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/login")
    every_field_is_labelled(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Next").click()


def enter_code(page: Page, code: str) -> None:
    every_field_is_labelled(page)
    page.get_by_label("Code from your authenticator app").fill(code)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()


def test_the_guide_s_flask_app_in_chromium(tmp_path: Path) -> None:
    clock = tmp_path / "clock_offset"
    clock.write_text("0")
    env = base_env(tmp_path, TWOSTEP_FAKE_CLOCK_FILE=str(clock))
    with ServerProcess(env, workers=1, threads=4) as twostep:
        app_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "TWOSTEP_URL": twostep.url,
            "TWOSTEP_API_KEY": verify_key(env, "Flask shop"),
            "FLASK_SECRET_KEY": "example-" + os.urandom(16).hex(),
            "PLAIN_HTTP": "1",
            "USERS_DB": str(tmp_path / "users.sqlite3"),
        }
        with (
            FlaskProcess(EXAMPLES / "flask_app", "app", app_env) as app,
            sync_playwright() as pw,
        ):
            base = app.url
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 900, "height": 900})

            # Sign up: the setup page comes next, with the QR code to scan.
            page.goto(base)
            page.get_by_role("link", name="sign up").click()
            every_field_is_labelled(page)
            page.get_by_label("Name").fill("Alice")
            page.get_by_label("Email").fill("alice@example.com")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign up").click()
            expect(page.get_by_role("heading", name="Set up two-step verification")).to_be_visible()
            every_field_is_labelled(page)
            uris = read_qr(page.get_by_role("img", name="QR code for").screenshot())
            account = parse_uri(uris[0])
            assert (account.issuer, account.name) == ("Flask shop", "alice@example.com")
            link = page.get_by_role("link", name="open in your authenticator app")
            assert link.get_attribute("href") == uris[0]
            key = account.secret.base32
            assert page.locator("code.key").inner_text().replace(" ", "") == key

            # Confirm with the first code: the recovery codes, shown once.
            page.get_by_label("Code from the app").fill(oathtool(key, time.time()))
            page.get_by_role("button", name="Turn on").click()
            expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
            every_field_is_labelled(page)
            recovery = page.locator("ul.codes code").all_inner_texts()
            assert len(recovery) == 10
            page.get_by_role("link", name="Continue").click()
            expect(page.get_by_role("heading", name="Hello, Alice")).to_be_visible()
            sign_out(page)

            # The same email again: said so on the page, no error.
            page.goto(base + "/signup")
            page.get_by_label("Name").fill("Mallory")
            page.get_by_label("Email").fill("ALICE@example.com")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign up").click()
            expect(page.get_by_role("alert")).to_contain_text("exists already")

            # Sign in: a wrong code is refused, the code of the next step accepted.
            clock.write_text("60")
            sign_in(page, base, "alice@example.com")
            expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
            right = oathtool(key, time.time() + 60)
            enter_code(page, "000000" if right != "000000" else "111111")
            expect(page.get_by_role("alert")).to_contain_text(REJECTED)
            every_field_is_labelled(page)
            clock.write_text("120")  # past the pause after a failure; a new step
            right = oathtool(key, time.time() + 120)
            enter_code(page, right)
            expect(page.get_by_role("heading", name="Hello, Alice")).to_be_visible()
            sign_out(page)

            # The same code again: refused. A recovery code: accepted, and said so.
            sign_in(page, base, "alice@example.com")
            enter_code(page, right)
            expect(page.get_by_role("alert")).to_contain_text(REJECTED)
            clock.write_text("180")
            enter_code(page, recovery[0])
            expect(page.get_by_role("heading", name="Hello, Alice")).to_be_visible()
            expect(page.get_by_role("alert")).to_contain_text("You used a recovery code; 9 left.")
            sign_out(page)

            # twostep down: nobody gets past the password, and the page says why.
            twostep.stop()
            with page.expect_response(lambda r: r.request.method == "POST") as answer:
                sign_in(page, base, "alice@example.com")
            assert answer.value.status == 503
            expect(page.get_by_role("heading", name="Sign-in is unavailable")).to_be_visible()
            every_field_is_labelled(page)
            browser.close()
