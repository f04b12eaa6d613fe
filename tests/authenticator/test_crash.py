"""A writer killed at any instant leaves a vault that opens, with the old or the new content."""

from __future__ import annotations

import os
import random
import select
import signal
import time
from pathlib import Path

import pytest

from twostep.authenticator.entry import Entry
from twostep.authenticator.vault import Vault
from twostep.authenticator.vault.crypto import insecure_test_params
from twostep.authenticator.vault.storage import backup_path
from twostep.otp import Account, Secret

from .conftest import PASSWORD

KILLS = 200
SECRET = Secret.generate()


def _state(entries: list[Entry]) -> int:
    """The generation encoded in a consistent entry list; fails if the list is inconsistent."""
    if not entries:
        return 0
    numbers = {int(e.account.name.split("-")[0]) for e in entries}
    assert len(numbers) == 1, "entries from two different saves"
    (number,) = numbers
    assert sorted(int(e.account.name.split("-")[1]) for e in entries) == list(range(number % 5 + 1))
    return number


def _next_state(entries: list[Entry]) -> None:
    number = _state(entries) + 1
    entries[:] = [
        Entry(Account(SECRET, issuer="Crash", name=f"{number}-{i}"), note="x" * (100 * i))
        for i in range(number % 5 + 1)
    ]


def _writer(vault: Vault, ready: int) -> None:
    """Child process: say it is running, then save new states as fast as possible until killed."""
    try:
        os.write(ready, b"!")
        while True:
            vault.update(_next_state)
    finally:
        os._exit(1)


@pytest.mark.slow
def test_vault_survives_sigkill_at_random_points(tmp_path: Path) -> None:
    path = tmp_path / "crash.twostep"
    vault = Vault.create(path, PASSWORD, kdf=insecure_test_params())
    vault.update(_next_state)  # imports everything before forking
    rng = random.Random(20261123)
    last = _state(vault.read_entries())
    interrupted_writes = 0
    progressed = 0
    for _ in range(KILLS):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child is killed
            os.close(read_end)
            _writer(vault, write_end)
        os.close(write_end)
        # Wait until the writer runs (a loaded machine may start it late), then let the kill land
        # at a random point of its saves: the delay picks the point, nothing asserts on time.
        ready, _, _ = select.select([read_end], [], [], 60)
        assert ready, "the writer process did not start"
        os.read(read_end, 1)
        os.close(read_end)
        time.sleep(rng.uniform(0.0, 0.03))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status), "the writer must die by the kill, not on its own"
        if any(p.name.startswith(".tmp-") for p in tmp_path.iterdir()):
            interrupted_writes += 1
        # The vault opens, with a whole state not older than the last one seen.
        current = _state(Vault.unlock(path, PASSWORD).read_entries())
        assert current >= last
        progressed += current > last
        last = current
        if backup_path(path).exists():
            _state(Vault.unlock(backup_path(path), PASSWORD).read_entries())
    print(f"{progressed=} {interrupted_writes=} {last=}")
    assert progressed >= KILLS // 10, "the writer should complete saves between kills"
    assert interrupted_writes >= 10, "kills should land in the middle of writes too"
    # And the next writer cleans up whatever the dead ones left behind.
    Vault.unlock(path, PASSWORD).update(_next_state)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
