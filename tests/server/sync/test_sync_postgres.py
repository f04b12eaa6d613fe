"""The whole server (`twostep serve`, 2 workers x 4 threads) on PostgreSQL with mail through a
real SMTP server: register, confirm by the mailed code, then 16 uploads on the same base
version at once (exactly one wins, the others get 409 with the new version), an upload cut
off half-way (the last good version stays), a revoked device (refused at once, whichever
worker answers), and the database dump (no key, token, code or vault content in it)."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from aiosmtpd.controller import Controller

from ..support import ServerProcess, base_env, postgres_database
from ..test_mail_smtp import Inbox, free_port
from .support import Keys, link_and_code

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(300)]
RACERS = 16
VAULT = b'{"accounts": [{"issuer": "Example", "name": "ann", "secret": "JBSWY3DPEHPK3PXP"}]}'
#: scripts/test's databases share a prefix; a helper's machine may ask for another
PREFIX = os.environ.get("TWOSTEP_TEST_PG_PREFIX", "twostep_test")


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def race(api: str, token: str, keys: Keys) -> list[tuple[int, Any, str]]:
    barrier = threading.Barrier(RACERS)
    results: list[tuple[int, Any, str]] = []

    def upload(index: int) -> None:
        ciphertext = keys.encrypt(VAULT + b" " * index)
        with httpx.Client(timeout=60) as client:
            barrier.wait()
            response = client.put(
                api + "vault",
                json={"base_version": 1, "ciphertext": ciphertext},
                headers=auth(token),
            )
        results.append((response.status_code, response.json(), ciphertext))

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def cut_off_upload(api: str, token: str) -> None:
    """Send the headers and half of a body, then drop the connection."""
    parts = urlsplit(api)
    body = json.dumps({"base_version": 2, "ciphertext": "A" * 40_000}).encode()
    with socket.create_connection((parts.hostname, parts.port)) as sock:
        head = (
            f"PUT {parts.path}vault HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        sock.sendall(head.encode() + body[: len(body) // 2])


def test_the_sync_api_on_postgresql(tmp_path: Path) -> None:
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        with postgres_database(PREFIX) as url:
            env = base_env(
                tmp_path,
                TWOSTEP_DATABASE_URL=url,
                TWOSTEP_SYNC="anyone",
                TWOSTEP_SMTP_URL=f"smtp://127.0.0.1:{smtp.port}",
            )
            with ServerProcess(env, access_log=True) as server:
                secrets = run_story(server.url + "api/sync/v1/", inbox)
                output = "\n".join(server.lines)
            dump = subprocess.run(
                [
                    "pg_dump",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                    "--data-only",
                    url.rsplit("/", 1)[1],
                ],
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            ).stdout
    finally:
        smtp.stop()
    assert "sync_syncaccount" in dump
    assert "GET /sync/verify/[redacted]/ HTTP/1.1" in output
    assert "ann@example.com" in dump  # the address is kept (mail goes there), nothing else
    for secret in secrets:
        assert secret not in dump
        assert secret not in output


def run_story(api: str, inbox: Inbox) -> list[str]:
    keys = Keys()
    registered = httpx.post(api + "register", json=keys.registration("ann@example.com"), timeout=30)
    assert registered.status_code == 202, registered.text
    token = registered.json()["device_token"]
    link, code = link_and_code(inbox.messages[0])
    # Opening the link (as a mail scanner would) is logged without its token, confirms nothing.
    opened = httpx.get(link, timeout=30)
    assert opened.status_code == 302
    verified = httpx.post(api + "verify", json={"code": code}, headers=auth(token), timeout=30)
    assert verified.status_code == 200, verified.text
    first = httpx.put(
        api + "vault",
        json={"base_version": 0, "ciphertext": keys.encrypt(VAULT)},
        headers=auth(token),
        timeout=30,
    )
    assert first.json()["version"] == 1

    results = race(api, token, keys)
    winners = [r for r in results if r[0] == 200]
    losers = [r for r in results if r[0] != 200]
    assert len(winners) == 1, [r[:2] for r in results]
    assert winners[0][1]["version"] == 2
    assert {(status, body["error"], body["version"]) for status, body, _ in losers} == {
        (409, "version_conflict", 2)
    }
    stored = httpx.get(api + "vault", headers=auth(token), timeout=30).json()
    assert (stored["version"], stored["ciphertext"]) == (2, winners[0][2])

    cut_off_upload(api, token)
    stored = httpx.get(api + "vault", headers=auth(token), timeout=30).json()
    assert (stored["version"], stored["ciphertext"]) == (2, winners[0][2])

    second = httpx.post(
        api + "login",
        json={"email": "ann@example.com", "auth_key": keys.auth_key, "device_name": "desk"},
        timeout=30,
    ).json()
    assert (
        httpx.get(api + "vault", headers=auth(second["device_token"]), timeout=30).status_code
        == 200
    )
    revoked = httpx.delete(api + f"devices/{second['device_id']}", headers=auth(token), timeout=30)
    assert revoked.status_code == 204
    for _ in range(8):  # whichever worker and thread answers
        refused = httpx.get(api + "vault", headers=auth(second["device_token"]), timeout=30)
        assert refused.status_code == 401

    return [
        keys.auth_key,
        keys.recovery_auth_key,
        keys.master.hex(),
        keys.vault_key.hex(),
        base64.b64encode(keys.vault_key).decode(),
        token,
        token.split("_", 2)[2],
        second["device_token"].split("_", 2)[2],
        link.rstrip("/").rsplit("/", 1)[1],
        code,
        code.replace("-", ""),
        "JBSWY3DPEHPK3PXP",
        VAULT.hex(),
    ]
