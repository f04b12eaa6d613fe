"""Both admin guides of the seeds, end to end in real Chromium against `twostep serve`:

- Zoom: the admin turns "Sign in with two-step verification" on for a group; a member of it
  signs in, scans the QR code from the screen (read from a screenshot with zxing-cpp), enters
  the code oathtool computes, signs out, signs in with a code; the admin resets that user by
  username, and the user sets it up again at the next sign-in.
- JumpCloud: on a user's page the admin ticks "Require two-step verification on sign-in" with
  a 2-day enrolment period and saves; the server's clock moves 3 days (TWOSTEP_FAKE_CLOCK_FILE);
  the user's sign-in is refused; the admin finds the user among the locked ones and extends the
  period; the user signs in and sets it up. Also the Administrators page's switch and checkbox.

Mails go to a real SMTP server (aiosmtpd). Screenshots of every console page are saved under
artifacts/screenshots/ (console-*.png).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Browser, Page, expect, sync_playwright

from server.support import PASSWORD, ServerProcess, base_env, enrol_owner_over_http, oathtool
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
DAY = 86400


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"

    def wait_for(self, to: str, subject_start: str, timeout: float = 10) -> Message:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages:
                if message["To"] == to and str(message["Subject"]).startswith(subject_start):
                    return message
            time.sleep(0.05)
        raise AssertionError(f"no mail to {to} starting {subject_start!r}: {self.subjects()}")

    def subjects(self) -> list[str]:
        return [f"{m['To']}: {m['Subject']}" for m in self.messages]


class ServerClock:
    """The server's clock: the real time plus an offset written to TWOSTEP_FAKE_CLOCK_FILE."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0.0
        path.write_text("0", encoding="utf-8")

    def advance(self, seconds: float) -> None:
        self.offset += seconds
        self.path.write_text(str(self.offset), encoding="utf-8")

    def code(self, key: str) -> str:
        """A code for a time step not used yet (each code works once)."""
        self.advance(30)
        return oathtool(key, time.time() + self.offset)


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


class Site:
    """The running server, the browser, and what the test knows (the owner's key)."""

    def __init__(
        self, base: str, browser: Browser, clock: ServerClock, owner_key: str, env: dict[str, str]
    ) -> None:
        self.env = env
        self.base = base
        self.browser = browser
        self.clock = clock
        self.owner_key = owner_key
        self.problems: list[str] = []

    def page(self) -> Page:
        context = self.browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(str(e)))
        return page

    def sign_in(self, page: Page, username: str, key: str | None = None) -> None:
        page.goto(self.base + "signin/")
        page.get_by_label("Username or email").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        if key is not None:
            expect(page).to_have_url(self.base + "signin/code/")
            page.get_by_label("6-digit code").fill(self.clock.code(key))
            page.get_by_role("button", name="Continue").click()
            expect(page).to_have_url(self.base + "account/")

    def admin(self) -> Page:
        """A new browser with the owner signed in with a code, on the console's dashboard."""
        page = self.page()
        self.sign_in(page, "owner", self.owner_key)
        page.get_by_role("link", name="Admin console").click()
        expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
        return page

    def set_up(self, page: Page, shot: str = "") -> str:
        """On the setup page: scan the QR code on the screen, enter the code; the key."""
        expect(page.get_by_role("heading", name="Set up two-step verification")).to_be_visible()
        if shot:
            shoot(page, shot)
        account = parse_uri(read_qr(page.locator("svg.qr").screenshot())[0])
        key = account.secret.base32
        page.get_by_label("6-digit code").fill(self.clock.code(key))
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", name="Two-step verification is enabled")).to_be_visible()
        page.get_by_role("link", name="I have saved them, continue").click()
        expect(page.get_by_text("You sign in with your password and a code")).to_be_visible()
        return key


def shoot(page: Page, name: str, *, full_page: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"console-{name}.png"), full_page=full_page)


def labelled(page: Page) -> None:
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                .filter(e => (!e.labels || e.labels.length === 0) && !e.getAttribute('aria-label'))
                .map(e => e.name)"""
    )
    assert unlabelled == [], f"{page.url}: fields without a label: {unlabelled}"


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Admin console").get_by_role(
        "link", name=name, exact=True
    ).click()


def flash(page: Page, text: str) -> None:
    expect(page.locator(".messages").get_by_text(text)).to_be_visible()


def add_user(page: Page, username: str, group: str | None = None) -> None:
    nav(page, "Add or invite a user")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Name", exact=True).fill(username.title())
    page.get_by_label("Email").fill(f"{username}@example.com")
    if group:
        page.get_by_label(group).check()
    page.get_by_role("radio", name="Set a password now and tell the user yourself").check()
    page.get_by_label("Initial password").fill(PASSWORD)
    labelled(page)
    page.get_by_role("button", name="Add user").click()
    flash(page, f"Created {username}.")


@pytest.fixture
def site(tmp_path: Path, smtp: tuple[Inbox, int]) -> Iterator[tuple[Site, Inbox]]:
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
            yield Site(server.url, browser, clock, key, env), inbox
        finally:
            browser.close()


def no_page_errors(s: Site) -> None:
    """No CSP violation, no script error (refused sign-ins are expected 4xx pages)."""
    problems = [p for p in s.problems if "status of 40" not in p]
    assert problems == [], problems


def test_zoom_guide(site: tuple[Site, Inbox]) -> None:
    s, inbox = site
    admin = s.admin()
    shoot(admin, "dashboard-empty")

    # Groups: make "Engineering"; add maria to it.
    nav(admin, "Groups")
    admin.get_by_label("Name").fill("Engineering")
    admin.get_by_role("button", name="Create group").click()
    flash(admin, "Created the group Engineering.")
    add_user(admin, "maria", group="Engineering")
    add_user(admin, "sam")

    # Advanced > Security: "Sign in with two-step verification", users in specific groups.
    nav(admin, "Security")
    labelled(admin)
    admin.get_by_role("checkbox", name="Sign in with two-step verification").check()
    admin.get_by_role("radio", name="Users in specific groups").check()
    expect(admin.get_by_role("group", name="Select the groups")).to_be_visible()
    expect(admin.get_by_role("group", name="Select the roles")).to_be_hidden()
    admin.get_by_role("group", name="Select the groups").get_by_role(
        "checkbox", name="Engineering"
    ).check()
    admin.get_by_label("Days to set it up").fill("0")
    shoot(admin, "security")
    admin.get_by_role("button", name="Save", exact=True).click()
    flash(admin, "Saved: two-step verification is required for 2 users; 1 of them has not")

    # sam is not in the group: signs in with the password alone.
    other = s.page()
    s.sign_in(other, "sam")
    expect(other).to_have_url(s.base + "account/")
    other.context.close()

    # maria signs in: the QR code is shown; she scans it and enters the code.
    user = s.page()
    s.sign_in(user, "maria")
    expect(user.get_by_text("Your organisation requires two-step verification")).to_be_visible()
    expect(user.get_by_role("button", name="Remind me later")).to_have_count(0)
    first_key = s.set_up(user, shot="user-setup")
    user.get_by_role("button", name="Sign out", exact=True).click()
    # ... and signs in again with a code.
    s.sign_in(user, "maria", first_key)
    expect(user.get_by_text("You sign in with your password and a code")).to_be_visible()

    # The admin resets maria's two-step verification by username.
    nav(admin, "Security")
    admin.get_by_label("Username or email").fill("maria")
    admin.get_by_role("button", name="Reset", exact=True).click()
    flash(admin, "Two-step verification was reset for maria.")
    inbox.wait_for("maria@example.com", "Two-step verification was reset")

    # maria was signed out; at the next sign-in she sets it up again, with a new key.
    user.reload()
    expect(user).to_have_url(s.base + "signin/?next=/account/")
    s.sign_in(user, "maria")
    second_key = s.set_up(user)
    assert second_key != first_key

    # The audit log tells the story.
    nav(admin, "Audit log")
    admin.get_by_label("User").fill("maria")
    admin.get_by_role("button", name="Filter").click()
    for event in ("mfa.reset", "mfa.enabled", "signin.completed"):
        expect(admin.locator("td code", has_text=event).first).to_be_visible()
    shoot(admin, "audit")
    no_page_errors(s)


def test_jumpcloud_guide(site: tuple[Site, Inbox]) -> None:
    s, inbox = site
    admin = s.admin()
    add_user(admin, "jon")
    add_user(admin, "kim")

    # Users > jon > User security & permissions: require, 2 days; Save user.
    nav(admin, "Users")
    labelled(admin)
    shoot(admin, "users")
    admin.get_by_role("link", name="jon", exact=True).click()
    expect(admin.get_by_role("heading", name="jon")).to_be_visible()
    admin.get_by_role("checkbox", name="Require two-step verification on sign-in").check()
    period = admin.get_by_label("Enrolment period")
    expect(period).to_have_value("7")  # the default
    # The common periods are in the list; any other number goes in the field beside it.
    assert period.locator("option").all_inner_texts()[-1] == "Another number of days"
    days = admin.get_by_label("Number of days (0 to 365)")
    expect(days).to_be_hidden()
    period.select_option("other")
    days.fill("2")
    labelled(admin)
    admin.get_by_role("button", name="Save user").click()
    flash(admin, "Saved jon: two-step verification required (2 days to set it up).")
    shoot(admin, "user")
    mail = inbox.wait_for("jon@example.com", "Set up two-step verification")
    assert "(2 days from now)" in str(mail.get_payload())

    # Administrators: one switch for all, and a checkbox per administrator.
    nav(admin, "Administrators")
    admin.get_by_role(
        "checkbox", name="Require two-step verification for all administrators"
    ).uncheck()
    admin.get_by_role("checkbox", name="Require two-step verification for owner").check()
    labelled(admin)
    admin.get_by_role("button", name="Save").click()
    flash(admin, "required only for the administrators checked, required for owner.")
    shoot(admin, "administrators")

    # jon may postpone while days are left...
    user = s.page()
    s.sign_in(user, "jon")
    user.get_by_role("button", name="Remind me later (2 days left)").click()
    expect(user).to_have_url(s.base + "account/")
    user.context.close()

    # ... three days later he is locked out of sign-in.
    s.clock.advance(3 * DAY)
    user = s.page()
    s.sign_in(user, "jon")
    expect(user.get_by_role("heading", name="You cannot sign in right now")).to_be_visible()
    expect(user.get_by_text("Ask an administrator to extend the period")).to_be_visible()
    shoot(user, "user-locked")

    # The admin (a new day, a new sign-in) finds jon among the locked users and extends.
    admin.context.close()
    admin = s.admin()
    expect(admin.locator(".stat.bad .num")).to_have_text("1")
    shoot(admin, "dashboard")
    nav(admin, "Users")
    admin.get_by_label("Two-step verification").select_option("locked")
    admin.get_by_role("button", name="Filter").click()
    expect(admin.get_by_text("1 user matches")).to_be_visible()
    expect(admin.get_by_text("Locked: not set up in time")).to_be_visible()
    shoot(admin, "users-locked")
    admin.get_by_role("link", name="jon", exact=True).click()
    admin.get_by_label("New enrolment period, from now").select_option("7")
    shoot(admin, "user-locked-admin")
    admin.get_by_role("button", name="Extend").click()
    flash(admin, "jon can sign in and set up two-step verification")

    # jon signs in, is led to setup (7 days left now), and sets it up.
    s.sign_in(user, "jon")
    expect(user.get_by_role("button", name="Remind me later (7 days left)")).to_be_visible()
    s.set_up(user)
    admin.reload()
    expect(admin.locator(".heading .pill")).to_have_text("Set up")
    no_page_errors(s)


SEED = """
import django, random, sys
from pathlib import Path
django.setup()
from datetime import timedelta
from twostep.otp import generate_totp
from twostep.server.accounts.models import Role, User
from twostep.server.accounts.services import create_user
from twostep.server.clock import FileOffsetClock
from twostep.server.accounts.directory import create_group
from twostep.server.policy.services import require_user, set_org_policy
from twostep.server.usecases import enrolment as mfa

clock = FileOffsetClock(Path(sys.argv[1]))
rng = random.Random(7)
first = ("ada ben cleo dev eli fay gus hana ivo jade kai lena milo nia otto pia quin rosa sami "
         "tara uma vic wen xia yuri zoe").split()
last = "north south east west hill dale brook field stone wood".split()
groups = {n: create_group(n, actor=None, clock=clock) for n in ("Engineering", "Sales", "Support")}
admin = Role.objects.get(key="admin")
for i in range(60):
    name = f"{first[i % 26]}.{last[i % 10]}"
    user = create_user(username=name, email=f"{name}@example.com", clock=clock,
                       display_name=name.replace(".", " ").title(),
                       role=admin if i % 17 == 0 else "member")
    user.groups.set(rng.sample(list(groups.values()), rng.choice([1, 1, 2])))
    if i % 3 == 0:
        enrolment = mfa.start_enrolment(user, clock=clock)
        code = generate_totp(enrolment.secret, clock().timestamp())
        mfa.confirm_enrolment(user, enrolment.id, code, clock=clock)
    elif i % 5 == 1:
        require_user(user, days=rng.choice([2, 7, 14]), actor=None, clock=clock)
    elif i % 7 == 2:
        require_user(user, days=1, actor=None, clock=lambda: clock() - timedelta(days=3))
set_org_policy(mode="groups", groups=[groups["Engineering"]], grace_days=7, actor=None, clock=clock)
print(User.objects.count())
"""


def test_console_with_many_users(site: tuple[Site, Inbox]) -> None:
    """The pages with 61 users in every state (the README's screenshots)."""
    s, _ = site
    seeded = subprocess.run(
        [sys.executable, "-c", SEED, str(s.clock.path)],
        # PYTHONPATH: the seed uses the tests' own helpers (server.actions).
        env={
            **s.env,
            "DJANGO_SETTINGS_MODULE": "twostep.server.settings",
            "PYTHONPATH": str(ROOT / "tests"),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert seeded.returncode == 0, seeded.stderr
    assert seeded.stdout.strip().splitlines()[-1] == "61"
    admin = s.admin()
    numbers = admin.locator(".stat .num").all_inner_texts()
    assert numbers[0] != "0", numbers  # some required
    assert numbers[3] != "0", numbers  # some locked
    expect(admin.locator("#pending-h + table tbody tr").first).to_be_visible()
    shoot(admin, "readme-dashboard", full_page=False)
    nav(admin, "Users")
    expect(admin.get_by_text("61 users · showing 1–50")).to_be_visible()
    expect(admin.locator("table.users tbody tr")).to_have_count(50)
    expect(admin.get_by_text("Page 1 of 2")).to_be_visible()
    shoot(admin, "readme-users", full_page=False)
    admin.get_by_role("link", name="Next →").click()
    expect(admin.locator("table.users tbody tr")).to_have_count(11)
    admin.get_by_label("Two-step verification").select_option("pending")
    admin.get_by_role("button", name="Filter").click()
    pending = admin.locator("table.users tbody tr")
    expect(pending.first).to_be_visible()
    pending.first.get_by_role("link").first.click()
    expect(admin.get_by_role("heading", name="Why it is required")).to_be_visible()
    admin.set_viewport_size({"width": 1280, "height": 1180})
    shoot(admin, "readme-user", full_page=False)
    admin.set_viewport_size({"width": 1280, "height": 900})
    nav(admin, "Security")
    shoot(admin, "readme-security", full_page=False)
    for name, heading in (
        ("Groups", "Groups"),
        ("Roles", "Roles"),
        ("Add or invite a user", "Add or invite a user"),
        ("Audit log", "Audit log"),
    ):
        nav(admin, name)
        expect(admin.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        labelled(admin)
        shoot(admin, name.lower().replace(" ", "-"))
    nav(admin, "Groups")
    admin.get_by_role("link", name="Engineering").click()
    expect(
        admin.get_by_text("The organisation requires two-step verification for this group")
    ).to_be_visible()
    shoot(admin, "group")
    no_page_errors(s)
