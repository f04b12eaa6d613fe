"""A relying party nobody here wrote: Apache httpd with mod_auth_openidc, protecting a page that
prints ``REMOTE_USER``, signs its users in through `twostep serve` (a subprocess) as OpenID
provider, driven in real Chromium.

- alice (in the application's group, 2FA set up) opens the protected page, signs in at twostep
  with password and code (oathtool's), allows the application once, and sees the page with
  ``REMOTE_USER`` alice; her portal lists the application and shows it connected; the second
  time she is not asked again;
- bob (not in the group) signs in with password and code and is refused by twostep: no code
  goes to Apache, which never shows him the page;
- carol (in the group, locked out after too many wrong codes) is refused;
- alice signs out through Apache (RP-initiated logout): Apache's session and twostep's both
  end, so the page asks for a sign-in again.

The application is made with ``twostep apps create ... --json``; groups and users with the SDK.
Screenshots of the portal and of the console's Applications page go to artifacts/screenshots/
(docs/screenshots/ holds copies, shown by docs/oidc.md).
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from server.support import KEY_RE, PASSWORD, TWOSTEP, ServerProcess, base_env, oathtool
from server.support import Browser as Forms
from twostep.sdk import Client

from .apache_rp import MOD_AUTH_OPENIDC, ApacheRelyingParty, free_port
from .test_ux_browser import axe_problems

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@dataclass
class Account:
    username: str
    key: str = ""
    last_step: int = field(default=0)

    def code(self) -> str:
        """A code of a time step this account has not used yet (a used one is refused)."""
        step = max(int(time.time() // 30), self.last_step + 1)
        while step > int(time.time() // 30) + 1:  # the server accepts one step ahead at most
            time.sleep(0.5)
        self.last_step = step
        return oathtool(self.key, step * 30 + 1)


@dataclass
class Stack:
    base: str
    env: dict[str, str]
    data: Path
    rp: ApacheRelyingParty
    accounts: dict[str, Account]
    browser: Browser

    def twostep(self, *args: str, stdin: str | None = None) -> str:
        out = subprocess.run(
            [str(TWOSTEP), *args],
            check=False,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout

    def page(self) -> Page:
        return self.browser.new_context(viewport={"width": 1100, "height": 900}).new_page()


def _enrol(base: str, account: Account) -> None:
    """Sign in over HTTP and set up two-step verification; remembers the key."""
    forms = Forms(base)
    try:
        response = forms.submit("/signin/", {"identifier": account.username, "password": PASSWORD})
        assert response.status_code == 302, response.text[:500]
        page = forms.get("/two-step/setup/")
        account.key = "".join(KEY_RE.findall(page.text))
        assert len(account.key) == 32, page.text[:500]
        response = forms.submit("/two-step/setup/", {"code": account.code()})
        assert response.headers.get("location") == "/two-step/enabled/", response.text[:500]
    finally:
        forms.close()


def _lock_out(data: Path, username: str) -> None:
    """Put the account in the state 20 wrong codes leave it in (the lockout's rules have their
    own tests; 20 throttled wrong codes would take minutes here)."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    with contextlib.closing(sqlite3.connect(data / "twostep.sqlite3")) as db, db:
        (user_id,) = db.execute(
            "SELECT id FROM accounts_user WHERE username = ?", (username,)
        ).fetchone()
        db.execute(
            "INSERT INTO mfa_throttle (scope, key, user_id, failures, next_attempt_at, "
            "last_failure_at, locked_at) VALUES ('code', ?, ?, 20, ?, ?, ?)",
            (str(user_id), user_id, now, now, now),
        )


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    assert MOD_AUTH_OPENIDC.is_file(), "apt-get install libapache2-mod-auth-openidc"
    data = tmp_path_factory.mktemp("twostep")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = base_env(data, TWOSTEP_BASE_URL=base)
    server = ServerProcess(env, workers=1, threads=4)
    server.args[server.args.index("--port") + 1] = str(port)
    rp = ApacheRelyingParty(issuer=base, client_id="", client_secret="")
    with server, sync_playwright() as pw:
        stack = Stack(base, env, data, rp, {}, None)  # type: ignore[arg-type]
        stack.twostep(
            "createuser", "owner", "--role", "owner", "--email", "owner@example.com",
            "--password-stdin", stdin=PASSWORD + "\n",
        )  # fmt: skip
        admin_key = stack.twostep(
            "apikeys", "create", "--scope", "admin", "--name", "e2e", "--created-by", "owner",
            "--quiet",
        ).strip()  # fmt: skip
        with Client(base, api_key=admin_key) as tw:
            staff = tw.create_group("Staff")
            for name, groups in (("alice", [staff.id]), ("bob", []), ("carol", [staff.id])):
                tw.create_user(
                    name, email=f"{name}@example.com", password=PASSWORD, groups=groups,
                    display_name=name.title(),
                )  # fmt: skip
        for name in ("owner", "alice", "bob", "carol"):
            stack.accounts[name] = Account(name)
            _enrol(base, stack.accounts[name])
        _lock_out(data, "carol")
        made = json.loads(
            stack.twostep(
                "apps", "create", "Intranet",
                "--redirect-uri", rp.redirect_uri,
                "--post-logout-uri", rp.logged_out_url,
                "--groups", "Staff", "--require-2fa",
                "--launch-url", rp.url + "/protected/",
                "--description", "The team's pages, behind Apache",
                "--json",
            )
        )  # fmt: skip
        rp.client_id, rp.client_secret = made["client_id"], made["client_secret"]
        stack.browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            with rp:
                yield stack
        finally:
            stack.browser.close()
            log = rp.log()
            if "error" in log.lower():
                print("apache error.log:\n" + log[-4000:])


def _sign_in_at_twostep(stack: Stack, page: Page, name: str) -> None:
    """From the protected page's redirect: the twostep sign-in page, password, then code."""
    expect(page).to_have_url(re.compile(re.escape(stack.base + "/signin/?next=")), timeout=15_000)
    page.get_by_label("Username or email").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("6-digit code")).to_be_visible()
    page.get_by_label("6-digit code").fill(stack.accounts[name].code())
    page.get_by_role("button", name="Continue").click()


def _shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"oidc-{name}.png"), full_page=True)


def test_a_member_of_the_group_signs_in_with_password_and_code(stack: Stack) -> None:
    page = stack.page()
    page.goto(stack.rp.url + "/protected/")
    _sign_in_at_twostep(stack, page, "alice")
    # Not first-party: asked once (the form's redirect to Apache passes the page's CSP).
    expect(page.get_by_role("heading", name="Allow Intranet to sign you in?")).to_be_visible()
    _shoot(page, "consent")
    page.get_by_role("button", name="Allow").click()
    expect(page).to_have_url(stack.rp.url + "/protected/", timeout=15_000)
    expect(page.locator("#remote-user")).to_have_text("alice")
    expect(page.locator("#groups")).to_contain_text("Staff")
    expect(page.locator("#amr")).to_have_text("pwd,otp")  # password and code, as the ID token says

    # Her portal: the application to open, connected; her own 2FA settings beside it.
    page.goto(stack.base + "/account/")
    expect(page.get_by_role("heading", name="My applications", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Intranet")).to_have_attribute(
        "href", stack.rp.url + "/protected/"
    )
    expect(page.get_by_role("button", name="Disconnect Intranet")).to_be_visible()
    expect(page.get_by_role("heading", name="Account security")).to_be_visible()
    _shoot(page, "portal")
    page.context.close()


def test_a_user_outside_the_group_is_refused(stack: Stack) -> None:
    page = stack.page()
    page.goto(stack.rp.url + "/protected/")
    _sign_in_at_twostep(stack, page, "bob")
    page.wait_for_load_state()
    assert page.url.startswith(stack.base), page.url  # twostep's refusal, not Apache
    expect(page.get_by_role("heading", name="You cannot use Intranet")).to_be_visible()
    assert page.locator("#remote-user").count() == 0
    page.goto(stack.base + "/account/")
    expect(page.get_by_role("link", name="Intranet")).to_have_count(0)  # not on his portal
    page.context.close()


def test_a_locked_out_user_is_refused(stack: Stack) -> None:
    page = stack.page()
    page.goto(stack.rp.url + "/protected/")
    expect(page).to_have_url(re.compile(re.escape(stack.base + "/signin/?next=")), timeout=15_000)
    page.get_by_label("Username or email").fill("carol")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if page.get_by_label("6-digit code").count():  # her right code is refused all the same
        page.get_by_label("6-digit code").fill(stack.accounts["carol"].code())
        page.get_by_role("button", name="Continue").click()
    expect(page.locator("body")).to_contain_text("too many wrong codes")
    assert page.url.startswith(stack.base), page.url
    page.goto(stack.rp.url + "/protected/")
    expect(page).to_have_url(re.compile(re.escape(stack.base + "/signin/?next=")), timeout=15_000)
    page.context.close()


def test_sign_out_through_the_application_ends_both_sessions(stack: Stack) -> None:
    page = stack.page()
    page.goto(stack.rp.url + "/protected/")
    _sign_in_at_twostep(stack, page, "alice")
    expect(page.locator("#remote-user")).to_have_text("alice", timeout=15_000)
    page.get_by_role("link", name="Sign out").click()
    page.wait_for_load_state()
    if page.url.startswith(stack.base):  # twostep may ask before it signs out
        page.get_by_role("button", name="Sign out").first.click()
    expect(page).to_have_url(stack.rp.logged_out_url, timeout=15_000)
    # Apache's session is gone: the page sends to twostep, whose session is gone too.
    page.goto(stack.rp.url + "/protected/")
    expect(page).to_have_url(re.compile(re.escape(stack.base + "/signin/?next=")), timeout=15_000)
    page.goto(stack.base + "/account/")
    expect(page).to_have_url(stack.base + "/signin/?next=/account/")
    page.context.close()


def test_the_console_applications_page(stack: Stack) -> None:
    # bypass_csp: axe is injected as an inline script (only here: the sign-ins above keep the
    # pages' CSP, whose form-action they prove works).
    page = stack.browser.new_context(
        viewport={"width": 1100, "height": 900}, bypass_csp=True
    ).new_page()
    page.goto(stack.base + "/signin/")
    page.get_by_label("Username or email").fill("owner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("6-digit code").fill(stack.accounts["owner"].code())
    page.get_by_role("button", name="Continue").click()
    page.goto(stack.base + "/console/applications/")
    expect(page.get_by_role("heading", name="Applications", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Intranet")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Groups: Staff")
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                .filter(e => !e.labels || e.labels.length === 0).map(e => e.name)"""
    )
    assert unlabelled == []
    assert axe_problems(page) == []
    _shoot(page, "console-applications")
    page.get_by_role("link", name="Intranet").click()
    expect(page.get_by_role("heading", name="Users connected")).to_be_visible()
    assert axe_problems(page) == []
    _shoot(page, "console-application")
    page.goto(stack.base + "/account/")  # the portal's structure, for the owner
    expect(page.get_by_role("heading", name="My applications", level=1)).to_be_visible()
    assert axe_problems(page) == []
    page.context.close()
