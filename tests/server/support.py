"""Helpers for whole-stack server tests: a real `twostep serve` process, PostgreSQL databases,
oathtool, and an HTTP client that fills in the forms like a browser."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx

TWOSTEP = Path(sys.executable).parent / "twostep"
PG_HOST = "127.0.0.1"
PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY_RE = re.compile(r"<span>([A-Z2-7]{1,4})</span>")


def oathtool(secret_base32: str, at: float) -> str:
    """The TOTP code at Unix time ``at``, computed by oathtool (not by our code)."""
    when = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    out = subprocess.run(
        ["oathtool", "--totp", "-b", "--now", when, secret_base32],
        check=True,
        capture_output=True,
        text=True,
        timeout=10,
    )
    return out.stdout.strip()


def base_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """A clean environment for a server process: only what we set, plus PATH and HOME."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(data_dir),
        "LANG": "C.UTF-8",
        "TWOSTEP_DATA_DIR": str(data_dir),
        "TWOSTEP_SECRET_KEYS": "e2e-" + secrets.token_urlsafe(32),
    }
    env.update(extra)
    return env


class ServerProcess:
    """`twostep serve --port 0` in a subprocess; ``url`` once it says it is running."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        workers: int = 2,
        threads: int = 4,
        access_log: bool = False,
        extra_args: tuple[str, ...] = (),
        new_session: bool = False,
    ) -> None:
        self.env = env
        self.new_session = new_session  # its own process group: killpg stops master and workers
        self.args = [
            str(TWOSTEP),
            "serve",
            "--port",
            "0",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            *(["--access-log"] if access_log else []),
            *extra_args,
        ]
        self.lines: list[str] = []
        self.url = ""
        self._ready = threading.Event()
        self.proc: subprocess.Popen[str] | None = None

    def _pump(self) -> None:
        assert self.proc is not None
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            match = re.search(r"twostep is running at (http://\S+/)", line)
            if match:
                self.url = match.group(1)
                self._ready.set()
        self._ready.set()

    @property
    def setup_link(self) -> str:
        """The one-time link for creating the owner that a first start prints (right after the
        URL, from the same worker: here by the time ``start`` returned, or a moment later)."""
        deadline = time.monotonic() + 10
        while True:
            for line in list(self.lines):
                match = re.search(r"No accounts yet: open (http://\S+) to create", line)
                if match:
                    return match.group(1)
            if time.monotonic() > deadline:
                raise AssertionError("no setup link was printed:\n" + "\n".join(self.lines))
            time.sleep(0.05)

    def start(self, timeout: float = 90) -> ServerProcess:
        self.proc = subprocess.Popen(
            self.args,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=self.new_session,
        )
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout) or not self.url:
            self.stop()
            raise RuntimeError("twostep serve did not start:\n" + "\n".join(self.lines))
        # Wait until a worker answers (the first worker prints the URL once it listens,
        # before it has started accepting).
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "healthz", timeout=5).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("twostep serve does not answer:\n" + "\n".join(self.lines))

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.proc.stdout is not None:
            self._thread.join(timeout=10)
            self.proc.stdout.close()
        self.proc = None

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def postgres_database(prefix: str = "twostep_test") -> Iterator[str]:
    """A fresh PostgreSQL database for this test; its URL. Dropped afterwards."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    subprocess.run(["createdb", "-h", PG_HOST, "-U", "postgres", name], check=True, timeout=60)
    try:
        yield f"postgres://postgres@{PG_HOST}:5432/{name}"
    finally:
        subprocess.run(
            ["dropdb", "-h", PG_HOST, "-U", "postgres", "--force", "--if-exists", name],
            check=False,
            timeout=60,
        )


class Browser:
    """An HTTP client that submits the pages' forms with their CSRF token."""

    def __init__(self, base_url: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=30, follow_redirects=False)

    def close(self) -> None:
        self.client.close()

    def get(self, path: str) -> httpx.Response:
        return self.client.get(path)

    def submit(
        self, path: str, data: dict[str, str], *, form_path: str | None = None
    ) -> httpx.Response:
        page = self.client.get(form_path or path)
        match = CSRF_RE.search(page.text)
        assert match, f"no form on {form_path or path}: {page.status_code}"
        return self.client.post(path, data={"csrfmiddlewaretoken": match.group(1), **data})


def enrol_owner_over_http(
    server: ServerProcess, *, username: str = "owner", clock_offset: float = 0
) -> str:
    """Create the owner with the setup link the server printed, sign in, set up 2FA; returns
    the base32 key."""
    browser = Browser(server.url)
    setup_path = "/" + server.setup_link.removeprefix(server.url)
    try:
        response = browser.submit(
            setup_path,
            {
                "username": username,
                "email": f"{username}@example.com",
                "display_name": "The Owner",
                "password": PASSWORD,
                "password2": PASSWORD,
            },
        )
        assert response.status_code == 302, response.text
        response = browser.submit("/signin/", {"identifier": username, "password": PASSWORD})
        assert response.headers["location"] == "/two-step/setup/", response.text
        page = browser.get("/two-step/setup/")
        key = "".join(KEY_RE.findall(page.text))
        assert len(key) == 32
        code = oathtool(key, time.time() + clock_offset)
        response = browser.submit("/two-step/setup/", {"code": code})
        assert response.headers.get("location") == "/two-step/enabled/", response.text
        return key
    finally:
        browser.close()
