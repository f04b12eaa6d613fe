"""The SDK when things go wrong (issue 20), sync and async: keys that cannot be sent and never
leak, bad arguments as the SDK's own exceptions, connections the server closed or reset, a
deadline per call, and retries within it. Against the real server, and against small real
socket servers that misbehave on purpose (rawserver.py)."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from twostep.sdk import (
    AsyncClient,
    AuthenticationError,
    Client,
    PayloadTooLargeError,
    RequestError,
    ThrottledError,
    TransportError,
    TwostepError,
)

from . import rawserver
from .conftest import Server, unique
from .rawserver import RawServer

pytestmark = pytest.mark.slow

MODES = ["sync", "async"]

Step = tuple[Any, ...]  # (method name, *args) or (method name, args tuple, kwargs dict)
VERIFY: Step = ("verify", ("123456",), {"username": "u"})


def run(mode: str, url: str, key: str | None, steps: Sequence[Step], **options: Any) -> list[Any]:
    """Make a client, run ``steps`` on it one after the other; each result or exception."""

    def split(step: Step) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        if len(step) == 3 and isinstance(step[1], tuple) and isinstance(step[2], dict):
            return step[0], step[1], step[2]
        return step[0], tuple(step[1:]), {}

    if mode == "sync":
        results: list[Any] = []
        with Client(url, key, **options) as client:
            for step in steps:
                name, args, kwargs = split(step)
                try:
                    results.append(getattr(client, name)(*args, **kwargs))
                except Exception as exc:
                    results.append(exc)
        return results

    async def main() -> list[Any]:
        results: list[Any] = []
        async with AsyncClient(url, key, **options) as client:
            for step in steps:
                name, args, kwargs = split(step)
                try:
                    results.append(await getattr(client, name)(*args, **kwargs))
                except Exception as exc:
                    results.append(exc)
        return results

    return asyncio.run(main())


def make(mode: str, url: str, key: str | None) -> None:
    """Only construct a client (and close it)."""
    if mode == "sync":
        Client(url, key).close()
    else:
        asyncio.run(AsyncClient(url, key).aclose())


# -- 1. the API key -----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_key_read_from_a_file_works(server: Server, mode: str, tmp_path: Any) -> None:
    path = tmp_path / "key"
    path.write_text(server.verify_key + "\n")
    with open(path) as f:  # what the user did
        key = f.read()
    (ping,) = run(mode, server.url, key, [("ping",)])
    assert not isinstance(ping, Exception), ping
    assert ping.scope == "verify"
    (ping,) = run(mode, server.url, f" \t{server.verify_key}\r\n", [("ping",)])
    assert ping.scope == "verify"


@pytest.mark.parametrize("mode", MODES)
def test_a_key_that_cannot_be_sent_is_refused_without_showing_it(server: Server, mode: str) -> None:
    key = server.verify_key
    secret = key[-20:]
    for bad in (
        key[:-20] + "\n" + secret,  # a line break inside
        key[:-20] + " " + secret,
        key[:-20] + "é" + secret,  # not ASCII (UnicodeEncodeError before)
        key[:-20] + "\x00" + secret,
    ):
        with pytest.raises(ValueError, match="cannot be sent in an HTTP header") as refused:
            make(mode, server.url, bad)
        assert secret not in str(refused.value)
        assert secret not in repr(refused.value)
        assert refused.value.__cause__ is None
        assert refused.value.__context__ is None
    for empty in ("", " \n"):
        with pytest.raises(ValueError, match="empty"):
            make(mode, server.url, empty)


@pytest.mark.parametrize("mode", MODES)
def test_the_key_is_in_no_exception_log_line_or_repr(
    server: Server, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    made = run(mode, server.url, server.admin_key, [("create_api_key", unique("leak"), "verify")])
    key = made[0].key
    secret = key[-20:]
    caplog.set_level(logging.DEBUG)  # httpx and httpcore log every step at DEBUG
    ghost = ("verify", ("123456",), {"username": unique("ghost")})
    steps: list[Step] = [("ping",), ("status", (), {"username": unique("ghost")}), ghost]
    results = run(mode, server.url, key + "\n", steps)
    assert results[0].key_name == made[0].name
    assert all(isinstance(r, TwostepError) for r in results[1:])
    run(mode, server.url, server.admin_key, [("revoke_api_key", made[0].id)])
    (revoked,) = run(mode, server.url, key, [("ping",)])
    assert isinstance(revoked, AuthenticationError)
    (nowhere,) = run(mode, "http://127.0.0.1:9", key, [("ping",)], timeout=2)
    assert isinstance(nowhere, TransportError)
    client = Client(server.url, key)
    shown = [repr(client), str(vars(client).get("retry"))]
    client.close()
    for error in (*results[1:], revoked, nowhere):
        shown += [str(error), repr(error), str(error.__cause__), str(error.__context__)]
    assert caplog.records, "nothing was logged: the test would prove nothing"
    shown += [record.getMessage() for record in caplog.records]
    assert not [text for text in shown if secret in text]


# -- 2. every failure is one of the SDK's exceptions --------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "url", ["http://[::1", "http://127.0.0.1:99999", "ftp://example.com", "example.com", ""]
)
def test_a_malformed_base_url_is_a_value_error_at_once(mode: str, url: str) -> None:
    with pytest.raises(ValueError, match="base_url") as refused:
        make(mode, url, "tsk_000000000000_" + "A" * 43)
    assert "tsk_" not in str(refused.value)


@pytest.mark.parametrize("mode", MODES)
def test_arguments_http_cannot_carry_are_request_errors(server: Server, mode: str) -> None:
    steps: list[Step] = [
        ("status", (), {"external_id": "x" * 100_000}),  # a URL over httpx's 64 KiB
        ("status", (), {"username": "\ud800"}),  # a lone surrogate: not encodable
        ("me", "a-token\nwith-a-break-tsk-secret"),
        ("ping",),  # and the client still works
    ]
    *errors, ping = run(mode, server.url, server.verify_key, steps)
    for error in errors:
        assert isinstance(error, RequestError), repr(error)
        assert isinstance(error, TwostepError)
        assert isinstance(error, ValueError)
        assert "tsk-secret" not in str(error)
    assert ping.scope == "verify"


# -- 3. connections the server closed or reset --------------------------------------------------


def _drop_the_second_request(close: str) -> Any:
    """Connection 0 answers one request, then closes (FIN) or resets (RST) on the next, as a
    server whose keep-alive time ran out just as the request came; later connections answer."""

    def handle(server: RawServer, conn: socket.socket, index: int) -> None:
        if index > 0:
            rawserver.serve_pings(server, conn)
            return
        request = server.read_request(conn)
        assert request is not None
        conn.sendall(rawserver.response(200, rawserver.PING))
        if server.read_request(conn) is None:
            return
        if close == "reset":
            rawserver.reset(conn)
        else:
            conn.shutdown(socket.SHUT_RDWR)

    return handle


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("close", ["reset", "close"])
def test_a_request_the_server_dropped_unanswered_is_sent_again(mode: str, close: str) -> None:
    with RawServer(_drop_the_second_request(close)) as raw:
        results = run(mode, raw.url, "key", [("ping",), ("ping",), VERIFY])
    assert [type(r).__name__ for r in results] == ["Ping", "Ping", "VerifyResult"]
    assert raw.connections == 2  # the second went again, once, on a new connection
    assert len(raw.requests) == 4


def _two_then_drop(server: RawServer, conn: socket.socket, index: int) -> None:
    """Connections 0 and 1 each answer one request (once both are open, so that the client
    pools two), then reset on the next; later connections answer."""
    if index > 1:
        rawserver.serve_pings(server, conn)
        return
    if server.read_request(conn) is None:
        return
    server.notes["both open"].wait(rawserver.LIFETIME)
    conn.sendall(rawserver.response(200, rawserver.PING))
    if server.read_request(conn) is not None:
        rawserver.reset(conn)


def _pinged_twice_at_once(server: RawServer, mode: str) -> list[Any]:
    def both_open() -> None:
        while server.connections < 2 and server.alive():
            server.stopped.wait(0.01)
        server.notes["both open"].set()

    threading.Thread(target=both_open, daemon=True).start()
    if mode == "sync":
        with Client(server.url, "key") as client, ThreadPoolExecutor(2) as pool:
            pair = list(pool.map(lambda _: client.ping(), range(2)))
            return [*pair, client.ping()]

    async def main() -> list[Any]:
        async with AsyncClient(server.url, "key") as client:
            pair = await asyncio.gather(client.ping(), client.ping())
            return [*pair, await client.ping()]

    return asyncio.run(main())


@pytest.mark.parametrize("mode", MODES)
def test_the_second_try_takes_a_new_connection_not_another_pooled_one(mode: str) -> None:
    with RawServer(_two_then_drop) as raw:
        raw.notes["both open"] = threading.Event()
        results = _pinged_twice_at_once(raw, mode)
    assert [r.scope for r in results] == ["verify"] * 3
    assert raw.connections == 3  # not the other pooled connection, which was stale too


def _always_drop(server: RawServer, conn: socket.socket, index: int) -> None:
    if server.read_request(conn) is not None:
        rawserver.reset(conn)


@pytest.mark.parametrize("mode", MODES)
def test_only_once(mode: str) -> None:
    with RawServer(_always_drop) as raw:
        (error,) = run(mode, raw.url, "key", [("ping",)])
    assert isinstance(error, TransportError)
    assert len(raw.requests) == 2


@pytest.mark.parametrize("mode", MODES)
def test_after_a_413_the_server_closes_and_the_next_call_works(server: Server, mode: str) -> None:
    body = b'{"username": "' + b"a" * 300_000 + b'", "code": "123456"}'
    headers = {"Authorization": f"Bearer {server.verify_key}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as http:
        refused = http.post("api/v1/verify", content=body)
        assert refused.status_code == 413
        assert refused.headers["Connection"] == "close"  # it said keep-alive, then reset
        assert http.get("api/v1/ping").status_code == 200
    big = ("verify", ("123456",), {"username": "a" * 300_000})
    steps: list[Step] = [("ping",)]
    for _ in range(4):
        steps += [big, ("ping",)]
    results = run(mode, server.url, server.verify_key, steps)
    assert [type(r).__name__ for r in results] == ["Ping"] + ["PayloadTooLargeError", "Ping"] * 4
    assert isinstance(results[1], PayloadTooLargeError)


# -- 4. a deadline per call, retries within it --------------------------------------------------


def _drip(where: str) -> Any:
    """Answer with the headers (or the body) one byte each 0.1 s: 300 bytes, 30 s."""

    def handle(server: RawServer, conn: socket.socket, index: int) -> None:
        if server.read_request(conn) is None:
            return
        # headers of 170 bytes: more than a deadline of 1 s lets through, so that only a
        # deadline kept during each read (not between the pieces of the body) passes
        whole = rawserver.response(200, {**rawserver.PING, "pad": "x" * 300}, {"X-Pad": "p" * 100})
        head, _, body = whole.partition(b"\r\n\r\n")
        if where == "body":
            conn.sendall(head + b"\r\n\r\n")
            trickle = body
        else:
            trickle = whole
        sent = 0
        for byte in trickle[:300]:
            if server.stopped.wait(0.1):
                break
            try:
                conn.sendall(bytes([byte]))
            except OSError:
                break
            sent += 1
        server.notes["sent"] = sent

    return handle


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("where", ["headers", "body"])
def test_a_dripping_server_is_cut_at_the_deadline(mode: str, where: str) -> None:
    with RawServer(_drip(where)) as raw:
        (error,) = run(mode, raw.url, "key", [("ping",)], deadline=1, timeout=5)
        assert isinstance(error, TransportError)
        assert "deadline of 1 s passed" in str(error)
    # The server was cut off long before its 300 bytes (30 s; each byte within the timeout).
    assert raw.notes["sent"] < 50


@pytest.mark.parametrize("mode", MODES)
def test_verify_has_a_short_deadline_by_default(mode: str) -> None:
    with RawServer(_drip("body")) as raw:
        (error,) = run(mode, raw.url, "key", [VERIFY])
        assert isinstance(error, TransportError)
        assert "deadline of 5 s passed" in str(error)
    assert raw.notes["sent"] < 100


def _throttle(server: RawServer, conn: socket.socket, index: int) -> None:
    """429 with Retry-After: 3 twice, then a valid code."""
    while server.alive():
        request = server.read_request(conn)
        if request is None:
            return
        if len(server.requests) <= 2:
            body = {"code": "throttled", "message": "Too many attempts.", "retry_after": 3}
            conn.sendall(rawserver.response(429, body, {"Retry-After": "3"}))
        else:
            conn.sendall(rawserver.response(200, rawserver.VALID))


@pytest.mark.parametrize("mode", MODES)
def test_retries_stop_at_the_deadline(mode: str) -> None:
    """The default verify waited 3 s twice (8 s with longer waits) and answered; now it waits
    once, as a second wait would pass its 5 s deadline, and says how long to wait."""
    with RawServer(_throttle) as raw:
        (error,) = run(mode, raw.url, "key", [VERIFY])
    assert isinstance(error, ThrottledError)
    assert error.retry_after == 3
    assert len(raw.requests) == 2
    with RawServer(_throttle) as raw:  # without a deadline both waits are taken
        (result,) = run(mode, raw.url, "key", [VERIFY], verify_deadline=None)
    assert result.valid
    assert len(raw.requests) == 3


@pytest.mark.parametrize("mode", MODES)
def test_deadlines_must_be_positive(mode: str) -> None:
    for bad in (0, -1):
        with pytest.raises(ValueError, match="deadline"):
            run(mode, "http://127.0.0.1:9", None, [], deadline=bad)
