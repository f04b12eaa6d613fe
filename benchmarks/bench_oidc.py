"""Speed of the OpenID Connect token endpoint (code exchange, refresh) and userinfo under load
on PostgreSQL, against our own floor in the same run. Not run in CI.

Run::

    .venv/bin/python benchmarks/bench_oidc.py                 # 3 rounds of 5 s per case
    .venv/bin/python benchmarks/bench_oidc.py --rounds 5 --seconds 10

What it does:

1. creates a PostgreSQL database (``oidc_bench_*``), migrates it, and makes a user, an
   application with a confidential OpenID Connect client (first-party, RS256) and a verify
   API key, with the server's own services;
2. starts ``twostep serve --workers 2`` (gunicorn, 4 threads each) on 127.0.0.1;
3. drives it with wrk (``-t2 -c16``, the Lua script of ``bench_verify.py``: each request's body
   from a file) in ``--rounds`` interleaved rounds of ``--seconds`` per case:

   - the floor ``GET /api/v1/ping`` (an API key checked: one indexed read and a SHA-256);
   - ``POST /oidc/token`` exchanging codes (``grant_type=authorization_code``, PKCE S256,
     ``client_secret_post``; each code once: the codes are written just before the case as
     the authorize endpoint writes them, a django-oauth-toolkit grant and our
     ``Authentication`` row; the answer carries an access token, a refresh token and an
     RS256-signed ID token);
   - ``POST /oidc/token`` refreshing (``grant_type=refresh_token``; each refresh token once:
     rotation, the old one revoked, a new pair and ID token written);
   - ``GET /oidc/userinfo`` with one access token;

4. prints, per case, the median over the rounds and the spread (lowest-highest) of requests/s,
   p50 and p99, and the CPU time per request of the server, PostgreSQL, wrk and the rest; then
   requests/s per CPU (1000 ms / the server's CPU ms per request, and with PostgreSQL's
   counted too) beside Keycloak's published figure for refresh-token requests (about 120/s
   per vCPU, Keycloak's sizing guide; its database is sized apart, as our first figure).

The machine is shared and noisy: rounds are interleaved so a busy moment slows every case
alike; compare the cases within a run, and CPU time per request more than requests/s.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import secrets
import statistics
import sys
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_verify import (
    BIN,
    NO_TOKEN,
    Result,
    Server,
    environment,
    psql,
    setup_django,
    wrk,
)

KEYCLOAK_REFRESH_PER_VCPU = 120  # Keycloak 26 sizing guide: refresh-token requests/s per vCPU
REDIRECT = "https://rp.example/callback"
SCOPE = "openid profile email offline_access"
FORM = "application/x-www-form-urlencoded"


def prepare(env: dict[str, str]) -> dict[str, Any]:
    """The user, the application and its client, a verify key (in this process)."""
    import subprocess

    subprocess.run([str(BIN / "twostep"), "migrate"], env=env, check=True, capture_output=True)
    setup_django(env)
    from twostep.server.accounts.services import create_user
    from twostep.server.applications.keys import create_api_key
    from twostep.server.applications.models import Application
    from twostep.server.clock import system_clock
    from twostep.server.oidc.clients import create_client

    user = create_user(
        username="bench", email="bench@example.com", password=None, clock=system_clock
    )
    app = Application.objects.create(name="Bench RP", created_at=system_clock())
    made = create_client(app, redirect_uris=[REDIRECT], first_party=True, clock=system_clock)
    _key, text = create_api_key(name="bench", scope="verify", clock=system_clock)
    from twostep.server.oidc.keys import signing_key

    signing_key("RS256", clock=system_clock)  # the first key is made on first use: not measured
    return {"user": user, "client": made.client, "secret": made.client_secret, "key": text}


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def write_codes(ctx: dict[str, Any], count: int, path: Path) -> Path:
    """``count`` fresh codes, as the authorize endpoint leaves them (grant + Authentication)."""
    from oauth2_provider.models import Grant

    from twostep.server.clock import system_clock
    from twostep.server.oidc.models import Authentication

    now = system_clock()
    grants, auths, bodies = [], [], []
    for _ in range(count):
        code = secrets.token_urlsafe(30)
        verifier = secrets.token_urlsafe(48)
        grants.append(
            Grant(
                application=ctx["client"],
                user=ctx["user"],
                code=code,
                expires=now + timedelta(seconds=60),
                redirect_uri=REDIRECT,
                scope=SCOPE,
                code_challenge=_challenge(verifier),
                code_challenge_method="S256",
                nonce=secrets.token_urlsafe(8),
                claims="{}",
            )
        )
        auths.append(
            Authentication(
                user=ctx["user"],
                client=ctx["client"],
                code_digest=hashlib.sha256(code.encode()).hexdigest(),
                amr=["pwd", "otp"],
                acr="urn:twostep:acr:2fa",
                auth_time=now,
                created_at=now,
            )
        )
        bodies.append(
            urlencode(
                {
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": REDIRECT,
                    "code_verifier": verifier,
                    "client_id": ctx["client"].client_id,
                    "client_secret": ctx["secret"],
                }
            )
        )
    Grant.objects.bulk_create(grants, batch_size=1000)
    Authentication.objects.bulk_create(auths, batch_size=1000)
    path.write_text("\n".join(bodies) + "\n", encoding="utf-8")
    return path


def write_refresh_tokens(ctx: dict[str, Any], count: int, path: Path) -> Path:
    """``count`` live refresh tokens (each with its access token and family), as a code
    exchange leaves them."""
    from oauth2_provider.models import AccessToken, RefreshToken, set_token_value

    from twostep.server.clock import system_clock
    from twostep.server.oidc.models import Authentication

    now = system_clock()
    accesses, raws, families = [], [], []
    for _ in range(count):
        access = AccessToken(
            user=ctx["user"],
            application=ctx["client"],
            scope=SCOPE,
            expires=now + timedelta(minutes=10),
        )
        set_token_value(access, secrets.token_urlsafe(30))
        accesses.append(access)
        raws.append(secrets.token_urlsafe(30))
        families.append(uuid.uuid4())
    accesses = AccessToken.objects.bulk_create(accesses, batch_size=1000)
    refreshes = []
    for access, raw, family in zip(accesses, raws, families, strict=True):
        refresh = RefreshToken(
            user=ctx["user"], application=ctx["client"], access_token=access, token_family=family
        )
        set_token_value(refresh, raw)
        refreshes.append(refresh)
    RefreshToken.objects.bulk_create(refreshes, batch_size=1000)
    Authentication.objects.bulk_create(
        [
            Authentication(
                user=ctx["user"],
                client=ctx["client"],
                code_digest=secrets.token_hex(32),
                amr=["pwd", "otp"],
                acr="urn:twostep:acr:2fa",
                auth_time=now,
                created_at=now,
                redeemed_at=now,
                token_family=family,
            )
            for family in families
        ],
        batch_size=1000,
    )
    bodies = [
        urlencode(
            {
                "grant_type": "refresh_token",
                "refresh_token": raw,
                "client_id": ctx["client"].client_id,
                "client_secret": ctx["secret"],
            }
        )
        for raw in raws
    ]
    path.write_text("\n".join(bodies) + "\n", encoding="utf-8")
    return path


def access_token(ctx: dict[str, Any]) -> str:
    from oauth2_provider.models import AccessToken, set_token_value

    from twostep.server.clock import system_clock

    raw = secrets.token_urlsafe(30)
    token = AccessToken(
        user=ctx["user"],
        application=ctx["client"],
        scope=SCOPE,
        expires=system_clock() + timedelta(hours=2),
    )
    set_token_value(token, raw)
    token.save()
    return raw


def enough(results: list[Result], seconds: float) -> int:
    """Bodies for one case: 1.5 times the best rate seen so far (400/s before any)."""
    rate = max((r.rps for r in results), default=400)
    return int(rate * seconds * 1.5) + 200


def summary(name: str, results: list[Result]) -> dict[str, float]:
    rps = [r.rps for r in results]
    p50 = [r.p50_ms for r in results]
    p99 = [r.p99_ms for r in results]
    cpu = {k: statistics.median(r.cpu.get(k, 0) for r in results) for k in results[0].cpu}
    statuses = sum(r.ok + r.rejected for r in results), sum(r.other for r in results)
    errors = sum(r.socket_errors for r in results) + sum(r.repeats for r in results)
    print(
        f"{name:<38} {statistics.median(rps):7.0f} req/s ({min(rps):.0f}-{max(rps):.0f})   "
        f"p50 {statistics.median(p50):6.1f} ms ({min(p50):.1f}-{max(p50):.1f})   "
        f"p99 {statistics.median(p99):6.1f} ms ({min(p99):.1f}-{max(p99):.1f})"
    )
    print(
        f"{'':<38} 200: {statuses[0]}, other: {statuses[1]}, socket errors and reused bodies: "
        f"{errors}; CPU ms per request: " + ", ".join(f"{k} {v:.2f}" for k, v in cpu.items())
    )
    return cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5, help="length of each case")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    db = f"oidc_bench_{os.getpid()}_{secrets.token_hex(3)}"
    psql(f"CREATE DATABASE {db}")
    try:
        with tempfile.TemporaryDirectory(prefix="oidc-bench-") as tmp:
            work = Path(tmp)
            (work / "static").mkdir()
            env = environment(work, db)
            ctx = prepare(env)
            bearer = access_token(ctx)
            with Server(env, args.workers, args.threads) as server:
                url = server.url
                pid = server.proc.pid
                print(
                    f"twostep {url} on PostgreSQL, {args.workers} workers x {args.threads} "
                    f"threads, wrk -t2 -c16, {args.rounds} rounds of {args.seconds:g} s; "
                    f"{os.cpu_count()} CPUs, shared and noisy"
                )
                wrk(
                    "warm-up",
                    url + "api/v1/ping",
                    seconds=2,
                    token=ctx["key"],
                    method="GET",
                    bodies=None,
                    workdir=work,
                )
                # Each worker loads the signing key and warms its caches: not measured.
                warm = write_codes(ctx, 100, work / "warm.txt")
                wrk(
                    "warm-up",
                    url + "oidc/token",
                    seconds=2,
                    token=NO_TOKEN,
                    method="POST",
                    bodies=warm,
                    workdir=work,
                    content_type=FORM,
                )
                results: dict[str, list[Result]] = {
                    "floor": [],
                    "code": [],
                    "refresh": [],
                    "userinfo": [],
                }
                for _ in range(args.rounds):
                    results["floor"].append(
                        wrk(
                            "GET /api/v1/ping (floor)",
                            url + "api/v1/ping",
                            seconds=args.seconds,
                            token=ctx["key"],
                            method="GET",
                            bodies=None,
                            workdir=work,
                            server_pid=pid,
                        )
                    )
                    codes = write_codes(
                        ctx, enough(results["code"], args.seconds), work / "codes.txt"
                    )
                    results["code"].append(
                        wrk(
                            "POST /oidc/token (code)",
                            url + "oidc/token",
                            seconds=args.seconds,
                            token=NO_TOKEN,
                            method="POST",
                            bodies=codes,
                            workdir=work,
                            content_type=FORM,
                            server_pid=pid,
                        )
                    )
                    tokens = write_refresh_tokens(
                        ctx, enough(results["refresh"], args.seconds), work / "refresh.txt"
                    )
                    results["refresh"].append(
                        wrk(
                            "POST /oidc/token (refresh)",
                            url + "oidc/token",
                            seconds=args.seconds,
                            token=NO_TOKEN,
                            method="POST",
                            bodies=tokens,
                            workdir=work,
                            content_type=FORM,
                            server_pid=pid,
                        )
                    )
                    results["userinfo"].append(
                        wrk(
                            "GET /oidc/userinfo",
                            url + "oidc/userinfo",
                            seconds=args.seconds,
                            token=bearer,
                            method="GET",
                            bodies=None,
                            workdir=work,
                            server_pid=pid,
                        )
                    )
                print()
                names = {
                    "floor": "GET /api/v1/ping (floor)",
                    "code": "POST /oidc/token, code exchange",
                    "refresh": "POST /oidc/token, refresh",
                    "userinfo": "GET /oidc/userinfo",
                }
                cpus = {case: summary(names[case], rs) for case, rs in results.items()}
                floor_rps = statistics.median(r.rps for r in results["floor"])
                print()
                for case in ("code", "refresh", "userinfo"):
                    rps = statistics.median(r.rps for r in results[case])
                    server_ms = cpus[case].get("server", 0)
                    with_db = server_ms + cpus[case].get("PostgreSQL", 0)
                    line = (
                        f"{names[case]:<38} {rps / floor_rps:5.0%} of the floor; per CPU: "
                        f"{1000 / server_ms if server_ms else 0:5.0f} req/s (server), "
                        f"{1000 / with_db if with_db else 0:5.0f} req/s (server + PostgreSQL)"
                    )
                    if case == "refresh":
                        line += f"   Keycloak: ~{KEYCLOAK_REFRESH_PER_VCPU} req/s per vCPU"
                    print(line)
                bad = sum(r.other + r.socket_errors for rs in results.values() for r in rs)
                if bad:
                    print(f"\n{bad} requests were not answered 200: see the lines above.")
                return 1 if bad else 0
    finally:
        psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


if __name__ == "__main__":
    sys.exit(main())
