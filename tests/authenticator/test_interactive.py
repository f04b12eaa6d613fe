"""The questions a person at a terminal is asked (password twice, confirmation), in a real
pseudo-terminal (tmux)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from twostep.authenticator.vault import Vault

from .conftest import PASSWORD, TWOSTEP_AUTH, URI, Env, wait_for

pytestmark = pytest.mark.slow


class Terminal:
    def __init__(self, env: Env, tmp_path: Path) -> None:
        self.socket = tmp_path / "tmux.sock"
        self.env = env.environ({"TERM": "xterm"})
        self.env.pop("TMUX", None)

    def start(self, *args: str) -> None:
        command = " ".join([str(TWOSTEP_AUTH), *args]) + "; echo EXITED=$?; sleep 60"
        subprocess.run(
            [
                "tmux",
                "-S",
                str(self.socket),
                "-f",
                os.devnull,
                "new-session",
                "-d",
                "-x",
                "120",
                "-y",
                "30",
                "sh",
                "-c",
                command,
            ],
            env=self.env,
            check=True,
            timeout=20,
        )

    def screen(self) -> str:
        return subprocess.run(
            ["tmux", "-S", str(self.socket), "capture-pane", "-p"],
            capture_output=True,
            text=True,
            check=True,
            timeout=20,
        ).stdout

    def wait_for(self, text: str) -> str:
        return str(wait_for(lambda: (s := self.screen()) and (s if text in s else None), 30))

    def type(self, text: str) -> None:
        subprocess.run(
            ["tmux", "-S", str(self.socket), "send-keys", "-l", text], check=True, timeout=20
        )
        subprocess.run(
            ["tmux", "-S", str(self.socket), "send-keys", "Enter"], check=True, timeout=20
        )

    def close(self) -> None:
        subprocess.run(
            ["tmux", "-S", str(self.socket), "kill-server"],
            check=False,
            capture_output=True,
            timeout=20,
        )


@pytest.fixture
def terminal(env: Env, tmp_path: Path):  # type: ignore[no-untyped-def]
    term = Terminal(env, tmp_path)
    yield term
    term.close()


def test_init_asks_twice_without_echo(env: Env, terminal: Terminal) -> None:
    terminal.start("init")
    terminal.wait_for("New password:")
    terminal.type(PASSWORD)
    terminal.wait_for("Again:")
    terminal.type(PASSWORD)
    screen = terminal.wait_for("EXITED=0")
    assert "Created the vault" in screen
    assert PASSWORD not in screen  # not echoed
    assert Vault.unlock(env.vault, PASSWORD).read_entries() == []


def test_init_with_two_different_passwords_creates_nothing(env: Env, terminal: Terminal) -> None:
    terminal.start("init")
    terminal.wait_for("New password:")
    terminal.type(PASSWORD)
    terminal.wait_for("Again:")
    terminal.type(PASSWORD + "!")
    screen = terminal.wait_for("EXITED=2")
    assert "the passwords do not match" in screen
    assert not env.vault.exists()


def test_locked_command_asks_for_the_password(vault: Env, terminal: Terminal) -> None:
    vault.ok("add", "--uri", URI, "--password-stdin", input=PASSWORD + "\n")
    terminal.start("list")
    terminal.wait_for("Password:")
    terminal.type(PASSWORD)
    screen = terminal.wait_for("EXITED=0")
    assert "alice@example.com" in screen


def test_expired_session_falls_back_to_the_password(unlocked: Env, tmp_path: Path) -> None:
    for item in unlocked.sessions.iterdir():
        item.unlink()  # revoked behind the shell's back
    term = Terminal(unlocked, tmp_path)
    try:
        term.start("list")
        screen = term.wait_for("Password:")
        assert "expired or was locked" in screen
        term.type(PASSWORD)
        term.wait_for("EXITED=0")
    finally:
        term.close()


def test_remove_asks_and_no_keeps_the_entry(unlocked: Env, terminal: Terminal) -> None:
    unlocked.ok("add", "--uri", URI)
    terminal.env["TWOSTEP_SESSION"] = unlocked.vars["TWOSTEP_SESSION"]
    terminal.start("remove", "acme")
    terminal.wait_for("Remove ACME Co:alice@example.com?")
    terminal.type("n")
    assert "nothing removed" in terminal.wait_for("EXITED=1")
    assert "alice@example.com" in unlocked.ok("list").out


def test_add_by_hand_asks_for_the_secret_without_echo(unlocked: Env, terminal: Terminal) -> None:
    terminal.env["TWOSTEP_SESSION"] = unlocked.vars["TWOSTEP_SESSION"]
    terminal.start("add", "--issuer", "Shop", "--account", "me")
    terminal.wait_for("Secret (base32):")
    terminal.type("JBSW Y3DP EHPK 3PXP")
    screen = terminal.wait_for("EXITED=0")
    assert "JBSW" not in screen
    assert "Added Shop:me" in screen


REENROL = "--issuer twostep --account carol@example.com --secret"
OLD_SECRET, NEW_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


def _secrets(env: Env) -> list[str]:
    return [e.account.secret.base32 for e in Vault.unlock(env.vault, PASSWORD).read_entries()]


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        ("y", (0, "Replaced twostep:carol@example.com", [NEW_SECRET])),
        ("k", (0, "Added twostep:carol@example.com", [OLD_SECRET, NEW_SECRET])),
        ("", (1, "not added: twostep:carol@example.com", [OLD_SECRET])),
    ],
)
def test_add_asks_before_replacing_a_reenrolled_account(
    unlocked: Env, terminal: Terminal, answer: str, outcome: tuple[int, str, list[str]]
) -> None:
    exited, said, after = outcome
    unlocked.ok("add", *REENROL.split(), OLD_SECRET)
    terminal.start("add", REENROL, NEW_SECRET)
    screen = terminal.wait_for("[y]es / [k]eep both / [N]o, skip:")
    assert "twostep:carol@example.com is already in the vault with another secret" in screen
    terminal.type(answer)
    screen = terminal.wait_for(f"EXITED={exited}")
    assert said in screen
    assert _secrets(unlocked) == after
