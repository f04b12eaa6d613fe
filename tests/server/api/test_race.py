"""The race through the API: 4 `twostep serve` processes on one PostgreSQL database, 200
concurrent `POST /verify` calls with the same valid code: exactly one `valid: true`."""

from __future__ import annotations

import asyncio
import collections
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest

from server.support import TWOSTEP, ServerProcess, base_env, postgres_database
from twostep.otp import Secret, generate_totp
from twostep.sdk import Client

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SERVERS = 4
CALLS = 200


def _key(env: dict[str, str], scope: str) -> str:
    # The verify key enrols "racer", a user the admin key made: it needs the grant to reach
    # users outside its own application.
    grant = ["--may-enrol-any-user"] if scope == "verify" else []
    command = [str(TWOSTEP), "apikeys", "create", "--scope", scope, "--name", f"race {scope}"]
    out = subprocess.run(
        [*command, *grant, "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return out.stdout.strip()


async def _storm(urls: list[str], key: str, code: str) -> list[tuple[int, dict[str, object]]]:
    limits = httpx.Limits(max_connections=CALLS, max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        start = asyncio.Event()

        async def one(i: int) -> tuple[int, dict[str, object]]:
            await start.wait()
            response = await http.post(
                urls[i % len(urls)] + "api/v1/verify",
                json={"username": "racer", "code": code},
                headers={"Authorization": f"Bearer {key}"},
            )
            return response.status_code, response.json()

        tasks = [asyncio.create_task(one(i)) for i in range(CALLS)]
        await asyncio.sleep(0.05)
        start.set()
        return await asyncio.gather(*tasks)


def test_one_code_wins_once_across_four_processes() -> None:
    with (
        tempfile.TemporaryDirectory(prefix="twostep-race-") as data,
        postgres_database("twostep_api_race") as url,
    ):
        env = base_env(Path(data), TWOSTEP_DATABASE_URL=url)
        servers = [ServerProcess(env, workers=1, threads=16) for _ in range(SERVERS)]
        for later in servers[1:]:
            later.args.append("--no-migrate")  # the first one migrates the shared database
        try:
            servers[0].start()
            threads = [threading.Thread(target=s.start) for s in servers[1:]]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            urls = [s.url for s in servers]
            assert all(urls)
            admin_key, verify_key = _key(env, "admin"), _key(env, "verify")
            with Client(urls[0], admin_key) as admin, Client(urls[1], verify_key) as rp:
                admin.create_user("racer")
                enrolment = rp.start_enrolment(username="racer")
                secret = Secret.from_base32(enrolment.secret)
                rp.confirm_enrolment(enrolment.enrolment_id, generate_totp(secret, time.time()))
            code = generate_totp(secret, time.time() + 30)  # the next step: not used yet

            results = asyncio.run(_storm(urls, verify_key, code))
        finally:
            for server in servers:
                server.stop()

    outcomes = collections.Counter(
        "valid"
        if status == 200 and body.get("valid")
        else f"{status} {body.get('code') or body.get('reason')}"
        for status, body in results
    )
    print(f"\n{CALLS} concurrent verify calls over {SERVERS} processes: {dict(outcomes)}")
    assert outcomes["valid"] == 1
    assert set(outcomes) <= {"valid", "200 rejected", "429 throttled"}
