"""Sessions as a unit: expiry by age and idleness, binding to one vault, what the file holds."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from twostep.authenticator.errors import VaultLockedError
from twostep.authenticator.session import (
    create_session,
    open_session,
    revoke_all_sessions,
    revoke_session,
)

KEY = bytes(range(32))
NOW = float(int(time.time()))  # file times are real: the clock is read once


@pytest.fixture
def sessions(tmp_path: Path) -> Path:
    return tmp_path / "sessions"


def _new(sessions: Path, vault: Path, **kw: int) -> str:
    return create_session(sessions, vault, KEY, "kid", now=NOW, **kw)


def _touch(path: Path, at: float) -> None:
    os.utime(path, (at, at))


def test_round_trip(sessions: Path, tmp_path: Path) -> None:
    token = _new(sessions, tmp_path / "v")
    (file,) = sessions.iterdir()
    _touch(file, NOW)
    assert open_session(token, sessions, tmp_path / "v", now=NOW + 1) == (KEY, "kid")
    assert KEY not in file.read_bytes()
    assert KEY.hex() not in token


def test_expires_after_max_age_even_when_used(sessions: Path, tmp_path: Path) -> None:
    token = _new(sessions, tmp_path / "v", idle=600, max_age=3600)
    (file,) = sessions.iterdir()
    for minutes in range(0, 60, 5):  # used every 5 minutes: idle never runs out
        _touch(file, NOW + minutes * 60)
        open_session(token, sessions, tmp_path / "v", now=NOW + minutes * 60 + 1)
    _touch(file, NOW + 3600)
    with pytest.raises(VaultLockedError, match="expired"):
        open_session(token, sessions, tmp_path / "v", now=NOW + 3600)
    assert not file.exists()


def test_expires_when_idle(sessions: Path, tmp_path: Path) -> None:
    token = _new(sessions, tmp_path / "v", idle=900)
    (file,) = sessions.iterdir()
    _touch(file, NOW)
    open_session(token, sessions, tmp_path / "v", now=NOW + 899)
    _touch(file, NOW)
    with pytest.raises(VaultLockedError):
        open_session(token, sessions, tmp_path / "v", now=NOW + 900)


def test_metadata_is_authenticated(sessions: Path, tmp_path: Path) -> None:
    """Extending the expiry in the file (without the key) makes the session unusable."""
    token = _new(sessions, tmp_path / "v", max_age=60)
    (file,) = sessions.iterdir()
    record = json.loads(file.read_text())
    record["expires"] += 10**6
    file.write_text(json.dumps(record))
    _touch(file, NOW + 100)
    with pytest.raises(VaultLockedError):
        open_session(token, sessions, tmp_path / "v", now=NOW + 100)


def test_session_belongs_to_one_vault(sessions: Path, tmp_path: Path) -> None:
    token = _new(sessions, tmp_path / "v")
    (file,) = sessions.iterdir()
    _touch(file, NOW)
    with pytest.raises(VaultLockedError, match="another vault"):
        open_session(token, sessions, tmp_path / "other", now=NOW + 1)


def test_revoke(sessions: Path, tmp_path: Path) -> None:
    a = _new(sessions, tmp_path / "a")
    _new(sessions, tmp_path / "a")
    _new(sessions, tmp_path / "b")
    assert revoke_session(a, sessions) is True
    assert revoke_session(a, sessions) is False
    assert revoke_all_sessions(sessions, tmp_path / "a") == 1
    assert len(list(sessions.iterdir())) == 1
    assert revoke_all_sessions(sessions) == 1


def test_expired_sessions_are_cleaned_up_when_a_new_one_is_made(
    sessions: Path, tmp_path: Path
) -> None:
    _new(sessions, tmp_path / "v", max_age=10)
    create_session(sessions, tmp_path / "v", KEY, "kid", now=NOW + 20)
    assert len(list(sessions.iterdir())) == 1
