"""``import``/``export`` on a real terminal (a pseudo-terminal): prompts, confirmation, progress.

The program runs under ``pty.fork``, so the pseudo-terminal is its controlling terminal: the
password is typed at getpass's prompt on /dev/tty, the questions are answered on stdin, and the
progress bar is drawn because stderr is a terminal.
"""

from __future__ import annotations

import importlib.util
import os
import pty
import select
import sys
import time
from pathlib import Path
from types import ModuleType

from twostep.authenticator import services

from .conftest import TWOSTEP_AUTH


def _load_builders() -> ModuleType:
    name = "twostep_tests_formats_builders"
    if name not in sys.modules:
        path = Path(__file__).with_name("formats_data") / "builders.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


B = _load_builders()


class Terminal:
    """``twostep-auth ARGS`` on a pseudo-terminal, with expect-style reading."""

    def __init__(self, args: list[str], environ: dict[str, str]) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # pragma: no cover - the child
            os.execve(str(TWOSTEP_AUTH), [str(TWOSTEP_AUTH), *args], environ)  # noqa: S606
        self.pid, self.fd, self.seen = pid, fd, ""

    def expect(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            left = deadline - time.monotonic()
            assert left > 0, f"{text!r} not seen in {self.seen!r}"
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:  # the child closed the terminal
                    chunk = b""
                assert chunk, f"{text!r} not seen before the end: {self.seen!r}"
                self.seen += chunk.decode("utf-8", "replace")
        return self.seen

    def send(self, line: str) -> None:
        os.write(self.fd, (line + "\n").encode())

    def wait(self) -> int:
        try:
            while os.read(self.fd, 4096):
                pass
        except OSError:
            pass
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)


def test_interactive_import_asks_the_file_password_and_confirms(unlocked, tmp_path):
    samples = tuple(
        B.Sample("totp", f"Issuer {i}", "me", B.SAMPLES[0].secret[:-2] + f"{i % 26 + 65:c}A")
        for i in range(260)
    )
    path = tmp_path / "big.json"
    path.write_bytes(B.aegis_encrypted(B.aegis_content(samples)))
    term = Terminal(["import", str(path)], unlocked.environ())
    term.expect("Password of the Aegis file:")
    term.send(B.PASSWORD)
    term.expect("260/260")  # the progress bar, drawn on a terminal for many entries
    term.expect("260 new")
    term.expect("Import 260 accounts")
    term.send("y")
    term.expect("saving  [")  # and another while they are saved
    term.expect("Imported 260 accounts")
    assert term.wait() == 0
    assert B.PASSWORD not in term.seen  # not echoed
    assert len(services.open_vault().entries()) == 260


def test_interactive_plain_export_can_be_declined(unlocked, tmp_path):
    unlocked.ok("import", str(_uri_file(tmp_path)))
    out = tmp_path / "plain.txt"
    term = Terminal(["export", "-f", "otpauth", "-o", str(out)], unlocked.environ())
    term.expect("in clear")
    term.expect("[y/N]")
    term.send("")
    term.expect("Nothing was exported.")
    assert term.wait() == 1
    assert not out.exists()


def test_interactive_encrypted_export_asks_the_password_twice(unlocked, tmp_path):
    unlocked.ok("import", str(_uri_file(tmp_path)))
    out = tmp_path / "backup.json"
    term = Terminal(["export", "-f", "aegis", "-o", str(out)], unlocked.environ())
    term.expect("Export password:")
    term.send("one password")
    term.expect("Again:")
    term.send("another password")
    term.expect("do not match")
    assert term.wait() == 2
    assert not out.exists()


def _uri_file(tmp_path: Path) -> Path:
    path = tmp_path / "list.txt"
    path.write_bytes(B.uri_list(B.SAMPLES[:2]))
    return path
