"""Forward authentication through a real nginx (auth_request) and a real Caddy (forward_auth), in
real Chromium: both proxies run the files in docs/deploy/ (placeholders filled in), on their
own ports, in front of a tiny application that shows the Remote-User it received; twostep runs
on PostgreSQL with TWOSTEP_COOKIE_DOMAIN, so one sign-in covers every *.example.test site
(Chromium maps those names to 127.0.0.1).

Rules: app.example.test and capp.example.test one_factor for the group staff;
secure.example.test and csecure.example.test two_factor.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from server.support import PASSWORD, TWOSTEP, ServerProcess, base_env, oathtool, postgres_database

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]
ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "docs" / "deploy"
DOMAIN = "example.test"
LOGS: list[Path] = []  # the proxies' access logs, shown when a page is not where expected
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    f"--host-resolver-rules=MAP *.{DOMAIN} 127.0.0.1",
]

SETUP = r"""
import json, sys, time, subprocess
from datetime import UTC, datetime
import django
django.setup()
from twostep.server.accounts.directory import add_to_group, create_group
from twostep.server.accounts.owner import create_owner
from twostep.server.accounts.services import create_user
from twostep.server.clock import get_clock
from twostep.server.usecases.enrolment import confirm_enrolment, start_enrolment
clock = get_clock()
staff = create_group("staff", "", actor=None, clock=clock)
secrets = {}
create_owner(username="olga", email="olga@example.com", password=sys.argv[1],
             display_name="Olga", setup_token=None, clock=clock)
# Each user with a code signs in once in these tests (a code works once).
people = [("maria", True, True), ("olaf", True, False), ("gina", False, False), ("sam", True, True),
          ("rita", True, True), ("olga", False, True)]
for name, in_staff, enrolled in people:
    if name == "olga":
        from twostep.server.accounts.models import User
        user = User.objects.get(username=name)
    else:
        user = create_user(username=name, email=f"{name}@example.com", password=sys.argv[1],
                           display_name=name.title(), role="member", clock=clock)
    if in_staff:
        add_to_group([user], staff, actor=None, clock=clock)
    if enrolled:
        enrolment = start_enrolment(user, clock=clock)
        key = enrolment.secret.base32
        when = datetime.fromtimestamp(time.time(), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        code = subprocess.run(["oathtool", "--totp", "-b", "--now", when, key],
                              capture_output=True, text=True, check=True).stdout.strip()
        confirm_enrolment(user, enrolment.id, code, clock=clock)
        secrets[name] = key
print("SECRETS " + json.dumps(secrets))
"""

DEACTIVATE = r"""
import sys
import django
django.setup()
from twostep.server.accounts.directory import set_active
from twostep.server.accounts.models import User
from twostep.server.clock import get_clock
set_active(User.objects.get(username=sys.argv[1]), False, actor=None, clock=get_clock())
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Echo(BaseHTTPRequestHandler):
    """The protected application: shows what the proxy told it."""

    def do_GET(self) -> None:
        user = self.headers.get("Remote-User", "")
        body = (
            f"<!doctype html><title>app</title><p id='user'>Remote-User: {user}</p>"
            f"<p id='groups'>Remote-Groups: {self.headers.get('Remote-Groups', '')}</p>"
            f"<p id='path'>{self.path}</p>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def fill(template: Path, target: Path, **values: str) -> Path:
    text = template.read_text()
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    assert "@" not in text.replace("@example", ""), f"unfilled placeholder in {template.name}"
    target.write_text(text)
    return target


def wait_for_port(port: int, proc: subprocess.Popen[Any], what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{what} exited: {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not listen on {port}")


@contextlib.contextmanager
def process(
    args: list[str], port: int, what: str, log: Path, env: dict[str, str] | None = None
) -> Iterator[None]:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        try:
            wait_for_port(port, proc, what)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{log.read_text(errors='replace')[-3000:]}") from None
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@dataclass
class Stack:
    nginx: int
    caddy: int
    env: dict[str, str]
    secrets: dict[str, str]
    browser: Browser

    def url(self, host: str, path: str = "/") -> str:
        port = self.caddy if host.startswith("c") else self.nginx
        return f"http://{host}.{DOMAIN}:{port}{path}"

    def twostep(self, *args: str, script: str | None = None) -> str:
        command = [sys.executable, "-c", script, *args] if script else [str(TWOSTEP), *args]
        done = subprocess.run(
            command, check=False, env=self.env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    for tool in ("nginx", "caddy", "oathtool"):
        assert shutil.which(tool) or Path(f"/usr/sbin/{tool}").exists(), f"{tool} is needed"
    nginx_bin = shutil.which("nginx") or "/usr/sbin/nginx"
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory(prefix="authz-e2e-") as tmp:
        work = Path(tmp)
        database = stack.enter_context(postgres_database("authz_e2e"))
        nginx_port, caddy_port, twostep_port = free_port(), free_port(), free_port()
        env = base_env(
            work / "data",
            TWOSTEP_DATABASE_URL=database,
            TWOSTEP_BASE_URL=f"http://auth.{DOMAIN}:{nginx_port}",
            TWOSTEP_COOKIE_DOMAIN=DOMAIN,
            TWOSTEP_TRUSTED_PROXIES="127.0.0.1",
            DJANGO_SETTINGS_MODULE="twostep.server.settings",
        )
        (work / "data").mkdir()
        subprocess.run(
            [str(TWOSTEP), "migrate"], env=env, check=True, capture_output=True, timeout=300
        )
        probe = Stack(nginx_port, caddy_port, env, {}, None)  # type: ignore[arg-type]
        out = probe.twostep(PASSWORD, script=SETUP)  # (the console mail is printed too)
        secrets = json.loads(out.split("SECRETS ", 1)[1].splitlines()[0])
        for domain, policy in (("app", "one_factor"), ("capp", "one_factor")):
            probe.twostep(
                "sites", "add", f"{domain}.{DOMAIN}", "--policy", policy, "--groups", "staff"
            )
        for domain in ("secure", "csecure"):
            probe.twostep("sites", "add", f"{domain}.{DOMAIN}", "--policy", "two_factor")

        app = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
        threading.Thread(target=app.serve_forever, daemon=True).start()
        stack.callback(app.server_close)
        stack.callback(app.shutdown)  # (callbacks run last first: shut down, then close)
        app_address = f"127.0.0.1:{app.server_address[1]}"

        server = stack.enter_context(ServerProcess(env))  # starts on a port of its own
        del twostep_port
        twostep_address = server.url.removeprefix("http://").rstrip("/")

        nginx_dir = work / "nginx"
        nginx_dir.mkdir()
        conf = fill(
            DEPLOY / "nginx-auth-request.conf",
            nginx_dir / "nginx.conf",
            PREFIX=str(nginx_dir),
            LISTEN=str(nginx_port),
            TWOSTEP=twostep_address,
            APP=app_address,
            DOMAIN=DOMAIN,
        )
        stack.enter_context(
            process(
                [nginx_bin, "-p", str(nginx_dir), "-c", str(conf), "-g", "daemon off;"],
                nginx_port,
                "nginx",
                nginx_dir / "stderr.log",
            )
        )
        LOGS[:] = [nginx_dir / "access.log"]
        caddy_dir = work / "caddy"
        caddy_dir.mkdir()
        caddyfile = fill(
            DEPLOY / "Caddyfile",
            caddy_dir / "Caddyfile",
            LISTEN=str(caddy_port),
            TWOSTEP=twostep_address,
            APP=app_address,
            DOMAIN=DOMAIN,
        )
        caddy_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(caddy_dir),
            "XDG_DATA_HOME": str(caddy_dir / "data"),
            "XDG_CONFIG_HOME": str(caddy_dir / "config"),
        }
        stack.enter_context(
            process(
                ["caddy", "run", "--config", str(caddyfile), "--adapter", "caddyfile"],
                caddy_port,
                "caddy",
                caddy_dir / "caddy.log",
                caddy_env,
            )
        )
        playwright = stack.enter_context(sync_playwright())
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        stack.callback(browser.close)
        yield Stack(nginx_port, caddy_port, env, secrets, browser)


def sign_in_where_sent(page: Page, stack: Stack, username: str) -> None:
    """On twostep's sign-in page (where a protected site sent the browser): password, then
    the code when the user has two-step verification."""
    assert page.url.startswith(f"http://auth.{DOMAIN}:{stack.nginx}/signin/"), page.url
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if username in stack.secrets:
        page.wait_for_url("**/signin/code/")
        # the next step's code: the setup used this step's (the window accepts t+1)
        page.get_by_label("6-digit code").fill(oathtool(stack.secrets[username], time.time() + 30))
        page.get_by_role("button", name="Continue").click()


def arrive(page: Page, url: str) -> None:
    """Wait until the browser is at ``url``; else fail with where it is and what it shows."""
    try:
        page.wait_for_url(url, timeout=15_000)
    except PlaywrightTimeoutError:
        text = page.locator("body").inner_text()[:600]
        log = "".join(p.read_text()[-2000:] for p in LOGS)
        raise AssertionError(f"expected {url}, at {page.url}: {text}\n{log}") from None


def user_shown(page: Page) -> str:
    return page.locator("#user").inner_text()


def status_of(page: Page, url: str) -> int:
    response = page.goto(url)
    assert response is not None
    return response.status


def test_sign_in_lands_back_and_covers_every_site(stack: Stack) -> None:
    context = stack.browser.new_context()
    page = context.new_page()
    page.goto(stack.url("app", "/reports/?month=11&year=2026"))
    sign_in_where_sent(page, stack, "maria")
    arrive(page, stack.url("app", "/reports/?month=11&year=2026"))
    assert user_shown(page) == "Remote-User: maria"
    assert page.locator("#groups").inner_text() == "Remote-Groups: staff"
    # The same sign-in, through Caddy and on the two_factor sites: no new sign-in.
    page.goto(stack.url("capp", "/x"))
    assert user_shown(page) == "Remote-User: maria"
    page.goto(stack.url("secure"))
    assert user_shown(page) == "Remote-User: maria"
    page.goto(stack.url("csecure"))
    assert user_shown(page) == "Remote-User: maria"
    # Sign-out at twostep ends access to every site.
    page.goto(f"http://auth.{DOMAIN}:{stack.nginx}/signout/")
    page.locator("#main").get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/signin/")
    for host in ("app", "capp", "secure", "csecure"):
        page.goto(stack.url(host))
        assert "/signin/" in page.url, (host, page.url)
    context.close()


def test_caddy_sends_an_anonymous_visitor_to_sign_in_and_back(stack: Stack) -> None:
    context = stack.browser.new_context()
    page = context.new_page()
    page.goto(stack.url("csecure", "/deep/page?q=1"))
    sign_in_where_sent(page, stack, "sam")
    arrive(page, stack.url("csecure", "/deep/page?q=1"))
    assert user_shown(page) == "Remote-User: sam"
    context.close()


def test_a_user_outside_the_groups_gets_403(stack: Stack) -> None:
    context = stack.browser.new_context()
    page = context.new_page()
    page.goto(stack.url("app"))
    sign_in_where_sent(page, stack, "gina")
    arrive(page, stack.url("app"))
    assert "Remote-User" not in page.content()
    assert status_of(page, stack.url("app")) == 403
    assert status_of(page, stack.url("capp")) == 403
    context.close()


def test_one_factor_lets_a_password_sign_in_through_two_factor_does_not(stack: Stack) -> None:
    context = stack.browser.new_context()
    page = context.new_page()
    page.goto(stack.url("capp", "/one"))
    sign_in_where_sent(page, stack, "olaf")
    arrive(page, stack.url("capp", "/one"))
    assert user_shown(page) == "Remote-User: olaf"
    assert status_of(page, stack.url("app")) == 200
    assert status_of(page, stack.url("secure")) == 403
    assert status_of(page, stack.url("csecure")) == 403
    context.close()


def test_an_admins_reset_or_deactivation_refuses_the_very_next_request(stack: Stack) -> None:
    context = stack.browser.new_context()
    page = context.new_page()
    page.goto(stack.url("secure"))
    sign_in_where_sent(page, stack, "rita")
    arrive(page, stack.url("secure"))
    assert user_shown(page) == "Remote-User: rita"
    assert status_of(page, stack.url("capp")) == 200
    stack.twostep("users", "reset", "rita")
    page.goto(stack.url("capp"))
    assert "/signin/" in page.url  # the reset ended her sessions
    page.goto(stack.url("app"))
    assert "/signin/" in page.url

    other = stack.browser.new_context()
    page = other.new_page()
    page.goto(stack.url("app"))
    sign_in_where_sent(page, stack, "olaf")
    arrive(page, stack.url("app"))
    stack.twostep("olaf", script=DEACTIVATE)
    page.goto(stack.url("app"))
    assert "/signin/" in page.url
    context.close()
    other.close()


def test_hostile_return_addresses_stay_on_twostep(stack: Stack) -> None:
    client = httpx.Client(timeout=30)
    try:
        for hostile in ("http://evil.test/", f"http://app.{DOMAIN}.evil.test/", "//evil.test/"):
            page = client.get(
                f"http://127.0.0.1:{stack.nginx}/signin/",
                params={"next": hostile},
                headers={"Host": f"auth.{DOMAIN}:{stack.nginx}"},
            )
            assert page.status_code == 200
            assert "evil.test" not in page.headers.get("location", "")
    finally:
        client.close()


def test_the_console_says_which_rule_a_url_and_user_hit(stack: Stack) -> None:
    context = stack.browser.new_context()
    page = context.new_page()
    page.goto(f"http://auth.{DOMAIN}:{stack.nginx}/signin/?next=/console/sites/")
    sign_in_where_sent(page, stack, "olga")
    page.wait_for_url("**/console/sites/")
    labelled(page)
    assert page.locator("tbody tr").count() == 4
    page.get_by_label("URL").fill(stack.url("secure", "/x"))
    page.get_by_label("User (username or email; empty: anonymous)").fill("sam")
    page.get_by_role("button", name="Test").click()
    status = page.get_by_role("status")
    assert f"Rule #3 (secure.{DOMAIN}, two_factor) decides." in status.inner_text()
    assert "sam, signed in with a password only: forbidden" in status.inner_text()
    assert "sam, signed in with two-step verification: allow" in status.inner_text()
    labelled(page)
    context.close()


def labelled(page: Page) -> None:
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                .filter(e => !e.labels || e.labels.length === 0).map(e => e.name)"""
    )
    assert unlabelled == [], f"{page.url}: fields without a label: {unlabelled}"
