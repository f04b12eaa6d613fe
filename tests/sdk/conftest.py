"""A real `twostep serve` (SQLite, 1 worker) for the SDK tests, with an admin key and a verify
key made by `twostep apikeys create`, and helpers to make users with 2FA over the API."""

from __future__ import annotations

import itertools
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from server.support import TWOSTEP, ServerProcess, base_env
from twostep.otp import Secret, generate_totp
from twostep.sdk import Client


@dataclass
class Server:
    url: str
    env: dict[str, str]
    admin_key: str
    verify_key: str

    def twostep(self, *args: str) -> str:
        out = subprocess.run(
            [str(TWOSTEP), *args],
            check=False,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    with tempfile.TemporaryDirectory(prefix="twostep-sdk-") as data:
        env = base_env(Path(data))
        with ServerProcess(env, workers=1, threads=8) as proc:
            run = Server(proc.url, env, "", "")
            run.admin_key = run.twostep(
                "apikeys", "create", "--scope", "admin", "--name", "sdk tests", "--quiet"
            ).strip()
            run.verify_key = run.twostep(
                "apikeys",
                "create",
                "--scope",
                "verify",
                "--name",
                "sdk rp",
                "--allow-create-users",
                # The tests enrol users that the admin key made: the grant allows that (a key
                # without it enrols only the users it created itself).
                "--may-enrol-any-user",
                "--quiet",
            ).strip()
            yield run


@pytest.fixture
def admin(server: Server) -> Iterator[Client]:
    with Client(server.url, server.admin_key) as client:
        yield client


@pytest.fixture
def rp(server: Server) -> Iterator[Client]:
    with Client(server.url, server.verify_key) as client:
        yield client


_names = itertools.count()


def unique(prefix: str) -> str:
    return f"{prefix}{next(_names)}x{time.monotonic_ns() % 10**9}"


@dataclass
class EnrolledUser:
    username: str
    secret: Secret
    recovery_codes: tuple[str, ...]

    def code(self, offset: float = 0) -> str:
        return generate_totp(self.secret, time.time() + offset)


def enrol_user(admin: Client, rp: Client, *, password: str | None = None) -> EnrolledUser:
    """A new user with 2FA set up through the SDK (its current code already used)."""
    name = unique("u")
    admin.create_user(name, email=f"{name}@example.com", password=password)
    enrolment = rp.start_enrolment(username=name)
    secret = Secret.from_base32(enrolment.secret)
    confirmed = rp.confirm_enrolment(enrolment.enrolment_id, generate_totp(secret, time.time()))
    return EnrolledUser(name, secret, confirmed.recovery_codes)
