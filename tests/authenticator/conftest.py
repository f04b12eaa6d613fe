"""Fixtures for the authenticator tests: a private home, the real CLI, a vault, an X display.

Every test gets its own HOME / XDG directories / TWOSTEP_VAULT under tmp_path, and the cheap
test KDF (``TWOSTEP_TEST_INSECURE_KDF=1``) unless a test removes it to check the real one.
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from twostep.authenticator import cli

ROOT = Path(__file__).resolve().parents[2]
TWOSTEP_AUTH = ROOT / ".venv" / "bin" / "twostep-auth"
DATA = Path(__file__).parent / "data"
PASSWORD = "correct horse battery staple"
# RFC 6238's SHA1 key and a few more, as base32.
SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
URI = f"otpauth://totp/ACME%20Co:alice@example.com?secret={SECRET}&issuer=ACME%20Co"


def with_md5_account(uri: str, issuer: str, name: str) -> str:
    """A Google Authenticator export URI with one more account at its end, one with the MD5
    algorithm (the format's enum value 4), which twostep cannot use. Written by hand (the
    protobuf wire format, formats.md 2.2), as twostep's own writer refuses such accounts."""

    def field(number: int, value: bytes | int) -> bytes:
        if isinstance(value, int):
            return bytes([number << 3, value])
        return bytes([number << 3 | 2, len(value)]) + value

    account = field(1, b"md5-secret-bytes") + field(2, name.encode()) + field(3, issuer.encode())
    account += field(4, 4) + field(6, 2)
    head, _, data = uri.partition("data=")
    payload = base64.b64decode(urllib.parse.unquote(data)) + field(1, account)
    return head + "data=" + urllib.parse.quote(base64.b64encode(payload).decode(), safe="")


@dataclass
class Result:
    code: int
    out: str
    err: str


@dataclass
class Env:
    """A private environment for the app, and ways to run ``twostep-auth`` in it."""

    root: Path
    vars: dict[str, str] = field(default_factory=dict)

    @property
    def vault(self) -> Path:
        return Path(self.vars["TWOSTEP_VAULT"])

    @property
    def sessions(self) -> Path:
        return Path(self.vars["XDG_RUNTIME_DIR"]) / "twostep" / "sessions"

    def environ(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("TWOSTEP_", "XDG_"))}
        keep.pop("DISPLAY", None)
        keep.pop("WAYLAND_DISPLAY", None)
        return {**keep, **self.vars, **(extra or {})}

    def run(
        self,
        *args: str,
        input: str | None = None,
        extra: Mapping[str, str] | None = None,
        timeout: float = 60,
    ) -> Result:
        """``twostep-auth ARGS`` as a real process (stdin is a pipe: no terminal)."""
        proc = subprocess.run(
            [str(TWOSTEP_AUTH), *args],
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            env=self.environ(extra),
            timeout=timeout,
            start_new_session=True,  # no controlling terminal: like a script or cron job
            check=False,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def ok(self, *args: str, input: str | None = None, **kw: object) -> Result:
        result = self.run(*args, input=input, **kw)  # type: ignore[arg-type]
        assert result.code == 0, (args, result)
        return result

    def init(self, password: str = PASSWORD) -> None:
        self.ok("init", "--password-stdin", input=password + "\n")

    def unlock(self, password: str = PASSWORD) -> str:
        out = self.ok("unlock", "--password-stdin", input=password + "\n").out.strip()
        assert out.startswith("export TWOSTEP_SESSION=")
        token = out.split("=", 1)[1].strip("'")
        self.vars["TWOSTEP_SESSION"] = token
        return token


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Env:
    """A private HOME with XDG dirs; the process environment is set the same way, so that
    in-process calls (``cli.main``, services) see it too."""
    home = tmp_path / "home"
    runtime = tmp_path / "run"
    home.mkdir()
    runtime.mkdir(mode=0o700)
    values = {
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_RUNTIME_DIR": str(runtime),
        "TWOSTEP_VAULT": str(home / "vault.twostep"),
        "TWOSTEP_TEST_INSECURE_KDF": "1",
    }
    for key in list(os.environ):
        if key.startswith(("TWOSTEP_", "XDG_")) or key in ("DISPLAY", "WAYLAND_DISPLAY"):
            monkeypatch.delenv(key)
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return Env(tmp_path, values)


@pytest.fixture
def vault(env: Env) -> Env:
    """An initialised, empty vault (password :data:`PASSWORD`), still locked."""
    env.init()
    return env


@pytest.fixture
def unlocked(vault: Env, monkeypatch: pytest.MonkeyPatch) -> Env:
    """An initialised vault with a session in ``TWOSTEP_SESSION`` (also in-process)."""
    token = vault.unlock()
    monkeypatch.setenv("TWOSTEP_SESSION", token)
    return vault


def main_in_process(
    args: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    stdin: str = "",
) -> Result:
    """``cli.main(args)`` in this process, with ``stdin`` and captured output."""
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(args)
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


# -- X display ----------------------------------------------------------------------------------
def _free_display() -> int:
    for number in range(90 + os.getpid() % 200, 600):
        if (
            not Path(f"/tmp/.X{number}-lock").exists()
            and not Path(f"/tmp/.X11-unix/X{number}").exists()
        ):
            return number
    raise RuntimeError("no free X display number")


@dataclass
class Display:
    name: str
    env: dict[str, str]


@pytest.fixture
def xvfb(tmp_path: Path) -> Iterator[Display]:
    """A private Xvfb server (1280x800); ``env`` holds its DISPLAY (no auth needed)."""
    if shutil.which("Xvfb") is None:
        pytest.fail("Xvfb is not installed (the test environment has it)")
    for _ in range(5):
        number = _free_display()
        proc = subprocess.Popen(
            ["Xvfb", f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            if Path(f"/tmp/.X11-unix/X{number}").exists() and _can_connect(number):
                break
            time.sleep(0.02)
        if proc.poll() is None:
            break
    else:
        pytest.fail("Xvfb did not start")
    name = f":{number}"
    try:
        yield Display(name, {"DISPLAY": name})
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _can_connect(number: int) -> bool:
    with contextlib.closing(socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)) as sock:
        try:
            sock.connect(f"/tmp/.X11-unix/X{number}")
        except OSError:
            return False
        return True


def wait_for(predicate: object, timeout: float = 15.0, interval: float = 0.05) -> object:
    """Poll ``predicate()`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()  # type: ignore[operator]
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {predicate!r}")
        time.sleep(interval)
