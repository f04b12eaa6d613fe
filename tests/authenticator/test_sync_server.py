"""The sync commands against a real `twostep serve` (sync on) and a real SMTP server.

One server for the module; computer A registers with the code from the mail (the browser path
is in tests/e2e/test_sync_story.py). Then: a race between two uploads (409, merge, retry), an
upload cut off by a dropped connection and by a killed process, devices and revoking, the
account password and the recovery key, and deleting the account.
"""

from __future__ import annotations

import json
import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from twostep.authenticator.entry import Entry
from twostep.authenticator.sync import engine
from twostep.authenticator.sync.api import SyncApi
from twostep.authenticator.vault import Vault
from twostep.otp import Account, Secret

from .sync_support import (
    ACCOUNT_PASSWORD,
    CODE_RE,
    VAULT_PASSWORD,
    Computer,
    Inbox,
    Proxy,
    SyncServer,
    smtp_server,
    wait_for_mail,
)
from .test_transfer_tty import Terminal

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]
EMAIL = "bea@example.com"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def uri(issuer: str, name: str = "bea") -> str:
    return f"otpauth://totp/{issuer}:{name}?secret={SECRET}&issuer={issuer}"


class World:
    def __init__(self, root: Path, server: SyncServer, inbox: Inbox) -> None:
        self.root = root
        self.server = server
        self.inbox = inbox
        self.password = ACCOUNT_PASSWORD
        self.recovery = ""
        self.a = self.computer("a")

    def computer(self, name: str) -> Computer:
        computer = Computer(self.root / name)
        computer.setup()
        return computer


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("sync")
    with smtp_server() as (inbox, smtp_port):
        server = SyncServer(root / "server", smtp_port).start()
        try:
            w = World(root, server, inbox)
            w.a.ok("add", "--uri", uri("Alpha"))
            proc = w.a.popen(
                "register", "--server", server.url, "--email", EMAIL, "--password-stdin"
            )
            try:
                assert proc.stdin is not None
                proc.stdin.write(ACCOUNT_PASSWORD + "\n")
                proc.stdin.close()
                proc.stdin = None
                code = CODE_RE.search(wait_for_mail(inbox, 1))
                assert code
                # Ctrl-C stops waiting for the link; the same command with the code finishes.
                assert proc.stderr is not None
                lines = []
                while not any("Waiting for the link" in line for line in lines):
                    lines.append(proc.stderr.readline())
                proc.send_signal(signal.SIGINT)
                _, err = proc.communicate(timeout=30)
                assert proc.returncode == 130
                assert "run the same command again" in err
            finally:
                proc.kill()
            finish = w.a.ok(
                "register", "--server", server.url, "--email", EMAIL, "--code", code.group(1)
            )
            w.recovery = "-".join(re.findall(r"^    ([A-Z2-7-]+)$", finish.stdout, re.M))
            yield w
        finally:
            server.stop()


def test_register_with_the_code_prints_the_recovery_key_once(world: World) -> None:
    assert len(world.recovery) == 14 * 5 - 1
    status = world.a.status()
    assert status["registered"]
    assert status["verified"]
    assert status["pending"] is False
    again = world.a.ok("register", "--server", world.server.url, "--email", EMAIL)
    assert "already registered" in again.stdout
    assert "RECOVERY" not in again.stdout  # printed once, then forgotten


def test_register_on_a_terminal_shows_a_spinner_and_takes_the_pasted_code(world: World) -> None:
    """On a terminal: the password twice, a spinner while waiting, a wrong code is said and
    waiting goes on, the right code pasted finishes it."""
    c = world.computer("tty-c")
    before = len(world.inbox.messages)
    term = Terminal(["register", "--server", world.server.url, "--email", "cy@example.com"], c.vars)
    term.expect("Choose an account password:")
    term.send("cy's own long passphrase here")
    term.expect("Again:")
    term.send("cy's own long passphrase here")
    term.expect("paste the code from the mail")
    term.expect("waiting for the confirmation")
    code = CODE_RE.search(wait_for_mail(world.inbox, before + 1))
    assert code
    term.send("AAAA-AAAA")
    term.expect("tries left")  # wrong: said (with the tries left), and it keeps waiting
    term.send(code.group(1).lower())
    seen = term.expect("RECOVERY KEY")
    assert term.wait() == 0
    assert "cy@example.com is confirmed" in seen
    assert c.status()["verified"] is True


def test_a_race_between_two_uploads_is_merged_and_retried(world: World, monkeypatch: Any) -> None:
    b = world.computer("race-b")
    assert b.login(world.server.url, EMAIL, "race-b", world.password).returncode == 0
    vault_b = Vault.unlock(Path(b.vars["TWOSTEP_VAULT"]), VAULT_PASSWORD)
    entry = Entry(Account(Secret.from_base32(SECRET), issuer="FromB", name="bea"))
    vault_b.update(lambda entries: entries.append(entry))  # a change not synced yet
    original = SyncApi.get_vault
    calls: list[int] = []

    def get_vault(self: SyncApi) -> dict[str, Any]:
        answer = original(self)
        calls.append(int(answer["version"]))
        if len(calls) == 1:  # A uploads right after B downloaded: B's upload is now stale
            world.a.ok("add", "--uri", uri("FromA"))
        return answer

    monkeypatch.setattr(SyncApi, "get_vault", get_vault)
    result = engine.sync(vault_b)
    assert len(calls) == 2  # 409, then downloaded again
    assert calls[1] > calls[0]
    assert result.uploaded
    assert result.received >= 1
    monkeypatch.setattr(SyncApi, "get_vault", original)
    world.a.ok("sync")
    for computer in (world.a, b):
        issuers = {issuer for issuer, _ in computer.accounts()}
        assert {"FromA", "FromB"} <= issuers


def test_an_interrupted_upload_leaves_the_vault_and_the_server_intact(world: World) -> None:
    proxy = Proxy(world.server.port)
    try:
        c = world.computer("cut-c")
        assert c.login(proxy.url, EMAIL, "cut-c", world.password).returncode == 0
        version = c.status()["version"]

        proxy.mode = "drop"  # the connection drops as the upload starts
        added = c.ok("add", "--uri", uri("Dropped"))
        assert "cannot be reached" in added.stderr
        assert ("Dropped", "bea") in c.accounts()
        assert c.status()["pending"] is True

        proxy.mode = "hang"  # the upload hangs, and the process is killed
        proxy.seen_upload.clear()
        proc = c.popen("sync")
        assert proxy.seen_upload.wait(30)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=10)
        assert ("Dropped", "bea") in c.accounts()  # the vault opens, nothing lost
        assert c.status()["pending"] is True
        world.a.ok("sync")
        assert ("Dropped", "bea") not in world.a.accounts()  # the server kept its last version
        assert c.status()["version"] == version

        proxy.mode = "pass"
        sent = json.loads(c.ok("sync", "--json").stdout)
        assert sent["uploaded"] is True
        assert sent["version"] > version
        assert c.status()["pending"] is False
        world.a.ok("sync")
        assert ("Dropped", "bea") in world.a.accounts()
    finally:
        proxy.stop()


def test_login_keeps_an_account_both_sides_have_once(world: World) -> None:
    h = world.computer("dup-h")
    h.ok("add", "--uri", uri("Alpha"))  # the very same account as A's (issuer, name, secret)
    h.ok("add", "--uri", uri("OnlyOnH"))
    assert h.login(world.server.url, EMAIL, "dup-h", world.password).returncode == 0
    listed = json.loads(h.ok("list", "--json").stdout)
    assert [e["issuer"] for e in listed].count("Alpha") == 1
    world.a.ok("sync")
    assert [issuer for issuer, _ in world.a.accounts()].count("Alpha") == 1
    assert ("OnlyOnH", "bea") in world.a.accounts()


def test_watch_sends_waiting_changes_and_shows_what_came(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import time

    from twostep.authenticator import services
    from twostep.authenticator.tui import WatchApp

    w = world.computer("watch-w")
    assert w.login(world.server.url, EMAIL, "watch-w", world.password).returncode == 0
    for key, value in w.vars.items():
        monkeypatch.setenv(key, value)
    auth = services.open_vault()
    auth.auto_sync = False
    entry = Entry(Account(Secret.from_base32(SECRET), issuer="FromWatch", name="bea"))
    auth.update(lambda entries: entries.append(entry))  # saved, not sent: it waits
    world.a.ok("add", "--uri", uri("SeenInWatch"))  # and A has something new

    async def scenario() -> None:
        app = WatchApp(services.open_vault())
        async with app.run_test(size=(120, 30)) as pilot:
            deadline = time.monotonic() + 30
            while "nothing waiting" not in app.sync_line():
                assert time.monotonic() < deadline, app.sync_line()
                await pilot.pause(0.2)
            labels = [e.label for e in app.visible_entries()]
            assert "SeenInWatch:bea" in labels

    asyncio.run(scenario())
    world.a.ok("sync")
    assert ("FromWatch", "bea") in world.a.accounts()


def test_devices_are_listed_and_a_revoked_one_is_refused_at_once(world: World) -> None:
    d = world.computer("lost-d")
    assert d.login(world.server.url, EMAIL, "lost-laptop", world.password).returncode == 0
    listed = json.loads(world.a.ok("devices", "--json").stdout)
    assert "lost-laptop" in [device["name"] for device in listed]
    assert "(this computer)" in world.a.ok("devices").stdout
    world.a.ok("devices", "--revoke", "lost-laptop")
    refused = d.run("sync")
    assert refused.returncode == 12
    assert "log in again" in refused.stderr
    names = [device["name"] for device in json.loads(world.a.ok("devices", "--json").stdout)]
    assert "lost-laptop" not in names


def test_the_account_password_changes_and_the_recovery_key_sets_a_new_one(world: World) -> None:
    new = "a brand new account passphrase 42"
    world.a.ok("account", "password", "--password-stdin", stdin=f"{world.password}\n{new}\n")
    old, world.password = world.password, new
    e = world.computer("pw-e")
    assert e.login(world.server.url, EMAIL, "pw-e", old).returncode == 3  # the old one is gone
    assert e.login(world.server.url, EMAIL, "pw-e", new).returncode == 0
    assert ("Alpha", "bea") in e.accounts()

    f = world.computer("recover-f")
    newest = "recovered passphrase for bea 77"
    recovered = f.run(
        "recover",
        "--server",
        world.server.url,
        "--email",
        EMAIL,
        "--password-stdin",
        "--json",
        stdin=f"{world.recovery.lower()}\n{newest}\n",
    )
    assert recovered.returncode == 0, recovered
    said = json.loads(recovered.stdout)  # one JSON object, nothing else on stdout
    assert (said["email"], said["server"], said["vault_created"]) == (
        EMAIL,
        world.server.url,
        False,
    )
    assert said["device"]
    assert said["entries"] >= 1
    assert said["version"] >= 1
    assert ("Alpha", "bea") in f.accounts()
    world.password = newest
    g = world.computer("after-g")
    assert g.login(world.server.url, EMAIL, "after-g", newest).returncode == 0
    world.a.ok("sync")  # A's device still works: the vault key did not change


def test_deleting_the_account_removes_everything_the_server_holds(world: World) -> None:
    b = world.computer("del-b")
    assert b.login(world.server.url, EMAIL, "del-b", world.password).returncode == 0
    no_tty = world.a.run("account", "delete", "--password-stdin", stdin=world.password + "\n")
    assert no_tty.returncode == 2  # without a terminal it asks for --yes
    world.a.ok("account", "delete", "--yes", "--password-stdin", stdin=world.password + "\n")
    assert world.a.status() == {"registered": False}
    assert ("Alpha", "bea") in world.a.accounts()  # the vault here stays
    assert b.run("sync").returncode == 12
    dump = world.server.dump()
    assert EMAIL not in dump
    # At most cy's account (the terminal test) is left: one account, one vault, one device.
    for table in ("sync_syncaccount", "sync_syncvault", "sync_syncdevice"):
        assert dump.count(f'INSERT INTO "{table}"') <= 1, table
