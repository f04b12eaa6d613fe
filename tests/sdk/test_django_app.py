"""twostep.sdk.django, through examples/django_app (a few lines of settings and urls): the
example's own tests (Django's test client: setup with the QR code, a wrong code, a replayed
code, a recovery code, no open redirect, the session key rotated, the middleware and its
exemptions, the decorator without it, the "policy" setting, a 503 page when twostep is
down) run against a real `twostep serve`, in a process of their own (one Django per process)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import Server, unique
from .examples_support import EXAMPLES, verify_key

pytestmark = pytest.mark.slow


def test_the_django_example_s_tests_pass_against_twostep(server: Server) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": server.env["HOME"],
        "TWOSTEP_URL": server.url,
        "TWOSTEP_API_KEY": verify_key(server.env, unique("Django shop ")),
        "DJANGO_SECRET_KEY": "test-" + unique("k"),
        "PLAIN_HTTP": "1",
    }
    out = subprocess.run(
        [sys.executable, "manage.py", "test", "shop", "-v", "2"],
        cwd=EXAMPLES / "django_app",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Ran 6 tests" in out.stderr
