"""Running the example applications of examples/ against a real `twostep serve`: a verify key
of their own application, and the example's Flask development server in a subprocess."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from pathlib import Path

from server.support import TWOSTEP

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def verify_key(env: dict[str, str], application: str) -> str:
    """A verify key that may create users, for a new ``application`` (its own issuer)."""
    out = subprocess.run(
        [
            str(TWOSTEP),
            "apikeys",
            "create",
            "--scope",
            "verify",
            "--name",
            f"{application} example",
            "--allow-create-users",
            "--application",
            application,
            "--issuer",
            application,
            "--quiet",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


class FlaskProcess:
    """``flask --app APP run --port 0`` in ``folder``; ``url`` once it listens."""

    def __init__(self, folder: Path, app: str, env: dict[str, str]) -> None:
        self.args = [sys.executable, "-m", "flask", "--app", app, "run", "--port", "0"]
        self.folder = folder
        self.env = env
        self.lines: list[str] = []
        self.url = ""
        self._ready = threading.Event()
        self.proc: subprocess.Popen[str] | None = None

    def _pump(self) -> None:
        assert self.proc is not None
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            match = re.search(r"Running on (http://127\.0\.0\.1:\d+)", line)
            if match:
                self.url = match.group(1)
                self._ready.set()
        self._ready.set()

    def __enter__(self) -> FlaskProcess:
        self.proc = subprocess.Popen(
            self.args,
            cwd=self.folder,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()
        if not self._ready.wait(60) or not self.url:
            self.__exit__()
            raise RuntimeError("the example did not start:\n" + "\n".join(self.lines))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._thread.join(timeout=10)
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        self.proc = None
