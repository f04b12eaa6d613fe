"""An application that uses the SDK gets its types (py.typed): ``mypy --strict`` catches a
typo in a result field, sync and async, and passes the same code spelt right."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

APP = """\
from twostep.sdk import AsyncClient, Client, ThrottledError


def signed_in(client: Client, code: str) -> bool:
    try:
        result = client.verify(code, username="alice")
    except ThrottledError as exc:
        return exc.retry_after is None
    left: int | None = result.recovery_codes_left
    return result.valid and left != 0


async def enrolled(client: AsyncClient) -> bool:
    status = await client.status(external_id="42")
    return status.enrolled and status.user.is_active


def role_names(client: Client) -> list[str]:
    return [role.name for role in client.list_roles()]


async def usernames(client: AsyncClient) -> list[str]:
    return [user.username async for user in client.iter_users()]


def step(client: Client) -> str:
    return client.sign_in("alice", "secret").status
"""

TYPOS = {
    "result.valid and": "result.vaild and",
    "status.enrolled and": "status.enroled and",
    "role.name for": "role.nmae for",
    "user.username async": "user.usename async",
    '"secret").status': '"secret").stauts',
}


def _mypy(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    app = tmp_path / "app.py"
    app.write_text(source, encoding="utf-8")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(tmp_path / "cache"),
            "app.py",
        ],
        cwd=tmp_path,  # no project configuration: as an application of its own
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_mypy_strict_catches_a_typo_in_a_result_field(tmp_path: Path) -> None:
    right = _mypy(tmp_path, APP)
    assert right.returncode == 0, right.stdout + right.stderr
    wrong = APP
    for good, bad in TYPOS.items():
        wrong = wrong.replace(good, bad)
    typo = _mypy(tmp_path, wrong)
    assert typo.returncode == 1
    assert '"VerifyResult" has no attribute "vaild"' in typo.stdout
    assert '"MfaStatus" has no attribute "enroled"' in typo.stdout
    # The admin and sign-in methods (mixins of their own) keep their result types too.
    assert '"Role" has no attribute "nmae"' in typo.stdout
    assert '"UserDetail" has no attribute "usename"' in typo.stdout
    assert '"SignInStep" has no attribute "stauts"' in typo.stdout
    assert "py.typed" not in typo.stdout
