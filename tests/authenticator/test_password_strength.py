"""Vault passwords (issue 15, item 8): ``init`` and ``passwd`` refuse a password that is trivially
guessable, say why (zxcvbn's feedback), and take it with ``--weak-password-ok``."""

from __future__ import annotations

import pytest

from twostep.authenticator.vault import Vault

from .conftest import PASSWORD, URI, Env


@pytest.mark.parametrize("weak", ["x", "password", "12345678", "qwerty", "hunter2"])
def test_init_refuses_a_trivially_guessable_password(env: Env, weak: str) -> None:
    result = env.run("init", "--password-stdin", input=weak + "\n")
    assert result.code == 2
    assert "too easy to guess" in result.err
    assert "--weak-password-ok" in result.err
    assert not env.vault.exists()


@pytest.mark.parametrize("weak", ["hunter2", "12345678", "letmein1"])
def test_the_refusal_never_echoes_the_password(env: Env, weak: str) -> None:
    result = env.run("init", "--password-stdin", input=weak + "\n")
    assert result.code == 2
    assert weak.casefold() not in (result.out + result.err).casefold()


def test_the_refusal_gives_zxcvbns_reason(env: Env) -> None:
    common = env.run("init", "--password-stdin", input="password\n")
    assert "top-10 common password" in common.err
    short = env.run("init", "--password-stdin", input="x\n")
    assert "Add another word or two" in short.err


def test_init_takes_a_weak_password_when_told_to(env: Env) -> None:
    made = env.ok("init", "--password-stdin", "--weak-password-ok", input="x\n")
    assert "Created the vault" in made.out
    assert "easy to guess" in made.err  # still said, as a warning
    assert Vault.unlock(env.vault, "x").read_entries() == []


def test_a_passphrase_is_accepted(env: Env) -> None:
    made = env.ok("init", "--password-stdin", input=PASSWORD + "\n")
    assert "easy to guess" not in made.err


def test_passwd_refuses_a_weak_new_password_and_changes_nothing(vault: Env) -> None:
    vault.ok("add", "--uri", URI, "--password-stdin", input=PASSWORD + "\n")
    before = vault.vault.read_bytes()
    result = vault.run("passwd", "--password-stdin", input=f"{PASSWORD}\nabc\n")
    assert result.code == 2
    assert "too easy to guess" in result.err
    assert vault.vault.read_bytes() == before
    vault.ok("passwd", "--password-stdin", "--weak-password-ok", input=f"{PASSWORD}\nabc\n")
    assert len(Vault.unlock(vault.vault, "abc").read_entries()) == 1


def test_help_tells_of_the_check_and_the_override(env: Env) -> None:
    for command in ("init", "passwd"):
        text = env.ok(command, "--help").out
        assert "--weak-password-ok" in text
        assert "zxcvbn" in text
