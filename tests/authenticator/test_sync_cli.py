"""The sync commands as a user runs them, where no server is needed: an unregistered vault,
a server that does not answer, addresses that must be refused, and the help texts."""

from __future__ import annotations

import json
import socket

import pytest

from .conftest import URI, Env


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


def _registered_offline(env: Env) -> None:
    """Sync settings as `register` leaves them, for a server that has gone away."""
    import secrets
    import time

    from twostep.authenticator import services
    from twostep.authenticator.sync.state import SyncState, write_state

    state = SyncState.new(
        server=f"http://127.0.0.1:{_closed_port()}",
        email="ann@example.com",
        device={"device_token": "tsy_x_y", "device_id": "d1"},
        name="laptop",
        vault_key=secrets.token_bytes(32),
    )
    state.verified, state.last_sync = True, time.time() - 300

    def save(payload: dict) -> None:
        state.synced_clock = int(payload.get("clock", 0))  # everything so far was sent
        write_state(payload, state)

    services.open_vault().vault.update_payload(save)


def test_a_change_while_the_server_is_away_is_saved_and_said_once(unlocked: Env) -> None:
    _registered_offline(unlocked)
    assert json.loads(unlocked.ok("status", "--json").out)["pending"] is False
    first = unlocked.ok("add", "--uri", URI)  # exit 0: the change is not blocked
    assert "cannot be reached" in first.err
    assert "next sync" in first.err
    second = unlocked.ok("rename", "acme", "--account", "alice@work")
    assert "cannot be reached" not in second.err  # said once
    assert [e["account"] for e in json.loads(unlocked.ok("list", "--json").out)] == ["alice@work"]
    status = json.loads(unlocked.ok("status", "--json").out)
    assert status["pending"] is True
    assert status["offline_since"] is not None
    text = unlocked.ok("status").out
    assert "changes not sent yet" in text
    assert "5 min ago" in text  # the last sync
    failed = unlocked.run("sync")
    assert failed.code == 11
    assert "cannot be reached" in failed.err


def test_watch_shows_the_same_sync_state(unlocked: Env) -> None:
    import asyncio

    from twostep.authenticator import services
    from twostep.authenticator.tui import WatchApp

    unlocked.ok("add", "--uri", URI)

    async def scenario(expected: list[str]) -> None:
        app = WatchApp(services.open_vault())
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            line = app.sync_line()
            for words in expected:
                assert words in line, line

    asyncio.run(scenario(["sync: off"]))
    _registered_offline(unlocked)
    asyncio.run(scenario(["ann@example.com", "synced 5 min ago", "nothing waiting"]))
    unlocked.ok("rename", "acme", "--account", "alice@work")
    asyncio.run(scenario(["changes waiting to be sent", "server unreachable"]))


def test_passwd_on_a_registered_vault_says_the_account_password_is_separate(
    unlocked: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .conftest import PASSWORD

    plain = unlocked.ok("passwd", "--password-stdin", input=f"{PASSWORD}\n{PASSWORD} two\n")
    assert "account password" not in plain.err
    monkeypatch.setenv("TWOSTEP_SESSION", unlocked.unlock(PASSWORD + " two"))
    _registered_offline(unlocked)
    told = unlocked.ok("passwd", "--password-stdin", input=f"{PASSWORD} two\n{PASSWORD} 3\n")
    assert "twostep-auth account password" in told.err
