"""Cost of forward authentication's decision, ``GET /authz/auth-request``, against the floor
``GET /api/v1/ping`` in the same run, on PostgreSQL, without and with Redis. Not run in CI.

Run::

    .venv/bin/python benchmarks/bench_authz.py                 # 5 rounds of 3 s per case
    .venv/bin/python benchmarks/bench_authz.py --rounds 7 --seconds 5

What it does:

1. creates a PostgreSQL database (``authz_bench_*``), migrates it, makes a member who signs in
   with a password, a rule ``app.example.test one_factor`` and an API key for the floor;
2. for each configuration (no Redis; Redis DB ``--redis-db``): starts ``twostep serve
   --workers 2`` (gunicorn, 4 threads each), signs the member in over HTTP (a real session
   cookie), checks that the endpoint answers 200 with ``Remote-User``, warms both cases up;
3. drives it with ApacheBench (``ab -k -c 16``) for ``--seconds`` per case, in interleaved
   rounds (floor, then authz, ``--rounds`` times) so that a busy machine slows both alike;
   prints each round, then per case the median and the spread (min-max) of requests per
   second and p99, the CPU time per request of twostep's processes and of PostgreSQL (from
   /proc, as bench_verify counts it), and the medians of the per-round ratios of time per
   request and of twostep's CPU per request (authz / ping). On a shared machine the CPU ratio
   is the steadier measure of cost; PostgreSQL's CPU counts every client of the server.

The floor: ``GET /api/v1/ping`` checks an API key (one indexed read, a SHA-256) and answers
JSON. The decision: the session cookie's facts (kept per process after the first request), one
statement (the session, its row, the user, the lock, the groups, the rules' version), the
first matching rule.

Targets (issue 17): time per request within 1.3x of the floor's; p99 < 20 ms at concurrency 16.
Exit status 0 when both are met in both configurations (medians).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_verify import CpuMeter, Server

BIN = Path(sys.executable).parent
PG_HOST = "127.0.0.1"
PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TARGET_RATIO = 1.3
TARGET_P99_MS = 20.0

SETUP = r"""
import django, sys
django.setup()
from twostep.server.accounts.services import create_user
from twostep.server.applications.keys import create_api_key
from twostep.server.clock import system_clock
from twostep.server.gateway.sites import add_site
create_user(username="mia", email="mia@example.com", password=sys.argv[1], clock=system_clock)
add_site("app.example.test", policy="one_factor", clock=system_clock)
_, key = create_api_key(name="bench", scope="verify", clock=system_clock)
print("KEY " + key)
"""


@dataclass
class Run:
    case: str
    rps: float
    p99_ms: float
    failed: int
    non_2xx: int
    server_cpu_ms: float = 0.0  # CPU time of twostep's processes per request
    pg_cpu_ms: float = 0.0  # of PostgreSQL's (all of it: other users of the server count too)

    @property
    def ms_per_request(self) -> float:
        return 1000.0 / self.rps


def ab(
    url: str, seconds: float, headers: list[str], cookie: str | None = None, pid: int | None = None
) -> Run:
    args = ["ab", "-q", "-k", "-c", "16", "-t", str(seconds), "-n", "10000000", "-l"]
    for header in headers:
        args += ["-H", header]
    if cookie:
        args += ["-C", cookie]
    with CpuMeter(pid) as meter:
        out = subprocess.run([*args, url], capture_output=True, text=True, check=True, timeout=600)
    text = out.stdout

    def number(pattern: str) -> float:
        found = re.search(pattern, text)
        if found is None:
            raise RuntimeError(f"ab's output has no {pattern!r}:\n{text}\n{out.stderr}")
        return float(found.group(1))

    done = int(number(r"Complete requests:\s+(\d+)"))
    cpu = meter.per_request(done)
    rps = done / number(r"Time taken for tests:\s+([\d.]+) seconds")
    p99 = number(r"\n\s+99%\s+(\d+)")
    failed = int(number(r"Failed requests:\s+(\d+)"))
    found = re.search(r"Non-2xx responses:\s+(\d+)", text)
    non_2xx = int(found.group(1)) if found else 0
    return Run("", rps, p99, failed, non_2xx, cpu["server"], cpu["PostgreSQL"])


def session_cookie(url: str) -> str:
    with httpx.Client(base_url=url, timeout=30) as client:
        page = client.get("/signin/")
        token = CSRF_RE.search(page.text).group(1)  # type: ignore[union-attr]
        done = client.post(
            "/signin/",
            data={"csrfmiddlewaretoken": token, "identifier": "mia", "password": PASSWORD},
        )
        assert done.status_code == 302, done.text[:300]
        return f"twostep_session={client.cookies['twostep_session']}"


def measure(label: str, env: dict[str, str], key: str, rounds: int, seconds: float) -> bool:
    print(f"\n== {label}")
    with Server(env, workers=2, threads=4) as server:
        cookie = session_cookie(server.url)
        authz = [
            "X-Original-URL: http://app.example.test/some/page?x=1",
            "X-Original-Method: GET",
        ]
        check = httpx.get(
            server.url + "authz/auth-request",
            headers={**dict(h.split(": ", 1) for h in authz), "Cookie": cookie},
        )
        assert check.status_code == 200, check
        assert check.headers["Remote-User"] == "mia", check.headers
        ping = [f"Authorization: Bearer {key}"]
        ab(server.url + "api/v1/ping", 1, ping)  # warm-up
        ab(server.url + "authz/auth-request", 1, authz, cookie)
        pings: list[Run] = []
        decisions: list[Run] = []
        for number in range(1, rounds + 1):
            floor = ab(server.url + "api/v1/ping", seconds, ping, pid=server.proc.pid)
            decision = ab(
                server.url + "authz/auth-request", seconds, authz, cookie, pid=server.proc.pid
            )
            pings.append(floor)
            decisions.append(decision)
            print(
                f"round {number}: ping {floor.rps:5.0f} req/s p99 {floor.p99_ms:4.0f} ms "
                f"cpu {floor.server_cpu_ms:.2f}+{floor.pg_cpu_ms:.2f} ms | "
                f"authz {decision.rps:5.0f} req/s p99 {decision.p99_ms:4.0f} ms "
                f"cpu {decision.server_cpu_ms:.2f}+{decision.pg_cpu_ms:.2f} ms | ratio "
                f"{decision.ms_per_request / floor.ms_per_request:4.2f} "
                f"(errors {floor.failed + floor.non_2xx}/{decision.failed + decision.non_2xx})"
            )
    ratios = [d.ms_per_request / p.ms_per_request for p, d in zip(pings, decisions, strict=True)]
    cpu_ratios = [
        d.server_cpu_ms / p.server_cpu_ms
        for p, d in zip(pings, decisions, strict=True)
        if p.server_cpu_ms
    ]
    for name, runs in (("GET /api/v1/ping (floor)", pings), ("GET /authz/auth-request", decisions)):
        rps = [r.rps for r in runs]
        p99 = [r.p99_ms for r in runs]
        server = statistics.median(r.server_cpu_ms for r in runs)
        pg = statistics.median(r.pg_cpu_ms for r in runs)
        print(
            f"{name:<26} {statistics.median(rps):6.0f} req/s ({min(rps):.0f}-{max(rps):.0f})"
            f"   p99 {statistics.median(p99):4.0f} ms ({min(p99):.0f}-{max(p99):.0f})"
            f"   CPU per request: twostep {server:.2f} ms, PostgreSQL {pg:.2f} ms"
        )
    ratio = statistics.median(ratios)
    p99 = statistics.median(r.p99_ms for r in decisions)
    errors = sum(r.failed + r.non_2xx for r in pings + decisions)
    print(
        f"time per request, authz / ping: median {ratio:.2f} ({min(ratios):.2f}-{max(ratios):.2f})"
        f"; target <= {TARGET_RATIO}  |  authz p99 {p99:.0f} ms; target < {TARGET_P99_MS:.0f}"
        f"  |  errors {errors}"
    )
    both = [
        (d.server_cpu_ms + d.pg_cpu_ms) / (p.server_cpu_ms + p.pg_cpu_ms)
        for p, d in zip(pings, decisions, strict=True)
        if p.server_cpu_ms + p.pg_cpu_ms
    ]
    if cpu_ratios and both:
        print(
            f"CPU per request, authz / ping: twostep median {statistics.median(cpu_ratios):.2f} "
            f"({min(cpu_ratios):.2f}-{max(cpu_ratios):.2f}); twostep + PostgreSQL median "
            f"{statistics.median(both):.2f} ({min(both):.2f}-{max(both):.2f})"
        )
    return ratio <= TARGET_RATIO and p99 < TARGET_P99_MS and errors == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--redis-db", type=int, default=7, help="Redis DB number for the run")
    args = parser.parse_args()
    if not shutil.which("ab"):
        print("ApacheBench (ab, Debian's apache2-utils) is needed", file=sys.stderr)
        return 2
    name = f"authz_bench_{os.getpid()}"
    subprocess.run(["createdb", "-h", PG_HOST, "-U", "postgres", name], check=True)
    data = Path(tempfile.mkdtemp(prefix="bench-authz-"))
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(data),
        "LANG": "C.UTF-8",
        "TWOSTEP_DATA_DIR": str(data),
        "TWOSTEP_DATABASE_URL": f"postgres://postgres@{PG_HOST}:5432/{name}",
        "TWOSTEP_SECRET_KEYS": "bench-" + secrets.token_urlsafe(32),
        "DJANGO_SETTINGS_MODULE": "twostep.server.settings",
    }
    try:
        subprocess.run([str(BIN / "twostep"), "migrate"], env=env, check=True, capture_output=True)
        out = subprocess.run(
            [sys.executable, "-c", SETUP, PASSWORD], env=env, check=True, capture_output=True,
            text=True,
        ).stdout  # fmt: skip
        key = out.split("KEY ", 1)[1].split()[0]
        print(f"{os.cpu_count()} CPUs; ab -k -c 16, {args.rounds} rounds of {args.seconds} s")
        ok = measure("PostgreSQL, no Redis", env, key, args.rounds, args.seconds)
        redis = {**env, "TWOSTEP_REDIS_URL": f"redis://127.0.0.1:6379/{args.redis_db}"}
        label = f"PostgreSQL + Redis (DB {args.redis_db})"
        ok = measure(label, redis, key, args.rounds, args.seconds) and ok
    finally:
        subprocess.run(
            ["dropdb", "-h", PG_HOST, "-U", "postgres", "--force", "--if-exists", name], check=False
        )
        shutil.rmtree(data, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
