"""A real HTTP receiver of webhook deliveries for the tests: ``http.server`` in a thread on a
free port of 127.0.0.1, recording each request and answering from a script of statuses."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """``answers``: statuses to give in turn (then 200 for ever); ``echo``: answer with the
    request's headers (to check that the stored answer never holds the signature)."""

    answers: list[int] = field(default_factory=list)
    echo: bool = False
    location: str | None = None
    delay: float = 0.0  # seconds each answer takes (to let racing workers overlap)
    requests: list[Received] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)
    url: str = ""

    def wait_for(self, count: int, timeout: float = 20) -> list[Received]:
        """Block until ``count`` requests arrived (or the timeout); the requests."""
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.requests) >= count, timeout)
            return list(self.requests)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        if self.delay:
            time.sleep(self.delay)
        with self.arrived:
            self.requests.append(Received(handler.path, dict(handler.headers.items()), body))
            status = self.answers.pop(0) if self.answers else 200
            self.arrived.notify_all()
        reply = (
            "\n".join(f"{k}: {v}" for k, v in handler.headers.items()).encode()
            if self.echo
            else b'{"ok": true}'
        )
        handler.send_response(status)
        if self.location:
            handler.send_header("Location", self.location)
        handler.send_header("Content-Length", str(len(reply)))
        handler.end_headers()
        handler.wfile.write(reply)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            receiver._handle(self)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def running(receiver: Receiver) -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
