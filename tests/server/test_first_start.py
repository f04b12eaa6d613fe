"""The races of a first start, with real processes on one fresh database (SQLite and
PostgreSQL): two `twostep serve` started together both migrate it in turn (under the
migration lock) and each prints a setup link that works; `twostep createuser` run while
`serve` is migrating waits for the migration and succeeds."""

from __future__ import annotations

import contextlib
import fcntl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from server.support import (
    TWOSTEP,
    ServerProcess,
    base_env,
    enrol_owner_over_http,
    postgres_database,
)
from twostep.server.cli.schema import MIGRATE_LOCK_KEY

pytestmark = pytest.mark.slow

DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@contextlib.contextmanager
def _fresh(database: str) -> Iterator[dict[str, str]]:
    with contextlib.ExitStack() as stack:
        data = stack.enter_context(tempfile.TemporaryDirectory(prefix="twostep-first-"))
        extra = {}
        if database == "postgres":
            extra["TWOSTEP_DATABASE_URL"] = stack.enter_context(postgres_database("twostep_first"))
        yield base_env(Path(data), **extra)


def _form_shown(url: str) -> bool:
    page = httpx.get(url, timeout=30)
    return page.status_code == 200 and 'name="password2"' in page.text


@pytest.mark.parametrize("database", DATABASES)
def test_two_servers_started_together_both_print_a_working_link(database: str) -> None:
    with _fresh(database) as env:
        servers = [ServerProcess(env, workers=1, threads=2) for _ in range(2)]
        try:
            threads = [threading.Thread(target=s.start) for s in servers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert all(s.url for s in servers), [s.lines for s in servers]
            links = [s.setup_link for s in servers]
            assert links[0] != links[1]
            for server in servers:
                assert not any("Traceback" in line for line in server.lines), server.lines
            # Each link opens the owner form, whichever server it is opened on.
            for link in links:
                for server in servers:
                    assert _form_shown(server.url + link.split("/", 3)[3]), link
            # The first one printed still creates the owner.
            enrol_owner_over_http(servers[0])
            assert httpx.get(links[1], timeout=30).status_code == 302  # an owner exists now
        finally:
            for server in servers:
                server.stop()


@contextlib.contextmanager
def _migration_under_way(env: dict[str, str]) -> Iterator[None]:
    """Hold the migration lock as a migrating `twostep` process holds it."""
    url = env.get("TWOSTEP_DATABASE_URL")
    if url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK_KEY])
            yield
        return
    lock = Path(env["TWOSTEP_DATA_DIR"]) / "twostep.sqlite3.migrate-lock"
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _wait_for(lines: list[str], text: str) -> None:
    deadline = time.monotonic() + 60
    while not any(text in line for line in lines):
        assert time.monotonic() < deadline, f"never said {text!r}: {lines}"
        time.sleep(0.01)


@pytest.mark.parametrize("database", DATABASES)
def test_createuser_while_serve_is_migrating_waits_and_succeeds(database: str) -> None:
    """Another process migrates (the lock is held): `serve` and `createuser` both wait for
    it, then one of them migrates and the other finds the schema done."""
    with _fresh(database) as env:
        server = ServerProcess(env, workers=1, threads=2)
        starting = threading.Thread(target=server.start)
        createuser = [str(TWOSTEP), "createuser", "alice", "--email", "a@x.org", "--no-password"]
        try:
            with _migration_under_way(env):
                starting.start()
                _wait_for(server.lines, "Waiting for another twostep process")
                created = subprocess.Popen(
                    createuser, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
                )
                assert created.stderr is not None
                said = created.stderr.readline()  # before it may go on
                assert "Waiting for another twostep process" in said, said
            out, err = created.communicate(timeout=180)
            assert created.returncode == 0, err
            assert "Created member alice" in out
            starting.join()
            assert server.url, server.lines
            assert not any("Traceback" in line for line in server.lines), server.lines
        finally:
            if starting.ident is not None:
                starting.join()
            server.stop()
