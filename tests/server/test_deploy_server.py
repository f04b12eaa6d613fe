"""What an operator relies on, on a real `twostep serve`:

- the client address comes from X-Forwarded-For only on a request from a trusted proxy
  (``--forwarded-allow-ips``): the throttle of a network counts what a proxy says about it,
  and a client that reaches twostep directly cannot pick its own address;
- ``/metrics`` (two gunicorn workers: the counts are summed over both) needs the token, and
  counts sign-ins by outcome, throttled attempts and requests by route;
- the audit lines of the sign-ins are JSON with the client address (``TWOSTEP_LOG_FORMAT=json``);
- SIGTERM lets a request in flight finish before the process exits.
"""

from __future__ import annotations

import json
import re
import socket
import time
from pathlib import Path

import httpx
import pytest

from .support import ServerProcess, base_env

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

TOKEN = "metrics-" + "x" * 32
PROXY = "127.0.0.2"  # the trusted proxy: the test's requests leave from this address
ADDRESS_FREE_FAILURES = 20  # attempts.throttle: a network's wrong passwords before it waits


def client(url: str, source: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=source)
    return httpx.Client(base_url=url, transport=transport, timeout=30)


def sign_in(http: httpx.Client, name: str, forwarded_for: str) -> httpx.Response:
    return http.post(
        "/api/v1/signin",
        json={"identifier": name, "password": "wrong password"},
        headers={"X-Forwarded-For": forwarded_for},
    )


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition ``text`` (0 when absent)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_trusted_proxy_throttles_and_metrics(tmp_path: Path) -> None:
    env = base_env(
        tmp_path,
        TWOSTEP_METRICS="1",
        TWOSTEP_METRICS_TOKEN=TOKEN,
        TWOSTEP_LOG_FORMAT="json",
    )
    args = ("--forwarded-allow-ips", PROXY)
    with ServerProcess(env, workers=2, threads=4, extra_args=args) as server:
        with client(server.url, PROXY) as proxy, client(server.url, "127.0.0.1") as direct:
            # Through the proxy, one network's wrong passwords (each for another name, so that
            # no account's own lane is what stops them) until it must wait.
            answers = [
                sign_in(proxy, f"nobody{n}", "198.51.100.7")
                for n in range(ADDRESS_FREE_FAILURES + 2)
            ]
            assert [a.status_code for a in answers[:-1]] == [401] * (ADDRESS_FREE_FAILURES + 1)
            assert answers[-1].status_code == 429
            # Another network behind the same proxy is not held up...
            assert sign_in(proxy, "someone", "203.0.113.9").status_code == 401
            # ...and a client that reaches twostep directly cannot borrow an address: its
            # X-Forwarded-For is ignored (the throttled network's name does not stop it, and
            # it would not escape its own throttle by naming another).
            assert sign_in(direct, "someone-else", "198.51.100.7").status_code == 401

            assert direct.get("/metrics").status_code == 401
            wrong = direct.get("/metrics", headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401
            scraped = direct.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
            assert scraped.status_code == 200
        log = "\n".join(server.lines)
    text = scraped.text
    # Summed over both workers: every sign-in made above, by outcome.
    failed = ADDRESS_FREE_FAILURES + 1 + 2
    assert metric(text, "twostep_sign_ins_total", outcome="invalid_credentials") == failed
    assert metric(text, "twostep_sign_ins_total", outcome="throttled") == 1
    assert metric(text, "twostep_throttled_total", lane="address") == 1
    assert metric(text, "twostep_http_requests_total", route="/api/v1/signin", status="401") == (
        failed
    )
    assert metric(text, "twostep_http_request_duration_seconds_count", route="/api/v1/signin") > 0

    audit = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    addresses = [e["address"] for e in audit if e.get("event") == "signin.password"]
    assert addresses.count("198.51.100.7") == ADDRESS_FREE_FAILURES + 2
    assert addresses.count("203.0.113.9") == 1
    assert addresses.count("127.0.0.1") == 1  # the direct client, whatever it claimed
    assert "wrong password" not in log


def test_metrics_are_off_by_default(tmp_path: Path) -> None:
    with ServerProcess(base_env(tmp_path), workers=1, threads=2) as server:
        assert httpx.get(server.url + "metrics").status_code == 404
        assert httpx.get(server.url + "healthz").text == "ok\n"
        assert httpx.get(server.url + "readyz").status_code == 200


def test_sigterm_lets_the_request_in_flight_finish(tmp_path: Path) -> None:
    server = ServerProcess(base_env(tmp_path), workers=1, threads=2).start()
    try:
        host, port = server.url.removeprefix("http://").rstrip("/").split(":")
        body = json.dumps({"identifier": "nobody", "password": "wrong password"}).encode()
        request = (
            f"POST /api/v1/signin HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            sock.sendall(request + body[:10])  # the worker now waits for the rest of the body
            # Another request answered by the same (only) worker: it has taken ours too.
            assert httpx.get(server.url + "healthz").status_code == 200
            assert server.proc is not None
            server.proc.terminate()  # SIGTERM
            # The worker stops listening: new connections are refused from now on...
            deadline = time.monotonic() + 15
            while True:
                try:
                    socket.create_connection((host, int(port)), timeout=1).close()
                except OSError:
                    break
                assert time.monotonic() < deadline, "still accepting after SIGTERM"
                time.sleep(0.05)
            # ...but the request it holds is answered in full.
            sock.sendall(body[10:])
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
        assert b"invalid_credentials" in answer
        assert server.proc.wait(timeout=30) == 0
    finally:
        server.stop()
