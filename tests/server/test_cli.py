"""The `twostep` command through its real entry point (subprocesses with their own data dir)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from .support import TWOSTEP, base_env

PASSWORD = "correct horse battery staple"

ENROL = """
import datetime, django, sys, time
django.setup()
from twostep.otp import generate_totp
from twostep.server.accounts.models import User
from twostep.server.clock import system_clock
from twostep.server.usecases import enrolment as mfa
from twostep.server.usecases.verification import verify
user = User.objects.get(username="alice")
if sys.argv[1] == "enrol":
    enrolment = mfa.start_enrolment(user, clock=system_clock)
    mfa.confirm_enrolment(user, enrolment.id, generate_totp(enrolment.secret, time.time()),
                          clock=system_clock)
    print("result:", enrolment.secret.base32)
else:
    from twostep.otp import Secret
    secret = Secret.from_base32(sys.argv[2])
    later = lambda: system_clock() + datetime.timedelta(seconds=60)  # a step not used yet
    verified = verify(user, generate_totp(secret, later().timestamp()), kind="totp", clock=later)
    print("result:", verified.method)
"""


def run(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TWOSTEP), *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def python(env: dict[str, str], *args: str) -> str:
    # PYTHONPATH: the script uses the tests' own helpers (server.actions).
    tests = str(Path(__file__).resolve().parents[1])
    env = {**env, "DJANGO_SETTINGS_MODULE": "twostep.server.settings", "PYTHONPATH": tests}
    out = subprocess.run(
        [sys.executable, "-c", ENROL, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    # The console mail backend prints the notices too (at exit: they are sent in the background).
    (result,) = [line for line in out.stdout.splitlines() if line.startswith("result: ")]
    return result.removeprefix("result: ")


def test_help_teaches_and_does_not_load_django() -> None:
    out = run({"PATH": "/usr/bin:/bin"}, "--help")
    assert out.returncode == 0
    for word in ("serve", "createuser", "check", "rotate-keys", "TWOSTEP_DATABASE_URL"):
        assert word in out.stdout
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from twostep.server import cli; cli.build_parser(); "
            "print('django' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "False"
    assert run({"PATH": "/usr/bin:/bin"}).returncode == 2  # no command: help, usage error


def test_check_explains_problems_in_words(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TWOSTEP_DATA_DIR": str(tmp_path)}
    out = run({**env, "TWOSTEP_DATABASE_URL": "mysql://db/x"}, "check")
    assert out.returncode == 1
    assert "problem: TWOSTEP_DATABASE_URL: unsupported scheme 'mysql'" in out.stdout
    out = run({**env, "TWOSTEP_DATABASE_URL": "postgres://postgres@127.0.0.1:1/nope"}, "check")
    assert out.returncode == 1
    assert "no secret key yet" in out.stdout  # `check` never creates the key itself
    assert not (tmp_path / "secret_keys").exists()
    run(env, "migrate")
    out = run(env, "check")
    assert out.returncode == 0, out.stdout
    assert "warning: TWOSTEP_SECRET_KEYS is not set" in out.stdout
    assert "No problems found." in out.stdout
    out = run({**env, "TWOSTEP_DATABASE_URL": "postgres://postgres@127.0.0.1:1/nope"}, "check")
    assert out.returncode == 1
    assert "problem: cannot use the database: OperationalError" in out.stdout


def test_check_warns_of_protected_sites_outside_the_cookie_domain(tmp_path: Path) -> None:
    env = base_env(
        tmp_path,
        TWOSTEP_BASE_URL="https://auth.example.test",
        TWOSTEP_COOKIE_DOMAIN="example.test",
    )
    assert run(env, "migrate").returncode == 0
    for domain, policy in [
        ("wiki.example.test", "one_factor"),
        ("grafana.other.test", "two_factor"),
        ("public.other.test", "bypass"),  # nobody is sent to sign in: no warning
    ]:
        added = run(env, "sites", "add", domain, "--policy", policy)
        assert added.returncode == 0, added.stderr
    out = run(env, "check")
    assert out.returncode == 0, out.stdout  # a warning, not a problem
    assert (
        "warning: protected-site rule #2 (grafana.other.test, two_factor) is outside "
        "TWOSTEP_COOKIE_DOMAIN (example.test)"
    ) in out.stdout
    assert "wiki.example.test" not in out.stdout
    assert "public.other.test" not in out.stdout
    report = json.loads(run(env, "check", "--json").stdout)
    assert len(report["out_of_reach"]) == 1
    assert "grafana.other.test" in report["out_of_reach"][0]
    assert report["out_of_reach"][0] in report["warnings"]


def test_check_compares_the_base_url_with_the_port_served(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    assert run(env, "migrate").returncode == 0
    out = run(env, "check", "--port", "8111")
    assert out.returncode == 0, out.stdout
    assert "Base URL: http://127.0.0.1:8111 (the address served" in out.stdout
    assert "8000" not in out.stdout
    out = run(env, "check")
    assert "Base URL: the address `twostep serve` listens on" in out.stdout
    # Set to this machine on another port: the links in mail would be refused.
    out = run({**env, "TWOSTEP_BASE_URL": "http://127.0.0.1:8000"}, "check", "--port", "8111")
    assert out.returncode == 1, out.stdout
    assert "problem: TWOSTEP_BASE_URL is http://127.0.0.1:8000 but the server listens on " in (
        out.stdout
    )
    assert "No problems found." not in out.stdout


@pytest.mark.slow
def test_mail_links_lead_to_the_port_served(tmp_path: Path) -> None:
    """`twostep serve --port 0` (any port but 8000) without TWOSTEP_BASE_URL: the footer of the
    mail that 2FA is on (printed, no SMTP) links to the port served."""
    import time

    from .support import ServerProcess, enrol_owner_over_http

    with ServerProcess(base_env(tmp_path), workers=1, threads=2) as server:
        assert server.setup_link.startswith(server.url)
        enrol_owner_over_http(server)
        deadline = time.monotonic() + 20
        while not any("Your account: " in line for line in server.lines):
            assert time.monotonic() < deadline, "\n".join(server.lines)
            time.sleep(0.05)
        footers = [line for line in server.lines if line.startswith("Your account: ")]
        assert footers == [f"Your account: {server.url}account/"]


def test_createuser_and_its_errors(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    assert run(env, "migrate").returncode == 0
    out = run(
        env,
        "createuser",
        "olga",
        "--email",
        "olga@example.com",
        "--role",
        "owner",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "Created owner olga <olga@example.com>"
    out = run(
        env,
        "createuser",
        "OLGA",
        "--email",
        "x@example.com",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert out.returncode == 1
    assert out.stderr.strip() == "twostep: That username is taken."
    out = run(env, "createuser", "bob", "--password-stdin", stdin="short\n")
    assert out.returncode == 1
    assert "This password is too short" in out.stderr
    assert "Traceback" not in out.stderr
    out = run(env, "createuser", "api-user", "--no-password", "--role", "nosuchrole")
    assert out.stderr.strip() == "twostep: There is no role 'nosuchrole'."


def test_setup_link_replaces_the_printed_link_until_there_is_an_owner(tmp_path: Path) -> None:
    import re

    import httpx

    from .support import ServerProcess

    env = base_env(tmp_path)
    with ServerProcess(env, workers=1, threads=2) as server:
        printed = server.setup_link
        assert printed.startswith(server.url + "welcome/?token=")
        assert httpx.get(printed).status_code == 200  # the owner form
        out = run(env, "setup-link", "--port", server.url.rsplit(":", 1)[1].rstrip("/"))
        assert out.returncode == 0, out.stderr
        found = re.search(r"Open (http://\S+) to create the owner account", out.stdout)
        assert found
        assert found.group(1).startswith(server.url + "welcome/?token=")
        assert httpx.get(printed).status_code == 403  # replaced
        assert httpx.get(found.group(1)).status_code == 200
    owner = run(
        env,
        "createuser",
        "olga",
        "--email",
        "o@example.com",
        "--role",
        "owner",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert owner.returncode == 0, owner.stderr
    out = run(env, "setup-link")
    assert out.returncode == 1
    assert out.stderr.strip() == "twostep: The owner account already exists. Sign in instead."


@pytest.mark.slow
def test_rotate_keys_re_encrypts_and_codes_still_work(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    old_key = env["TWOSTEP_SECRET_KEYS"]
    assert run(env, "migrate").returncode == 0
    assert (
        run(
            env,
            "createuser",
            "alice",
            "--email",
            "a@example.com",
            "--password-stdin",
            stdin=PASSWORD + "\n",
        ).returncode
        == 0
    )
    secret = python(env, "enrol")
    rotated = {**env, "TWOSTEP_SECRET_KEYS": "brand-new-key-" + "x" * 30 + "," + old_key}
    out = run(rotated, "check")
    assert "use an older key: run `twostep rotate-keys`" in out.stdout
    out = run(rotated, "rotate-keys")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Re-encrypted 1 device secret(s)")
    only_new = {**env, "TWOSTEP_SECRET_KEYS": "brand-new-key-" + "x" * 30}
    assert "older key" not in run(only_new, "check").stdout
    assert python(only_new, "verify", secret) == "totp"
    # With only the old key the secret cannot be read: `check` says so in words.
    out = run(env, "check")
    assert out.returncode == 1
    assert "encrypted with a key that is not configured" in out.stdout


def test_serve_refuses_a_port_in_use_with_a_clear_message(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = run(env, "serve", "--no-migrate", "--port", str(port))
    assert out.returncode == 1
    assert out.stderr.strip() == (
        f"twostep: port {port} on 127.0.0.1 is in use (another twostep serve?); "
        "stop that server or choose another --port"
    )


@pytest.mark.parametrize("port", ["70000", "-1", "http"])
def test_serve_refuses_a_port_number_out_of_range_as_a_usage_error(
    tmp_path: Path, port: str
) -> None:
    out = run(base_env(tmp_path), "serve", "--no-migrate", "--port", port)
    assert out.returncode == 2
    assert f"argument --port: {port!r} is not a port number (0 to 65535)" in out.stderr
    assert "Traceback" not in out.stderr


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == parent:
                found.append(int(entry.name))
    return found


def _sockets_by_process(port: int, pids: list[int], state: str) -> dict[int, int]:
    """How many TCP sockets of local ``port`` in ``state`` (01 established, 0A listening) each
    process holds (Linux /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            next(rows)
            for row in rows:
                fields = row.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                if local_port == port and fields[3] == state:
                    inodes.add(fields[9])
    counts = {}
    for pid in pids:
        fds = Path(f"/proc/{pid}/fd")
        held = {os.readlink(fd).removeprefix("socket:[").rstrip("]") for fd in fds.iterdir()}
        counts[pid] = len(inodes & held)
    return counts


def test_each_worker_listens_on_its_own_socket_so_connections_are_spread(tmp_path: Path) -> None:
    """Each worker listens on a socket of its own (SO_REUSEPORT) and the kernel spreads new
    connections over them. With the one socket all workers shared, the worker that woke first
    took them: the 16 keep-alive connections of wrk were seen split 15 to 1, one worker busy
    and the other idle. Then of 32 connections opened at once, each of the 2 workers holds at
    least 4 (the chance of fewer by a fair spread is about 3 in a million)."""
    import http.client
    from concurrent.futures import ThreadPoolExecutor

    from .support import ServerProcess

    with ServerProcess(base_env(tmp_path), workers=2, threads=2) as server:
        assert server.proc is not None
        port = int(server.url.rsplit(":", 1)[1].rstrip("/"))
        workers = _children(server.proc.pid)
        assert len(workers) == 2
        assert _sockets_by_process(port, workers, "0A") == dict.fromkeys(workers, 1)
        assert _sockets_by_process(port, [server.proc.pid], "0A") == {server.proc.pid: 0}
        clients = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(32)]

        def ask(client: http.client.HTTPConnection) -> int:
            for _ in range(20):
                client.request("GET", "/api/v1/ping")
                response = client.getresponse()
                response.read()
            return response.status

        try:
            # All at once, as a load test or a connection pool opens them; one request each,
            # kept alive: each connection stays with the worker that accepted it.
            with ThreadPoolExecutor(len(clients)) as pool:
                assert set(pool.map(ask, clients)) == {401}
            counts = _sockets_by_process(port, workers, "01")
        finally:
            for client in clients:
                client.close()
    assert sum(counts.values()) == 32, counts
    assert min(counts.values()) >= 4, counts
