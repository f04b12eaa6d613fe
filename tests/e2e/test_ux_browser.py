"""The pages and the console in real Chromium against `twostep serve`, as a phone and by keyboard:

- every page fits 320 and 390 px wide without sideways scrolling (the document's scroll width
  is at most the window's), and passes axe-core (npm, pinned in package.json) with no serious
  or critical violation;
- the sign-in form works by keyboard alone (Tab, type, Enter) with a visible focus outline;
- "Forgot password" with a real SMTP server (aiosmtpd): the link read from the mail, a new
  password, then the code is still asked;
- "Remember this browser": the organisation turns it on for 1 day, a sign-in skips the code
  on that browser, and asks for it again once the server's clock passed the day.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from e2e.test_console_guides import (
    CHROMIUM_ARGS,
    DAY,
    Inbox,
    ServerClock,
    add_user,
    smtp,  # noqa: F401 - the fixture
)
from server.support import PASSWORD, ServerProcess, base_env, enrol_owner_over_http

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "artifacts" / "screenshots"
PHONES = (320, 390)
NEW_PASSWORD = "a brand new passphrase 42"


class Phone:
    """The server, Chromium, the server's clock and the owner's key."""

    def __init__(self, base: str, browser: Browser, clock: ServerClock, owner_key: str) -> None:
        self.base = base
        self.browser = browser
        self.clock = clock
        self.owner_key = owner_key

    def context(self, width: int = 390) -> BrowserContext:
        # bypass_csp: axe is injected as an inline script, which the pages' CSP refuses. Not
        # is_mobile: a mobile layout viewport widens to fit the content and hides an overflow.
        return self.browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)

    def sign_in(self, page: Page, username: str = "owner", key: str | None = None) -> None:
        page.goto(self.base + "signin/")
        page.get_by_label("Username or email").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        key = self.owner_key if key is None and username == "owner" else key
        if key is not None:
            expect(page).to_have_url(self.base + "signin/code/")
            page.get_by_label("6-digit code").fill(self.clock.code(key))
            page.get_by_role("button", name="Continue").click()
        expect(page).to_have_url(self.base + "account/")


@pytest.fixture
def phone(tmp_path: Path, smtp: tuple[Inbox, int]) -> Iterator[tuple[Phone, Inbox]]:  # noqa: F811
    assert AXE.is_file(), "run `npm ci` first (./scripts/test does): axe-core is missing"
    inbox, port = smtp
    clock = ServerClock(tmp_path / "clock_offset")
    env = base_env(
        tmp_path,
        TWOSTEP_SMTP_URL=f"smtp://127.0.0.1:{port}",
        TWOSTEP_FAKE_CLOCK_FILE=str(clock.path),
    )
    with ServerProcess(env, workers=1, threads=4) as server, sync_playwright() as pw:
        key = enrol_owner_over_http(server)
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield Phone(server.url, browser, clock, key), inbox
        finally:
            browser.close()


def axe_problems(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page, in words."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = page.evaluate(
        """async () => await axe.run(document, {
               resultTypes: ['violations'],
               runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                                'best-practice']}})"""
    )
    assert result["testEngine"]["name"] == "axe-core", result.get("testEngine")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(n["target"]) for n in v["nodes"][:4])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def overflow(page: Page) -> str | None:
    """None when the page fits the window's width; else the widest elements that stick out."""
    found: dict[str, Any] = page.evaluate(
        """() => {
            const width = window.innerWidth;
            const scroll = document.scrollingElement.scrollWidth;
            const out = [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > width + 0.5)
                .map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`
                          + ` right=${Math.round(e.getBoundingClientRect().right)}`)
                .slice(0, 6);
            return {width, scroll, out};
        }"""
    )
    if found["scroll"] <= found["width"]:
        return None
    return f"{page.url}: {found['scroll']} px wide in {found['width']} px: {found['out']}"


def check(page: Page, problems: list[str], *, axe: bool = True) -> None:
    page.wait_for_load_state("load")
    if axe:  # at 390 px: a picture of each page for review (artifacts/screenshots/phone-*.png)
        SHOTS.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", page.url.split("/", 3)[-1]).strip("-") or "home"
        page.screenshot(path=str(SHOTS / f"phone-{slug}.png"), full_page=True)
    wide = overflow(page)
    if wide:
        problems.append(wide)
    if axe:
        problems.extend(f"{page.url}: {p}" for p in axe_problems(page))


def test_every_page_fits_a_phone_and_passes_axe(phone: tuple[Phone, Inbox]) -> None:
    s, _ = phone
    # A member, a group and the Remember setting, so the pages show what they can.
    setup = s.context(1280).new_page()
    s.sign_in(setup, "owner")
    setup.goto(s.base + "console/groups/")
    setup.get_by_label("Name", exact=True).fill("Field engineers with a long group name")
    setup.get_by_role("button", name="Create group").click()
    add_user(setup, "maria.fernanda.de.la.cruz-example", "Field engineers with a long group name")
    setup.goto(s.base + "console/security/")
    setup.get_by_label("Users may skip the code on a browser they trust for").select_option("7")
    setup.get_by_role("button", name="Save the browser setting").click()
    setup.goto(s.base + "console/sites/")  # a protected-site rule, so its table shows
    setup.get_by_label("Domain").fill("grafana.internal.example.com")
    setup.get_by_label("Paths (regular expressions, one per line; empty: every path)").fill(
        "^/d/\n^/api/dashboards/"
    )
    setup.get_by_role("button", name="Add rule").click()
    setup.goto(s.base + "console/users/")
    member_url = setup.get_by_role("link", name=re.compile("maria.fernanda")).first.get_attribute(
        "href"
    )
    setup.goto(s.base + "console/groups/")
    group_url = setup.get_by_role("link", name=re.compile("Field engineers")).first.get_attribute(
        "href"
    )
    setup.goto(s.base + "console/roles/")
    role_url = setup.get_by_role("link", name="Admin", exact=True).first.get_attribute("href")
    setup.context.close()
    assert member_url
    assert group_url
    assert role_url

    console_pages = [
        "console/",
        "console/users/",
        member_url.lstrip("/"),
        "console/users/new/",
        "console/groups/",
        group_url.lstrip("/"),
        "console/roles/",
        role_url.lstrip("/"),
        "console/administrators/",
        "console/security/",
        "console/webhooks/",
        "console/sites/",
        "console/audit/",
    ]
    user_pages = [
        "account/",
        "account/two-step/disable/",
        "account/recovery-codes/",
        "account/confirm-password/",
        "signout/",
    ]
    problems: list[str] = []
    for width in PHONES:
        context = s.context(width)
        page = context.new_page()
        for path in ("signin/", "signin/forgot/"):
            page.goto(s.base + path)
            check(page, problems, axe=width == 390)
        page.goto(s.base + "signin/")
        page.get_by_label("Username or email").fill("owner")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(s.base + "signin/code/")
        check(page, problems, axe=width == 390)
        page.get_by_role("link", name="Use a recovery code instead").click()
        expect(page.get_by_label("Recovery code")).to_be_visible()
        check(page, problems, axe=width == 390)
        page.goto(s.base + "signin/code/")
        page.get_by_label("6-digit code").fill(s.clock.code(s.owner_key))
        page.get_by_role("button", name="Continue").click()
        expect(page).to_have_url(s.base + "account/")
        # "Sign out" stays on the line of the other links of the header.
        rows = page.evaluate(
            """() => [...document.querySelectorAll('.top nav li')].map(li => {
                       const r = li.getBoundingClientRect();
                       return [Math.round(r.top), Math.round(r.bottom)]; })"""
        )
        if len(rows) > 1 and rows[-1][0] >= rows[-2][1] - 1:  # below the link before it
            problems.append(f"{width} px: 'Sign out' wraps alone: {rows}")
        for path in user_pages + console_pages:
            page.goto(s.base + path)
            check(page, problems, axe=width == 390)
        context.close()
        # A member's setup page (the QR code and the key).
        context = s.context(width)
        page = context.new_page()
        page.goto(s.base + "signin/")
        page.get_by_label("Username or email").fill("maria.fernanda.de.la.cruz-example")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(s.base + "account/")
        page.goto(s.base + "two-step/setup/")
        expect(page.get_by_role("heading", name="Set up two-step verification")).to_be_visible()
        check(page, problems, axe=width == 390)
        context.close()
    assert problems == [], "\n".join(problems)


def outline_of(page: Page) -> dict[str, Any]:
    style: dict[str, Any] = page.evaluate(
        """() => {
            const e = document.activeElement;
            const c = getComputedStyle(e);
            return {tag: e.tagName.toLowerCase(), name: e.name || e.textContent.trim(),
                    style: c.outlineStyle, width: parseFloat(c.outlineWidth)};
        }"""
    )
    return style


def test_sign_in_by_keyboard_with_a_visible_focus(phone: tuple[Phone, Inbox]) -> None:
    s, _ = phone
    page = s.context(390).new_page()
    page.goto(s.base + "signin/")
    seen = [outline_of(page)]
    assert seen[-1]["name"] == "identifier"  # autofocus
    while "Skip to content" not in outline_of(page)["name"]:  # back to the page's first stop
        page.keyboard.press("Shift+Tab")
        seen.append(outline_of(page))
        assert len(seen) < 6, seen
    while outline_of(page)["name"] != "identifier":
        page.keyboard.press("Tab")
        seen.append(outline_of(page))
        assert len(seen) < 12, seen
    page.keyboard.type("owner")
    page.keyboard.press("Tab")
    seen.append(outline_of(page))
    assert seen[-1]["name"] == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    seen.append(outline_of(page))
    assert seen[-1]["tag"] == "button"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # submits from the password field
    expect(page).to_have_url(s.base + "signin/code/")
    seen.append(outline_of(page))
    assert seen[-1]["name"] == "code"  # the code field has the focus
    page.keyboard.type(s.clock.code(s.owner_key))
    page.keyboard.press("Enter")
    expect(page).to_have_url(s.base + "account/")
    invisible = [f for f in seen if f["style"] == "none" or f["width"] < 2]
    assert invisible == [], json.dumps(seen)


def test_forgot_password_by_mail_then_the_code(phone: tuple[Phone, Inbox]) -> None:
    s, inbox = phone
    page = s.context(390).new_page()
    page.goto(s.base + "signin/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email or username").fill("owner@example.com")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_text("If an account has that email or username")).to_be_visible()
    mail = inbox.wait_for("owner@example.com", "Choose a new password")
    body = mail.get_payload(decode=True).decode()
    found = re.search(r"https?://\S+?(/signin/reset/\S+/)", body)
    assert found, body
    link = s.base + found.group(1).lstrip("/")  # (TWOSTEP_BASE_URL is not this test's port)
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    assert "set-password" in page.url  # the token left the address bar
    problems = axe_problems(page)
    assert problems == [], problems
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the password").click()
    expect(page).to_have_url(s.base + "signin/code/")  # a mailbox alone gets no one in
    expect(page.get_by_text("Your password is changed. Now enter a code")).to_be_visible()
    page.get_by_label("6-digit code").fill(s.clock.code(s.owner_key))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(s.base + "account/")
    inbox.wait_for("owner@example.com", "The password of your")
    # The link worked once.
    again = s.context(390).new_page()
    again.goto(link)
    expect(again.get_by_role("heading", name="This link does not work")).to_be_visible()
    # The check can fail: an image without a text alternative is found.
    assert axe_problems(again) == []
    again.evaluate(
        "document.body.append(Object.assign(document.createElement('img'), {src: '/x.png'}))"
    )
    assert any(p.startswith("image-alt (critical)") for p in axe_problems(again))


def test_a_remembered_browser_skips_the_code_until_it_expires(
    phone: tuple[Phone, Inbox],
) -> None:
    s, _ = phone
    admin = s.context(1280).new_page()
    s.sign_in(admin, "owner")
    admin.goto(s.base + "console/security/")
    admin.get_by_label("Users may skip the code on a browser they trust for").select_option("1")
    admin.get_by_role("button", name="Save the browser setting").click()
    expect(admin.get_by_text("users may remember a browser for 1 day")).to_be_visible()

    page = s.context(390).new_page()
    page.goto(s.base + "signin/")
    page.get_by_label("Username or email").fill("owner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("6-digit code").fill(s.clock.code(s.owner_key))
    page.get_by_label("Remember this browser for 1 day").check()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(s.base + "account/")
    expect(page.get_by_text("This browser")).to_be_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "twostep_remember")
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Lax"

    def password_only() -> str:
        page.context.clear_cookies(name="twostep_session")
        page.goto(s.base + "signin/")
        page.get_by_label("Username or email").fill("owner")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("load")
        return page.url.removeprefix(s.base)

    assert password_only() == "account/"
    s.clock.advance(DAY - 120)
    assert password_only() == "account/"
    s.clock.advance(180)
    assert password_only() == "signin/code/"
