"""`twostep serve --access-log`: every request logged, no token or code in any line.

The setup link's token (query), an invitation's token (path), an API key and a sign-in token
(``Authorization``) and a ``Referer`` that repeats the setup link reach a real server; its
output is searched for each. The unit part checks :func:`redact` on the shapes alone.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from twostep.server.cli.access_log import REDACTED, redact

from .support import ServerProcess, base_env

KEY = "tsk_0123456789ab_" + "A" * 43


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "GET /welcome/?token=abc-DEF_123 HTTP/1.1",
            "GET /welcome/?token=[redacted] HTTP/1.1",
        ),
        ("GET /x/?page=2&setup_token=s3cret&b=1", "GET /x/?page=2&setup_token=[redacted]&b=1"),
        ("GET /x/?Code=123456", "GET /x/?Code=[redacted]"),
        ("GET /console/join/Zm9vYmFy/ HTTP/1.1", "GET /console/join/[redacted]/ HTTP/1.1"),
        ("GET /sync/verify/Zm9v-YmFy/ HTTP/1.1", "GET /sync/verify/[redacted]/ HTTP/1.1"),
        (f"Bearer {KEY}", "Bearer [redacted]"),
        (f"/api/v1/x?k={KEY}", f"/api/v1/x?k={REDACTED}"),
        ("GET /console/users/?page=3 HTTP/1.1", "GET /console/users/?page=3 HTTP/1.1"),
    ],
)
def test_redact_hides_tokens_and_codes_and_keeps_the_rest(line: str, expected: str) -> None:
    assert redact(line) == expected


def wait_for(server: ServerProcess, text: str) -> str:
    """The server's output once ``text`` is in it (gunicorn writes the line after answering)."""
    deadline = time.monotonic() + 10
    while True:
        log = "\n".join(server.lines)
        if text in log or time.monotonic() > deadline:
            return log
        time.sleep(0.05)


def test_access_log_of_a_real_server_holds_no_token(tmp_path: Path) -> None:
    with ServerProcess(base_env(tmp_path), workers=1, threads=2, access_log=True) as server:
        link = server.setup_link
        token = link.rsplit("=", 1)[1]
        assert httpx.get(link).status_code == 200  # the owner form
        invitation = "Zm9vYmFyLWludml0YXRpb24tdG9rZW4"
        httpx.get(f"{server.url}console/join/{invitation}/")
        api = httpx.get(
            server.url + "api/v1/ping",
            headers={"Authorization": f"Bearer {KEY}", "Referer": link},
        )
        assert api.status_code == 401
        signin = httpx.post(
            server.url + "api/v1/signin/code",
            json={"signin_token": "tss_0123456789ab_" + "B" * 43, "code": "123456"},
        )
        assert signin.status_code in {400, 401, 404, 422}
        log = wait_for(server, "POST /api/v1/signin/code")
    assert '"GET /welcome/?token=[redacted] HTTP/1.1" 200' in log
    assert "GET /console/join/[redacted]/ HTTP/1.1" in log
    assert "GET /api/v1/ping HTTP/1.1" in log
    assert "POST /api/v1/signin/code HTTP/1.1" in log
    # The setup link is printed once at the start (for whoever runs the server), never again.
    assert log.count(token) == 1
    assert invitation not in log
    assert KEY not in log
