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
import os
import re
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect, sync_playwright

from server.support import ServerProcess, base_env
from twostep.authenticator.vault import Vault
from twostep.otp import make_qr_png

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(240)]
ROOT = Path(__file__).resolve().parents[2]
TWOSTEP_AUTH = ROOT / ".venv" / "bin" / "twostep-auth"
VAULT_PASSWORD = "vault password of this computer"
ACCOUNT_PASSWORD = "lantern orbit quietly 7 pebbles"
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


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"

    def text(self, index: int) -> str:
        message = self.messages[index]
        parts = message.walk() if message.is_multipart() else [message]
        return "\n".join(
            str(p.get_payload(decode=True).decode())
            for p in parts
            if p.get_content_type() == "text/plain"
        )


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    port = _free_port()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Computer:
    """A HOME with its own vault, running the real CLI."""

    def __init__(self, root: Path) -> None:
        (root / "run").mkdir(parents=True, mode=0o700)
        self.vars = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": str(root),
            "XDG_DATA_HOME": str(root / "data"),
            "XDG_CACHE_HOME": str(root / "cache"),
            "XDG_RUNTIME_DIR": str(root / "run"),
            "TWOSTEP_VAULT": str(root / "vault.twostep"),
            "TWOSTEP_TEST_INSECURE_KDF": "1",
        }

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [str(TWOSTEP_AUTH), *args],
            env=self.vars,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def run(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(TWOSTEP_AUTH), *args],
            env=self.vars,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            start_new_session=True,
            check=False,
        )

    def ok(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        result = self.run(*args, stdin=stdin)
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        return result

    def setup(self) -> None:
        self.ok("init", "--password-stdin", "--weak-password-ok", stdin=VAULT_PASSWORD + "\n")
        out = self.ok("unlock", "--password-stdin", stdin=VAULT_PASSWORD + "\n").stdout
        self.vars["TWOSTEP_SESSION"] = out.strip().split("=", 1)[1].strip("'")

    def accounts(self) -> set[tuple[str, str]]:
        listed = json.loads(self.ok("list", "--json").stdout)
        return {(e["issuer"], e["account"]) for e in listed}

    def status(self) -> dict[str, Any]:
        return dict(json.loads(self.ok("status", "--json").stdout))

    def payload(self) -> dict[str, Any]:
        return Vault.unlock(Path(self.vars["TWOSTEP_VAULT"]), VAULT_PASSWORD).read_payload()


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


def _wait_for_mail(inbox: Inbox, count: int) -> str:
    deadline = time.monotonic() + 30
    while len(inbox.messages) < count:
        assert time.monotonic() < deadline, "no verification mail arrived"
        time.sleep(0.1)
    return inbox.text(count - 1)


def test_two_computers_register_log_in_change_apart_and_end_up_the_same(
    tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, smtp_port = smtp
    started = time.monotonic()
    port = _free_port()
    server_env = base_env(
        tmp_path / "server",
        TWOSTEP_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}",
        TWOSTEP_SYNC="anyone",
    )
    (tmp_path / "server").mkdir()

    def serve() -> ServerProcess:
        server = ServerProcess(server_env, workers=1, threads=4)
        server.args[server.args.index("--port") + 1] = str(port)  # the same address after a restart
        return server.start()

    a, b = Computer(tmp_path / "a"), Computer(tmp_path / "b")
    a.setup()
    b.setup()
    server = serve()
    outputs: list[str] = []  # what the server printed
    try:
        url = server.url.rstrip("/")
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
        assert register.stdin is not None
        register.stdin.write(ACCOUNT_PASSWORD + "\n")
        register.stdin.close()
        mail = _wait_for_mail(inbox, 1)
        link = re.search(r"(http://\S+/sync/verify/\S+)", mail)
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
        login = b.ok(
            "login",
            "--server",
            url,
            "--email",
            EMAIL,
            "--password-stdin",
            "--device-name",
            "desktop-b",
            stdin=ACCOUNT_PASSWORD + "\n",
        )
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
        server.stop()
    outputs += server.lines

    # Apart: the server is gone. Both change; nothing blocks, A is told once.
    first = a.ok("add", "--uri", _uri("Mailvox", "ann-mail", "mail"))
    assert "cannot be reached" in first.stderr
    second = a.ok("rename", "quandorbank", "Quandorbank:ann-savings")
    assert "cannot be reached" not in second.stderr  # said once
    b.ok("remove", "zorblex", "--yes")
    b.ok("add", "--uri", _uri("Shoplandia", "ann-shop", "shop"))
    assert a.status()["pending"] is True
    assert "waiting" in a.ok("status").stdout.lower()

    server = serve()
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
    outputs += server.lines

    # What the server holds says nothing: no secret, no account name, no password or key.
    db = sqlite3.connect(tmp_path / "server" / "twostep.sqlite3")
    dump = "\n".join(db.iterdump())
    db.close()
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
    for text in (dump, "\n".join(outputs)):
        for value in forbidden:
            assert value not in text, value
    assert EMAIL in dump  # (the address is the one thing kept in clear, to mail it)
    assert time.monotonic() - started < 120
