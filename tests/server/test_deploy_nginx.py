"""The deployment of docs/deploy.md, for real: nginx (Debian's) terminates TLS with a certificate
made here, in front of three `twostep serve` instances standing for three nodes (own processes,
ports and data directories; one PostgreSQL database, one Redis DB, the same keys).

1. Whichever instance answers each step: the setup link one instance printed works on the
   others, a sign-in started on one ends on another, a code accepted by one is refused by the
   others (replay), and a wrong code counted by one makes the others wait (throttle).
2. Under a load of API sign-ins and verifications through nginx, one instance is killed with
   SIGKILL (its whole process group: a node gone): only requests in flight on it at that
   moment fail (nginx's log names the upstream of each), and no code is accepted twice.

The site file is docs/deploy/nginx-twostep.conf itself, its placeholders filled in.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import re
import signal
import socket
import ssl
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import httpx
import pyotp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .support import (
    CSRF_RE,
    KEY_RE,
    PASSWORD,
    TWOSTEP,
    ServerProcess,
    base_env,
    postgres_database,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(240)]

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "docs" / "deploy" / "nginx-twostep.conf"
REDIS_URL = "redis://127.0.0.1:6379/8"
APP_USERS = 8
VERIFY_THREADS = 6
SIGNIN_THREADS = 2
CREATE_KEY = ("apikeys", "create", "--scope", "verify", "--name", "load", "--allow-create-users")
CREATE_KEY += ("--quiet",)


def nginx_args(folder: Path) -> list[str]:
    """nginx in the foreground, its prefix, error log and configuration in ``folder``."""
    return [
        "nginx",
        "-p",
        str(folder),
        "-e",
        str(folder / "error.log"),
        "-c",
        "nginx.conf",
        "-g",
        "daemon off;",
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "twostep test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@contextlib.contextmanager
def nginx(folder: Path, port: int, instances: list[str]) -> Iterator[Path]:
    """nginx in the foreground with the site file of docs/deploy; yields its access log."""
    cert, key = self_signed(folder)
    site = SITE.read_text(encoding="utf-8")
    values = {
        "LISTEN": f"127.0.0.1:{port}",
        "SERVER_NAME": "127.0.0.1",
        "CERTIFICATE": str(cert),
        "CERTIFICATE_KEY": str(key),
        **{f"INSTANCE_{i}": address for i, address in enumerate(instances, 1)},
    }
    for name, value in values.items():
        site = site.replace("{{" + name + "}}", value)
    assert not re.search(r"^[^#]*\{\{", site, re.MULTILINE), site  # every one filled in
    (folder / "site.conf").write_text(site, encoding="utf-8")
    temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir()
    (folder / "nginx.conf").write_text(
        f"""
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 512; }}
http {{
    log_format deploy '$http_x_test_id $status "$upstream_addr" "$upstream_status"';
    access_log {folder}/access.log deploy;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {folder}/site.conf;
}}
""",
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        nginx_args(folder),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                assert proc.stderr is not None
                raise RuntimeError("nginx did not start: " + proc.stderr.read().decode())
            time.sleep(0.05)
        yield folder / "access.log"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if proc.stderr is not None:
            proc.stderr.close()


class Direct:
    """A client of one instance as if nginx sent it (X-Forwarded-Proto: https, from 127.0.0.1,
    a trusted proxy), with the cookies kept by hand: they are Secure, for an https origin."""

    origin = ""  # the public URL (nginx's), the origin a browser's form posts carry
    opened: ClassVar[list[httpx.Client]] = []

    def __init__(self, url: str, jar: dict[str, str] | None = None) -> None:
        self.client = httpx.Client(base_url=url, timeout=30, follow_redirects=False)
        Direct.opened.append(self.client)
        self.jar = {} if jar is None else jar

    def on(self, url: str) -> Direct:
        """The same browser (the same cookies) talking to another instance."""
        return Direct(url, self.jar)

    @classmethod
    def close_all(cls) -> None:
        for client in cls.opened:
            client.close()
        cls.opened.clear()

    def request(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}
        if method == "POST":
            headers["Origin"] = self.origin
        if self.jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        response = self.client.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value and "max-age=0" not in header.lower():
                self.jar[name] = value
            else:
                self.jar.pop(name, None)
        return response

    def form(self, path: str) -> str:
        page = self.request("GET", path)
        match = CSRF_RE.search(page.text)
        assert match, f"no form on {path}: {page.status_code}"
        return match.group(1)


@dataclass
class Done:
    kind: str
    test_id: str
    started: float
    ended: float
    status: int  # 0: no answer at all
    accepted: tuple[str, str] | None = None  # (user, code) when a code was accepted


def test_three_instances_behind_nginx(tmp_path: Path) -> None:
    subprocess.run(["redis-cli", "-n", "8", "flushdb"], check=True, capture_output=True)
    nginx_port = free_port()
    base_url = f"https://127.0.0.1:{nginx_port}"
    keys = "deploy-" + os.urandom(24).hex()
    with postgres_database("deploy") as database, contextlib.ExitStack() as stack:
        servers: list[ServerProcess] = []
        for index in range(3):
            data = tmp_path / f"node{index + 1}"
            data.mkdir()
            env = base_env(
                data,
                TWOSTEP_DATABASE_URL=database,
                TWOSTEP_REDIS_URL=REDIS_URL,
                TWOSTEP_SECRET_KEYS=keys,
                TWOSTEP_BASE_URL=base_url,
            )
            server = ServerProcess(
                env,
                workers=1,
                threads=4,
                extra_args=("--forwarded-allow-ips", "127.0.0.1"),
                new_session=True,
            )
            servers.append(stack.enter_context(server))
        urls = [s.url for s in servers]
        Direct.origin = base_url
        try:
            owner_key = any_instance_serves_any_step(servers)
        finally:
            Direct.close_all()
        api_key = subprocess.run(
            [str(TWOSTEP), *CREATE_KEY],
            env=servers[0].env,
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.strip()
        folder = tmp_path / "nginx"
        folder.mkdir()
        instances = [u.removeprefix("http://").rstrip("/") for u in urls]
        access_log = stack.enter_context(nginx(folder, nginx_port, instances))
        context = ssl.create_default_context(cafile=str(folder / "cert.pem"))
        one_node_dies(servers, base_url, context, api_key, owner_key, access_log, instances[1])


def any_instance_serves_any_step(servers: list[ServerProcess]) -> str:
    """Each step of a flow on another instance than the one before; returns the owner's key."""
    one, two, three = (s.url for s in servers)
    # The setup link printed by the first instance: its form from the second, sent to the third.
    printed = "\n".join(servers[0].lines)
    match = re.search(r"No accounts yet: open https://[^/]+(/\S+) to create", printed)
    assert match, printed  # the public URL (nginx's), printed once at the start
    path = match.group(1)
    browser = Direct(two)
    token = browser.form(path)
    answer = browser.on(three).request(
        "POST",
        path,
        data={
            "csrfmiddlewaretoken": token,
            "username": "owner",
            "email": "owner@example.com",
            "display_name": "The Owner",
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert answer.status_code == 302, answer.text
    # Sign in on the first, see the key on the second, confirm the first code on the third.
    signed = Direct(one)
    answer = signed.request(
        "POST",
        "/signin/",
        data={"csrfmiddlewaretoken": signed.form("/signin/"), "identifier": "owner"}
        | {"password": PASSWORD},
    )
    assert answer.headers["location"] == "/two-step/setup/", answer.text
    page = signed.on(two).request("GET", "/two-step/setup/")
    key = "".join(KEY_RE.findall(page.text))
    assert len(key) == 32
    totp = pyotp.TOTP(key)
    third = signed.on(three)
    answer = third.request(
        "POST",
        "/two-step/setup/",
        data={"csrfmiddlewaretoken": third.form("/two-step/setup/"), "code": totp.now()},
    )
    assert answer.headers.get("location") == "/two-step/enabled/", answer.text
    assert signed.on(one).request("GET", "/account/").status_code == 200

    # A code of the next step (inside the window): accepted by one instance, refused by another.
    code = totp.at(time.time() + 30)
    first = sign_in_with_code(Direct(two), Direct(three), code)
    assert first.status_code == 302, first.text
    assert first.headers["location"] != "/signin/code/"
    replay = sign_in_with_code(Direct(three), Direct(one), code)
    assert replay.status_code == 400  # the code form again, with the error
    assert "That code was not accepted" in replay.text
    # Throttle: a wrong code counted by the second instance makes the third wait (each wrong
    # code in a row doubles the wait from 1 s; the two posts follow each other at once).
    browser = Direct(one)
    answer = browser.request(
        "POST",
        "/signin/",
        data={"csrfmiddlewaretoken": browser.form("/signin/"), "identifier": "owner"}
        | {"password": PASSWORD},
    )
    assert answer.headers["location"] == "/signin/code/", answer.text
    token = browser.on(two).form("/signin/code/")
    wrong = {"csrfmiddlewaretoken": token, "code": "000000"}
    browser.on(two).request("POST", "/signin/code/", data=wrong)
    waited = browser.on(three).request("POST", "/signin/code/", data=wrong)
    assert re.search(r"can be tried in \d+ seconds?", waited.text), waited.text
    return key


def sign_in_with_code(password_on: Direct, code_on: Direct, code: str) -> httpx.Response:
    answer = password_on.request(
        "POST",
        "/signin/",
        data={"csrfmiddlewaretoken": password_on.form("/signin/"), "identifier": "owner"}
        | {"password": PASSWORD},
    )
    assert answer.headers["location"] == "/signin/code/", answer.text
    there = password_on.on(code_on.client.base_url.__str__())
    return there.request(
        "POST",
        "/signin/code/",
        data={"csrfmiddlewaretoken": there.form("/signin/code/"), "code": code},
    )


def one_node_dies(  # noqa: PLR0917
    servers: list[ServerProcess],
    base_url: str,
    context: ssl.SSLContext,
    api_key: str,
    owner_key: str,
    access_log: Path,
    victim: str,
) -> None:
    bearer = {"Authorization": f"Bearer {api_key}"}
    secrets: dict[str, str] = {}
    with httpx.Client(base_url=base_url, verify=context, timeout=30) as browser:
        # Through the proxy twostep knows the request came over HTTPS: no redirect, HSTS and
        # __Host- cookies; /metrics stays inside.
        page = browser.get("/signin/")
        assert page.status_code == 200
        assert page.headers["Strict-Transport-Security"].startswith("max-age=")
        assert any(c.startswith("__Host-") for c in page.headers.get_list("set-cookie"))
        assert browser.get("/metrics").status_code == 404
        assert browser.get("/readyz").text == "ready\n"
    with httpx.Client(base_url=base_url, verify=context, timeout=30, headers=bearer) as api:
        for n in range(APP_USERS):
            user = f"load-{n}"
            assert api.post("/api/v1/users", json={"external_id": user}).status_code == 201
            enrolment = api.post("/api/v1/enrolments", json={"external_id": user}).json()
            confirmed = api.post(
                f"/api/v1/enrolments/{enrolment['enrolment_id']}/confirm",
                json={"code": pyotp.TOTP(enrolment["secret"]).now()},
            )
            assert confirmed.status_code == 200, confirmed.text
            secrets[user] = enrolment["secret"]

    results: list[Done] = []
    stop = threading.Event()
    counter = iter(range(10**9))
    lock = threading.Lock()

    def call(client: httpx.Client, kind: str, path: str, body: dict[str, str]) -> Done:
        with lock:
            test_id = f"{kind}-{next(counter)}"
        started = time.monotonic()
        try:
            response = client.post(path, json=body, headers={"X-Test-Id": test_id})
            status = response.status_code
        except httpx.HTTPError:
            response, status = None, 0
        done = Done(kind, test_id, started, time.monotonic(), status)
        done.response = response  # type: ignore[attr-defined]
        with lock:
            results.append(done)
        return done

    def verifier(offset: int) -> None:
        with httpx.Client(base_url=base_url, verify=context, timeout=30, headers=bearer) as c:
            n = offset
            while not stop.is_set():
                user = f"load-{n % APP_USERS}"
                n += 1
                code = pyotp.TOTP(secrets[user]).at(time.time() + 30)
                done = call(c, "verify", "/api/v1/verify", {"external_id": user, "code": code})
                if done.status == 200 and done.response.json().get("valid"):  # type: ignore[attr-defined]
                    done.accepted = (user, code)

    def signer() -> None:
        with httpx.Client(base_url=base_url, verify=context, timeout=30) as c:
            while not stop.is_set():
                done = call(
                    c, "signin", "/api/v1/signin", {"identifier": "owner"} | {"password": PASSWORD}
                )
                if done.status != 200:
                    continue
                token = done.response.json().get("signin_token")  # type: ignore[attr-defined]
                code = pyotp.TOTP(owner_key).at(time.time() + 30)
                second = call(
                    c, "code", "/api/v1/signin/code", {"signin_token": token, "code": code}
                )
                if second.status == 200 and second.response.json().get("status") == "signed_in":  # type: ignore[attr-defined]
                    second.accepted = ("owner", code)

    threads = [threading.Thread(target=verifier, args=(i,)) for i in range(VERIFY_THREADS)]
    threads += [threading.Thread(target=signer) for _ in range(SIGNIN_THREADS)]
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: len(results) >= 60)
        dying = servers[1]
        assert dying.proc is not None
        kill_started = time.monotonic()
        os.killpg(dying.proc.pid, signal.SIGKILL)
        # The node is gone once its processes are: until then the kernel may still take a
        # connection for it (in flight too: it dies with the process).
        dying.proc.wait(timeout=10)
        gone(dying.proc.pid)
        kill_done = time.monotonic()
        wait_until(lambda: sum(r.started > kill_done for r in results) >= 120)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    upstreams = {}
    for line in access_log.read_text(encoding="utf-8").splitlines():
        test_id, status, upstream, _ = line.split(" ", 3)
        upstreams[test_id] = (status, upstream.strip('"'))
    failed = [r for r in results if r.status == 0 or r.status >= 500]
    in_flight = [r for r in results if r.started < kill_done and r.ended > kill_started]
    for failure in failed:
        # Only requests that were on their way when the node died, and only on that node.
        assert failure.started < kill_done, failure
        assert failure.ended > kill_started, failure
        assert victim in upstreams[failure.test_id][1], (failure, upstreams.get(failure.test_id))
    on_victim = [r for r in in_flight if victim in upstreams.get(r.test_id, ("", ""))[1]]
    print(
        f"killed in {kill_done - kill_started:.3f} s; {len(in_flight)} requests in flight, "
        f"{len(on_victim)} of them on the killed node; {len(failed)} failed; {len(results)} in all"
    )
    assert len(failed) <= len(on_victim)
    after = [r for r in results if r.started > kill_done]
    assert all(200 <= r.status < 500 for r in after)
    served_after = {upstreams[r.test_id][1] for r in after if r.test_id in upstreams}
    assert len({u for u in served_after if victim not in u}) >= 2  # the two others took over

    accepted = Counter(r.accepted for r in results if r.accepted)
    assert accepted, "no code was accepted at all"
    assert max(accepted.values()) == 1, accepted.most_common(3)
    kinds = Counter(r.kind for r in results)
    assert kinds["verify"] > 0, kinds
    assert kinds["signin"] > 0, kinds


def gone(group: int) -> None:
    """Wait until no process of the group is left (the worker, reaped by init)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.01)
    raise AssertionError("the killed instance's worker is still there")


def wait_until(condition: object, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the load did not progress"
        time.sleep(0.05)
