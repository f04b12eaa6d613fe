"""Two writers at once: the lock serialises them, nothing is lost; a stuck lock fails clearly."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from twostep.authenticator.services import open_vault
from twostep.authenticator.vault.storage import write_lock

from .conftest import URI, Env

WRITER = textwrap.dedent(
    """
    import sys
    from twostep.authenticator import services
    from twostep.authenticator.entry import Entry
    from twostep.otp import Account, Secret

    name, count = sys.argv[1], int(sys.argv[2])
    auth = services.open_vault()
    sys.stdout.write("ready\\n"); sys.stdout.flush()
    sys.stdin.readline()  # start together
    for i in range(count):
        auth.add(Entry(Account(Secret.generate(), issuer=name, name=f"user{i}")))
    """
)


@pytest.mark.slow
def test_two_writers_at_once_lose_nothing(unlocked: Env) -> None:
    count = 25
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, name, str(count)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=unlocked.environ(),
        )
        for name in ("first", "second")
    ]
    for proc in procs:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "ready\n"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    entries = open_vault().entries()
    labels = sorted(e.label for e in entries)
    expected = sorted(f"{w}:user{i}" for w in ("first", "second") for i in range(count))
    assert labels == expected


def test_second_writer_waits_then_fails_clearly_when_the_lock_is_held(unlocked: Env) -> None:
    before = unlocked.vault.read_bytes()
    with write_lock(unlocked.vault):
        result = unlocked.run("add", "--uri", URI, extra={"TWOSTEP_LOCK_TIMEOUT": "0.3"})
    assert result.code == 7
    assert "another twostep-auth process is writing" in result.err
    assert "Traceback" not in result.err
    assert unlocked.vault.read_bytes() == before
    # Once the lock is free the same command works.
    assert unlocked.run("add", "--uri", URI).code == 0


def test_readers_do_not_wait_for_the_writer_lock(unlocked: Env) -> None:
    unlocked.ok("add", "--uri", URI)
    with write_lock(unlocked.vault):
        result = unlocked.run("list", extra={"TWOSTEP_LOCK_TIMEOUT": "0.3"})
    assert result.code == 0
    assert "alice@example.com" in result.out
