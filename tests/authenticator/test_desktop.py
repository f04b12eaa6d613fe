"""The desktop: ``add --screen`` reads a QR code a real Chromium window shows, ``--copy`` uses the
real X clipboard (xclip) and clears it. Each test runs its own Xvfb."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from twostep.otp import Account, Secret, make_qr_png, parse_uri

from .conftest import SECRET, URI, Display, Env, wait_for

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.slow


def clipboard(display: Display) -> str:
    proc = subprocess.run(
        ["xclip", "-o", "-selection", "clipboard"],
        capture_output=True,
        text=True,
        env={**os.environ, **display.env},
        timeout=10,
        check=False,
    )
    return proc.stdout if proc.returncode == 0 else ""


def set_clipboard(display: Display, text: str) -> None:
    subprocess.run(
        ["xclip", "-selection", "clipboard"],
        input=text,
        text=True,
        env={**os.environ, **display.env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=10,
        check=True,
    )


def clearer_processes(display: Display) -> list[int]:
    """Pids of clipboard-clearing helpers started on this display."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"twostep.authenticator.clipboard" in cmdline and (
            f"DISPLAY={display.name}".encode() in environ
        ):
            pids.append(int(entry.name))
    return pids


@pytest.fixture
def browser_showing_qr(xvfb: Display, tmp_path: Path) -> Iterator[str]:
    """Chromium, not headless, on the Xvfb display, showing a page with a setup QR code."""
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed (the test environment has it)")
    uri = (
        "otpauth://totp/Zoom:new.user@example.com?secret=KRUGKIDROVUWG2ZAMJZG653OEBTG66BA"
        "&issuer=Zoom"
    )
    page = tmp_path / "setup.html"
    (tmp_path / "qr.png").write_bytes(make_qr_png(uri, scale=6))
    page.write_text(
        "<!doctype html><title>Two-step verification</title>"
        "<body style='background:#fff;margin:40px;font-family:sans-serif'>"
        "<h1>Scan the QR code</h1><p>Open your authenticator app and scan:</p>"
        "<img src='qr.png' alt='QR code'></body>"
    )
    proc = subprocess.Popen(
        [
            CHROMIUM,
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
            "--password-store=basic",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-position=0,0",
            "--window-size=1000,760",
            f"--app=file://{page}",
        ],
        env={**os.environ, **xvfb.env, "HOME": str(tmp_path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield uri
    finally:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
        shutil.rmtree(tmp_path / "profile", ignore_errors=True)


def test_add_screen_finds_the_qr_code_shown_in_a_browser(
    unlocked: Env, xvfb: Display, browser_showing_qr: str
) -> None:
    expected = parse_uri(browser_showing_qr)

    def scanned() -> object:
        result = unlocked.run("add", "--screen", extra=xvfb.env)
        if result.code == 0:
            return result
        assert "no QR code" in result.err or "none with an OTP account" in result.err, result
        return None

    result = wait_for(scanned, timeout=60, interval=0.3)
    assert "Added Zoom:new.user@example.com (TOTP, 6 digits, 30 s)." in result.out  # type: ignore[attr-defined]
    at = 1_900_000_000
    code = unlocked.ok("code", "zoom", "--at", str(at)).out.strip()
    assert code == expected.generate(at)


def test_code_copy_puts_the_code_on_the_clipboard_then_clears_it(
    unlocked: Env, xvfb: Display
) -> None:
    unlocked.ok("add", "--uri", URI)
    result = unlocked.run("code", "acme", "--copy", "--clear-after", "1", extra=xvfb.env)
    assert result.code == 0, result
    assert result.out == ""  # the code went to the clipboard, not to the screen
    assert "copied to the clipboard (clears in 1 s)" in result.err
    copied = wait_for(lambda: clipboard(xvfb))
    account = Account(Secret.from_base32(SECRET))
    account.verify(str(copied), at=time.time(), window=1)  # a valid current code
    wait_for(lambda: clipboard(xvfb) == "", timeout=20)
    wait_for(lambda: not clearer_processes(xvfb))  # the helper exits once done


def test_clearing_leaves_something_else_the_user_copied_meanwhile(
    unlocked: Env, xvfb: Display
) -> None:
    unlocked.ok("add", "--uri", URI)
    unlocked.ok("code", "acme", "--copy", "--clear-after", "1", extra=xvfb.env)
    wait_for(lambda: clipboard(xvfb).isdigit())
    set_clipboard(xvfb, "my own text")
    wait_for(lambda: clipboard(xvfb) == "my own text")
    wait_for(lambda: not clearer_processes(xvfb), timeout=20)  # the helper has finished
    assert clipboard(xvfb) == "my own text"


def test_copy_without_any_clipboard_fails_clearly(unlocked: Env) -> None:
    unlocked.ok("add", "--uri", URI)
    result = unlocked.run("code", "acme", "--copy")  # no DISPLAY at all
    assert result.code == 8
    assert "no clipboard available" in result.err
    assert "Traceback" not in result.err
