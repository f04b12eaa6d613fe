"""Helpers for the sync tests: a real SMTP server (aiosmtpd), a real `twostep serve` with sync
on, and computers (a HOME each) running the real `twostep-auth` in subprocesses."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from server.support import ServerProcess, base_env
from twostep.authenticator.vault import Vault

ROOT = Path(__file__).resolve().parents[2]
TWOSTEP_AUTH = ROOT / ".venv" / "bin" / "twostep-auth"
VAULT_PASSWORD = "vault password of this computer"
ACCOUNT_PASSWORD = "lantern orbit quietly 7 pebbles"
LINK_RE = re.compile(r"(http://\S+/sync/verify/\S+)")
CODE_RE = re.compile(r"^\s+([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.MULTILINE)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"

    def text(self, index: int) -> str:
        message = self.messages[index]
        parts = message.walk() if message.is_multipart() else [message]
        return "\n".join(
            str(p.get_payload(decode=True).decode())
            for p in parts
            if p.get_content_type() == "text/plain"
        )


@contextlib.contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    port = free_port()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Computer:
    """A HOME with its own vault, running the real CLI."""

    def __init__(self, root: Path) -> None:
        (root / "run").mkdir(parents=True, mode=0o700)
        self.vars = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": str(root),
            "XDG_DATA_HOME": str(root / "data"),
            "XDG_CACHE_HOME": str(root / "cache"),
            "XDG_RUNTIME_DIR": str(root / "run"),
            "TWOSTEP_VAULT": str(root / "vault.twostep"),
            "TWOSTEP_TEST_INSECURE_KDF": "1",
        }

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [str(TWOSTEP_AUTH), *args],
            env=self.vars,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def run(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(TWOSTEP_AUTH), *args],
            env=self.vars,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            start_new_session=True,
            check=False,
        )

    def ok(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        result = self.run(*args, stdin=stdin)
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        return result

    def setup(self) -> None:
        self.ok("init", "--password-stdin", "--weak-password-ok", stdin=VAULT_PASSWORD + "\n")
        out = self.ok("unlock", "--password-stdin", stdin=VAULT_PASSWORD + "\n").stdout
        self.vars["TWOSTEP_SESSION"] = out.strip().split("=", 1)[1].strip("'")

    def accounts(self) -> set[tuple[str, str]]:
        listed = json.loads(self.ok("list", "--json").stdout)
        return {(e["issuer"], e["account"]) for e in listed}

    def status(self) -> dict[str, Any]:
        return dict(json.loads(self.ok("status", "--json").stdout))

    def login(self, url: str, email: str, name: str, password: str = ACCOUNT_PASSWORD) -> Any:
        return self.run(
            "login",
            "--server",
            url,
            "--email",
            email,
            "--password-stdin",
            "--device-name",
            name,
            stdin=password + "\n",
        )

    def payload(self) -> dict[str, Any]:
        return Vault.unlock(Path(self.vars["TWOSTEP_VAULT"]), VAULT_PASSWORD).read_payload()


def wait_for_mail(inbox: Inbox, count: int) -> str:
    """The text of the ``count``-th mail, once it has arrived."""
    deadline = time.monotonic() + 30
    while len(inbox.messages) < count:
        assert time.monotonic() < deadline, "no mail arrived"
        time.sleep(0.1)
    return inbox.text(count - 1)


class SyncServer:
    """`twostep serve` with sync open to anyone, on one port across restarts."""

    def __init__(self, data_dir: Path, smtp_port: int) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir
        self.port = free_port()
        self.env = base_env(
            data_dir, TWOSTEP_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}", TWOSTEP_SYNC="anyone"
        )
        self.lines: list[str] = []
        self.process: ServerProcess | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> SyncServer:
        server = ServerProcess(self.env, workers=1, threads=4, access_log=True)
        server.args[server.args.index("--port") + 1] = str(self.port)
        self.process = server.start()
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.lines += self.process.lines
            self.process = None

    def dump(self) -> str:
        import sqlite3

        db = sqlite3.connect(self.data_dir / "twostep.sqlite3")
        try:
            return "\n".join(db.iterdump())
        finally:
            db.close()


class Proxy:
    """A TCP proxy in front of the server that can cut an upload: ``mode`` "pass" forwards
    everything; "drop" closes the connection when a vault upload starts; "hang" swallows the
    upload and never answers (until the proxy stops)."""

    def __init__(self, upstream_port: int) -> None:
        import threading

        self.upstream = upstream_port
        self.mode = "pass"
        self.seen_upload = threading.Event()
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = int(self._listener.getsockname()[1])
        self._open: list[socket.socket] = []
        self._stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        import threading

        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream))
            except OSError:
                client.close()
                continue
            self._open += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, outgoing: bool) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                if outgoing and self.mode != "pass" and b"PUT /api/sync/v1/vault" in data:
                    self.seen_upload.set()
                    if self.mode == "drop":
                        source.close()
                        target.close()
                        return
                    while source.recv(65536):  # "hang": swallow the upload, never answer
                        pass
                    return
                target.sendall(data)

    def stop(self) -> None:
        self._stopped = True
        self._listener.close()
        for sock in self._open:
            with contextlib.suppress(OSError):
                sock.close()
