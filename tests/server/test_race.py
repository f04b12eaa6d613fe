"""The race: two `twostep serve` processes (2 workers x 4 threads each) on one database, 50
sessions that all passed the password step submit the same valid code at the same moment:
exactly one is signed in. On SQLite (one file, WAL) and on PostgreSQL (a fresh database).

Then the conditional UPDATE alone, without the throttle in front of it: 50 threads, each with
its own database connection, raise the same device to the same step: exactly one wins. The
same for the whole success write of a verification (``_settle``: on PostgreSQL one statement
that also resets the throttle and rewrites the attempt's audit row).
Last, the database dump holds no TOTP secret in clear."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from twostep.otp import Secret

from .support import (
    CSRF_RE,
    PASSWORD,
    Browser,
    ServerProcess,
    base_env,
    enrol_owner_over_http,
    oathtool,
    postgres_database,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
RACERS = 50

UPDATE_RACE = """
import threading, django
django.setup()
from django.db import connection
from twostep.server.clock import system_clock
from twostep.server.mfa.models import Device
from twostep.server.mfa.statements import mark_step_used
device = Device.objects.get()
step = device.last_step + 1
barrier = threading.Barrier(50)
wins = []
def race():
    barrier.wait()
    wins.append(mark_step_used(device.pk, step, system_clock()))
    connection.close()
threads = [threading.Thread(target=race) for _ in range(50)]
for t in threads: t.start()
for t in threads: t.join()
print(sum(wins), len(wins), Device.objects.get().last_step == step)

from twostep.server.audit.services import record
from twostep.server.attempts import throttle
from twostep.server.attempts.models import Throttle
from twostep.server.mfa.statements import statements
row = Throttle.objects.filter(scope="code").first()
claims = [
    throttle.Claim(lane="code", key=row.key, row_id=row.pk, failures=1,
                   logged=record("mfa.code_failed", clock=system_clock, purpose="race"))
    for _ in range(50)
]
wins = []
def settle(claim):
    barrier.wait()
    wins.append(statements().settle(device.pk, step + 1, system_clock(), claim, purpose="race"))
    connection.close()
threads = [threading.Thread(target=settle, args=(claim,)) for claim in claims]
for t in threads: t.start()
for t in threads: t.join()
from twostep.server.audit.models import Event
ok = Event.objects.filter(event="mfa.code_ok", details__purpose="race").count()
print(sum(wins), Device.objects.get().last_step == step + 1, ok)
"""


@contextlib.contextmanager
def two_servers(env: dict[str, str]) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    with ServerProcess(env) as first:
        key_holder.clear()
        key_holder.append(enrol_owner_over_http(first))
        # The second process starts on the same database (migrations already applied).
        with ServerProcess(env) as second:
            yield first, second


key_holder: list[str] = []


def signed_in_to_code_step(base_url: str) -> tuple[httpx.Client, str]:
    browser = Browser(base_url)
    response = browser.submit("/signin/", {"identifier": "owner", "password": PASSWORD})
    assert response.headers["location"] == "/signin/code/", response.text
    token = CSRF_RE.search(browser.get("/signin/code/").text)
    assert token
    return browser.client, token.group(1)


def race(env: dict[str, str], clock_file: Path) -> tuple[list[httpx.Response], str]:
    with two_servers(env) as (first, second):
        key = key_holder[0]
        sessions = [signed_in_to_code_step((first if i % 2 else second).url) for i in range(RACERS)]
        # Move both servers' clock to 5 s into a step that no code has used yet.
        now = time.time()
        target = (int(now) // 30 + 3) * 30 + 5
        clock_file.write_text(str(target - now))
        code = oathtool(key, target)
        barrier = threading.Barrier(RACERS)
        results: list[tuple[httpx.Client, httpx.Response]] = []
        errors: list[BaseException] = []
        clients: list[httpx.Client] = []

        def submit(signed_in: httpx.Client, token: str) -> None:
            # A new connection with the session's cookies: an idle keep-alive connection from
            # the sign-in may be closed by the server just as we reuse it.
            client = httpx.Client(
                base_url=signed_in.base_url, cookies=signed_in.cookies, timeout=60
            )
            clients.append(client)
            barrier.wait()
            data = {"csrfmiddlewaretoken": token, "code": code}
            try:
                results.append((client, client.post("/signin/code/", data=data)))
            except httpx.HTTPError as exc:
                errors.append(exc)

        threads = [threading.Thread(target=submit, args=session) for session in sessions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == [], (errors, first.lines[-20:], second.lines[-20:])
        # The winner really is signed in; everyone else is not.
        signed_in = [client.get("/account/").status_code == 200 for client, _ in results]
        for client in [c for c, _ in sessions] + clients:
            client.close()
        assert signed_in.count(True) == 1
        return [response for _, response in results], key


def check_race(results: list[httpx.Response]) -> None:
    assert len(results) == RACERS
    statuses = sorted(r.status_code for r in results)
    assert statuses.count(302) == 1, statuses
    winner = next(r for r in results if r.status_code == 302)
    assert winner.headers["location"] == "/account/"
    losers = [r for r in results if r is not winner]
    assert all(r.status_code == 400 for r in losers)
    # A loser is told its code was not accepted, or to wait: after its account's wrong codes
    # ("can be tried in"), or once the racers' one network has had its free failures ("Too many
    # attempts", the address lane).
    told = ("can be tried in", "not accepted", "Too many attempts")
    odd = [r.text for r in losers if not any(words in r.text for words in told)]
    assert not odd, odd[0][-3000:]


def update_race(env: dict[str, str]) -> None:
    out = subprocess.run(
        [sys.executable, "-c", UPDATE_RACE],
        env={**env, "DJANGO_SETTINGS_MODULE": "twostep.server.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1", "50", "True", "1", "True", "1"]


def assert_no_secret(dump: str, key: str) -> None:
    secret = Secret.from_base32(key)
    assert "mfa_device" in dump
    for form in (key, key.lower(), secret.raw.hex()):
        assert form not in dump


def test_race_on_sqlite(tmp_path: Path) -> None:
    clock_file = tmp_path / "clock_offset"
    env = base_env(tmp_path, TWOSTEP_FAKE_CLOCK_FILE=str(clock_file))
    results, key = race(env, clock_file)
    check_race(results)
    update_race(env)
    with contextlib.closing(sqlite3.connect(tmp_path / "twostep.sqlite3")) as db:
        assert_no_secret("\n".join(db.iterdump()), key)


@pytest.mark.postgres
def test_race_on_postgresql(tmp_path: Path) -> None:
    clock_file = tmp_path / "clock_offset"
    with postgres_database() as url:
        env = base_env(tmp_path, TWOSTEP_DATABASE_URL=url, TWOSTEP_FAKE_CLOCK_FILE=str(clock_file))
        results, key = race(env, clock_file)
        check_race(results)
        update_race(env)
        dump = subprocess.run(
            ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "--data-only", url.rsplit("/", 1)[1]],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        assert_no_secret(dump, key)
