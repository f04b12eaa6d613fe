"""Small real HTTP/1.1 servers that misbehave on purpose (reset a kept-alive connection, drip
bytes, throttle), on 127.0.0.1 in threads, for the SDK's connection handling. Every loop is
bounded: by a byte count, by ``LIFETIME`` seconds, or by the server being stopped."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

LIFETIME = 30.0  # no thread of a server lives longer


class RawServer:
    """Accepts connections and runs ``handle(server, conn, index)`` for each, in a thread;
    ``index`` counts connections from 0. ``requests`` lists the request lines received."""

    def __init__(self, handle: Callable[[RawServer, socket.socket, int], None]) -> None:
        self._handle = handle
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/"
        self.connections = 0
        self.requests: list[str] = []
        self.notes: dict[str, Any] = {}
        self.stopped = threading.Event()
        self._threads: list[threading.Thread] = []
        self._ends = time.monotonic() + LIFETIME

    def alive(self) -> bool:
        return not self.stopped.is_set() and time.monotonic() < self._ends

    def _accept(self) -> None:
        while self.alive():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            index = self.connections
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(conn, index), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket, index: int) -> None:
        conn.settimeout(LIFETIME)
        try:
            self._handle(self, conn, index)
        except OSError:
            pass
        finally:
            conn.close()

    def __enter__(self) -> RawServer:
        thread = threading.Thread(target=self._accept, daemon=True)
        self._threads.append(thread)
        thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self._listener.close()
        for thread in self._threads:
            thread.join(LIFETIME)

    def read_request(self, conn: socket.socket) -> tuple[str, bytes] | None:
        """The next request's line and body, or None when the client closed the connection."""
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
            if len(data) > 1 << 20:
                raise OSError("headers too long")
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            body += chunk
        self.requests.append(lines[0])
        return lines[0], body


def response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> bytes:
    content = json.dumps(body).encode()
    head = {"Content-Type": "application/json", "Content-Length": str(len(content))}
    head.update(headers or {})
    lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in head.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + content


PING = {"ok": True, "scope": "verify", "key_name": "raw"}
VALID = {"valid": True, "method": "totp"}


def reset(conn: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0), as a server that drops unread data does."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def serve_pings(server: RawServer, conn: socket.socket) -> None:
    """Answer every request on ``conn`` with the answer of /ping, kept alive."""
    while server.alive():
        request = server.read_request(conn)
        if request is None:
            return
        conn.sendall(response(200, VALID if "/verify" in request[0] else PING))
