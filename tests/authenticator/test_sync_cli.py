"""The sync commands as a user runs them, where no server is needed: an unregistered vault,
a server that does not answer, addresses that must be refused, and the help texts."""

from __future__ import annotations

import json
import socket

import pytest

from .conftest import URI, Env


@pytest.fixture
def unlocked(env: Env) -> Env:
    env.init()
    env.unlock()
    return env


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_status_of_an_unregistered_vault(unlocked: Env) -> None:
    assert "not registered" in unlocked.ok("status").out
    assert json.loads(unlocked.ok("status", "--json").out) == {"registered": False}


def test_sync_without_an_account_says_how_to_get_one(unlocked: Env) -> None:
    result = unlocked.run("sync")
    assert result.code == 10
    assert "twostep-auth register --server URL --email ADDRESS" in result.err


def test_register_with_a_server_that_does_not_answer_changes_nothing(unlocked: Env) -> None:
    unlocked.ok("add", "--uri", URI)
    before = unlocked.vault.read_bytes()
    result = unlocked.run(
        "register",
        "--server",
        f"http://127.0.0.1:{_closed_port()}",
        "--email",
        "ann@example.com",
        "--password-stdin",
        input="a long account passphrase here\n",
    )
    assert result.code == 11, result
    assert "cannot be reached" in result.err
    assert "nobody" in result.err.lower() or "anyone" in result.err  # said before it matters
    assert unlocked.vault.read_bytes() == before
    assert json.loads(unlocked.ok("status", "--json").out) == {"registered": False}


@pytest.mark.parametrize(
    ("server", "words"),
    [("http://sync.example.com", "plain http"), ("ftp://sync.example.com", "not a server")],
)
def test_addresses_that_would_leak_or_make_no_sense_are_refused(
    unlocked: Env, server: str, words: str
) -> None:
    result = unlocked.run(
        "login", "--server", server, "--email", "ann@example.com", "--password-stdin", input="x\n"
    )
    assert result.code == 2
    assert words in result.err


def test_the_help_teaches_what_the_server_can_and_cannot_read(env: Env) -> None:
    text = env.ok("register", "--help").out
    assert "the server's owner included" in text
    assert "recovery key" in text
    assert "twostep-auth register --server" in env.ok("--help").out
    assert "--revoke" in env.ok("devices", "--help").out
