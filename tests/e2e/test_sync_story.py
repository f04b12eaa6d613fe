"""The whole sync story, as two people's computers live it (issue 18).

A real `twostep serve` with sync on and a real SMTP server (aiosmtpd); computers A and B are two
HOMEs running the real `twostep-auth` in subprocesses. A registers, the verification link is
read from the mail and opened in real Chromium, A adds accounts from a QR code image, B logs in
(its own entry is merged in), the server goes away, both change (add, rename, remove) and A's
change says once that it will be sent later, the server comes back, both sync, and both hold the
same accounts. The server's database dump and its output hold none of their secrets, account
names, passwords or keys.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from authenticator.sync_support import (
    ACCOUNT_PASSWORD,
    LINK_RE,
    VAULT_PASSWORD,
    Computer,
    Inbox,
    SyncServer,
    smtp_server,
    wait_for_mail,
)
from twostep.otp import make_qr_png

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(240)]
EMAIL = "ann@example.com"
SECRETS = {
    "github": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    "bank": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
    "mail": "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U",
    "shop": "ONSWG4TFORZWK3DMNFXGO3LFONZWCZ3F",
    "chat": "KRUGS4ZANFZSAYJAONSWG4TFOQQGWZLZ",
    "b-local": "NBSWY3DPFQQHO33SNRSCC2LTEBQSAY3P",
}
NAMES = ["Zorblex", "ann-zorb", "Quandorbank", "ann-bank", "Mailvox", "Shoplandia", "Chattero"]


def _uri(issuer: str, name: str, key: str) -> str:
    return f"otpauth://totp/{issuer}:{name}?secret={SECRETS[key]}&issuer={issuer}"


def _qr_image(tmp_path: Path, uris: list[str]) -> Path:
    from io import BytesIO

    from PIL import Image

    images = [Image.open(BytesIO(make_qr_png(uri, scale=4))) for uri in uris]
    canvas = Image.new(
        "RGB", (sum(i.width for i in images) + 20 * len(images), images[0].height), "white"
    )
    x = 0
    for image in images:
        canvas.paste(image, (x, 0))
        x += image.width + 20
    path = tmp_path / "codes.png"
    canvas.save(path)
    return path


def test_two_computers_register_log_in_change_apart_and_end_up_the_same(
    tmp_path: Path,
) -> None:
    started = time.monotonic()
    a, b = Computer(tmp_path / "a"), Computer(tmp_path / "b")
    a.setup()
    b.setup()
    with smtp_server() as (inbox, smtp_port):
        server = SyncServer(tmp_path / "server", smtp_port)
        _story(tmp_path, server, inbox, a, b)
    assert time.monotonic() - started < 120


def _story(tmp_path: Path, server: SyncServer, inbox: Inbox, a: Computer, b: Computer) -> None:
    url = server.url
    server.start()  # the same address after each restart
    cleanup: list[Callable[[], None]] = []
    try:
        # A adds two accounts from a QR code image, then registers.
        qr = _qr_image(
            tmp_path,
            [_uri("Zorblex", "ann-zorb", "github"), _uri("Quandorbank", "ann-bank", "bank")],
        )
        assert "Added Zorblex:ann-zorb" in a.ok("add", "--qr", str(qr)).stdout
        register = a.popen(
            "register",
            "--server",
            url,
            "--email",
            EMAIL,
            "--password-stdin",
            "--device-name",
            "laptop-a",
        )
        cleanup.append(register.kill)
        assert register.stdin is not None
        register.stdin.write(ACCOUNT_PASSWORD + "\n")
        register.stdin.close()
        mail = wait_for_mail(inbox, 1)
        link = LINK_RE.search(mail)
        assert link, mail
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page()
            page.goto(link.group(1))
            page.get_by_role("button", name="Confirm my address").click()
            expect(page.get_by_text("Your address is confirmed")).to_be_visible()
            browser.close()
        register.stdin = None  # written and closed above
        out, err = register.communicate(timeout=60)
        assert register.returncode == 0, (out, err)
        assert "the server's owner" in err  # said before the password was chosen
        recovery = "-".join(re.findall(r"^    ([A-Z2-7]{4}(?:-[A-Z2-7]{4})*)$", out, re.M))
        assert len(recovery) == 14 * 5 - 1, out  # 14 groups of 4, printed once
        assert a.status()["pending"] is False

        # B has an entry of its own, logs in: the account's entries appear, merged with it.
        b.ok("add", "--uri", _uri("Chattero", "ann-chat", "b-local"))
        login = b.login(url, EMAIL, "desktop-b")
        assert login.returncode == 0, login
        assert "in sync" in login.stdout
        assert b.accounts() == {
            ("Zorblex", "ann-zorb"),
            ("Quandorbank", "ann-bank"),
            ("Chattero", "ann-chat"),
        }
        devices = json.loads(b.ok("devices", "--json").stdout)
        assert sorted(d["name"] for d in devices) == ["desktop-b", "laptop-a"]
        a.ok("sync")
        assert a.accounts() == b.accounts()
    finally:
        for step in cleanup:
            step()
        server.stop()

    # Apart: the server is gone. Both change; nothing blocks, A is told once.
    first = a.ok("add", "--uri", _uri("Mailvox", "ann-mail", "mail"))
    assert "cannot be reached" in first.stderr
    second = a.ok("rename", "quandorbank", "Quandorbank:ann-savings")
    assert "cannot be reached" not in second.stderr  # said once
    b.ok("remove", "zorblex", "--yes")
    b.ok("add", "--uri", _uri("Shoplandia", "ann-shop", "shop"))
    assert a.status()["pending"] is True
    assert "waiting" in a.ok("status").stdout.lower()

    server.start()
    try:
        a.ok("sync")
        b.ok("sync")
        a.ok("sync")
        expected = {
            ("Quandorbank", "ann-savings"),
            ("Chattero", "ann-chat"),
            ("Mailvox", "ann-mail"),
            ("Shoplandia", "ann-shop"),
        }
        assert a.accounts() == expected
        assert b.accounts() == expected
        assert a.status()["pending"] is False
        assert b.status()["pending"] is False
    finally:
        server.stop()

    # What the server holds says nothing: no secret, no account name, no password or key.
    dump = server.dump()
    vault_key = base64.b64decode(a.payload()["sync"]["vault_key"])
    forbidden = [
        *SECRETS.values(),
        *NAMES,
        "ann-savings",
        ACCOUNT_PASSWORD,
        VAULT_PASSWORD,
        recovery,
        recovery[:9],
        base64.b64encode(vault_key).decode(),
        vault_key.hex(),
    ]
    forbidden.append(link.group(1).rstrip("/").rsplit("/", 1)[-1])  # the link's token
    assert any("/api/sync/v1/vault" in line for line in server.lines)  # the log is there
    for text in (dump, "\n".join(server.lines)):
        for value in forbidden:
            assert value not in text, value
    assert EMAIL in dump  # (the address is the one thing kept in clear, to mail it)
