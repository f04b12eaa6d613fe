"""The deployment's rules without a server: which address is the client's behind which proxy,
who may read /metrics, what `twostep check --deploy` calls unsafe."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from twostep.server import metrics
from twostep.server.config import ConfigError, MetricsConfig, load_config
from twostep.server.production import findings
from twostep.server.proxies import client_address

from .support import TWOSTEP, base_env

SAFE = {
    "TWOSTEP_DATABASE_URL": "postgres://twostep@db.internal/twostep",
    "TWOSTEP_REDIS_URL": "redis://cache.internal:6379/0",
    "TWOSTEP_SECRET_KEYS": "k" * 43,
    "TWOSTEP_BASE_URL": "https://2fa.example.com",
    "TWOSTEP_SMTP_URL": "smtp://mail.example.com:587?starttls=1",
    "TWOSTEP_TRUSTED_PROXIES": "10.0.0.5",
}


def ids(env: dict[str, str], tmp_path: Path, instances: int = 3) -> set[str]:
    config = load_config({"TWOSTEP_DATA_DIR": str(tmp_path), **env}, create_key=False)
    return {f.id for f in findings(config, instances=instances) if f.severity == "unsafe"}


def test_a_production_configuration_has_nothing_unsafe(tmp_path: Path) -> None:
    assert ids(SAFE, tmp_path) == set()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"TWOSTEP_DATABASE_URL": ""}, "sqlite_shared"),
        ({"TWOSTEP_BASE_URL": "http://2fa.example.com"}, "no_tls"),
        ({"TWOSTEP_BASE_URL": ""}, "no_base_url"),
        ({"TWOSTEP_SECRET_KEYS": ""}, "generated_keys"),
        ({"TWOSTEP_SECRET_KEYS": "short"}, "short_keys"),
        ({"TWOSTEP_SMTP_URL": ""}, "console_mail"),
        ({"TWOSTEP_DEBUG": "1"}, "debug"),
        ({"TWOSTEP_METRICS": "1"}, "metrics_no_token"),
        ({"TWOSTEP_METRICS": "1", "TWOSTEP_METRICS_ALLOW": "0.0.0.0/0"}, "metrics_open"),
        ({"TWOSTEP_TRUSTED_PROXIES": ""}, "no_trusted_proxy"),
        ({"TWOSTEP_TRUSTED_PROXIES": "", "TWOSTEP_PROXY_COUNT": "1"}, "proxy_count_untrusted"),
        ({"TWOSTEP_TRUSTED_PROXIES": "0.0.0.0/0"}, "everyone_trusted"),
    ],
)
def test_each_unsafe_setting_is_named(
    change: dict[str, str], expected: str, tmp_path: Path
) -> None:
    assert expected in ids({**SAFE, **change}, tmp_path)


def test_sqlite_alone_is_unsafe_too_in_other_words(tmp_path: Path) -> None:
    assert "sqlite" in ids({**SAFE, "TWOSTEP_DATABASE_URL": ""}, tmp_path, instances=1)


def test_metrics_with_a_token_are_fine(tmp_path: Path) -> None:
    env = {**SAFE, "TWOSTEP_METRICS": "1", "TWOSTEP_METRICS_TOKEN": "t" * 40}
    assert ids(env, tmp_path) == set()


def test_bad_addresses_are_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TWOSTEP_TRUSTED_PROXIES: 'proxy' is not an IP"):
        load_config({"TWOSTEP_DATA_DIR": str(tmp_path), "TWOSTEP_TRUSTED_PROXIES": "proxy"})
    with pytest.raises(ConfigError, match="TWOSTEP_LOG_FORMAT"):
        load_config({"TWOSTEP_DATA_DIR": str(tmp_path), "TWOSTEP_LOG_FORMAT": "xml"})


def test_check_deploy_says_it_and_exits_non_zero(tmp_path: Path) -> None:
    env = base_env(tmp_path, TWOSTEP_SECRET_KEYS="")
    out = subprocess.run(
        [str(TWOSTEP), "check", "--deploy", "--instances", "3", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 1, out.stderr
    report = json.loads(out.stdout)
    assert report["ok"] is False
    found = {item["id"]: item["message"] for item in report["unsafe"]}
    assert {"sqlite_shared", "no_tls", "generated_keys", "console_mail"} <= set(found)
    assert "each instance would make its own" in found["generated_keys"]
    text = subprocess.run(
        [str(TWOSTEP), "check", "--deploy"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert text.returncode == 1
    assert "unsafe for production: mail is printed to the console" in text.stdout


def meta(remote: str, forwarded: str | None = None) -> dict[str, Any]:
    found = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        found["HTTP_X_FORWARDED_FOR"] = forwarded
    return found


def test_forwarded_for_counts_only_from_a_trusted_proxy(settings: Any) -> None:
    settings.TWOSTEP_TRUSTED_PROXIES = ("10.0.0.0/24", "127.0.0.1/32")
    settings.TWOSTEP_PROXY_COUNT = 0
    # From the proxy: the nearest address that is not one of ours.
    assert client_address(meta("10.0.0.5", "198.51.100.7")) == "198.51.100.7"
    assert client_address(meta("10.0.0.5", "6.6.6.6, 198.51.100.7, 10.0.0.9")) == "198.51.100.7"
    # The client wrote a header of its own on the left: ignored, only the right end is ours.
    assert client_address(meta("10.0.0.5", "1.2.3.4, 198.51.100.7")) == "198.51.100.7"
    # Straight from a client: its own address, whatever it claims.
    assert client_address(meta("203.0.113.9", "198.51.100.7")) == "203.0.113.9"
    assert client_address(meta("10.0.0.5")) == "10.0.0.5"


def test_the_older_proxy_count_still_works(settings: Any) -> None:
    settings.TWOSTEP_TRUSTED_PROXIES = ()
    settings.TWOSTEP_PROXY_COUNT = 1
    assert client_address(meta("10.0.0.5", "1.2.3.4, 198.51.100.7")) == "198.51.100.7"
    settings.TWOSTEP_PROXY_COUNT = 0
    assert client_address(meta("10.0.0.5", "198.51.100.7")) == "10.0.0.5"


def test_who_may_read_the_metrics(settings: Any) -> None:
    settings.TWOSTEP_METRICS = MetricsConfig(enabled=True, token="s" * 40, allow=("10.1.0.0/16",))
    assert metrics.may_read("Bearer " + "s" * 40, "203.0.113.9")
    assert metrics.may_read("bearer " + "s" * 40, None)
    assert not metrics.may_read("Bearer " + "s" * 39, "203.0.113.9")
    assert not metrics.may_read("Basic " + "s" * 40, "203.0.113.9")
    assert not metrics.may_read(None, "203.0.113.9")
    assert metrics.may_read(None, "10.1.2.3")
    settings.TWOSTEP_METRICS = MetricsConfig(enabled=False, token="s" * 40)
    assert not metrics.may_read("Bearer " + "s" * 40, None)


@pytest.mark.django_db
def test_metrics_page_is_protected_and_counts_sign_ins(settings: Any, client: Client) -> None:
    settings.TWOSTEP_METRICS = MetricsConfig(enabled=False)
    assert client.get("/metrics").status_code == 404
    settings.TWOSTEP_METRICS = MetricsConfig(enabled=True, token="s" * 40)
    refused = client.get("/metrics")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"].startswith("Bearer")
    before = metrics.SIGN_INS.labels("invalid_credentials")._value.get()
    client.post(
        "/api/v1/signin",
        data={"identifier": "nobody", "password": "wrong"},
        content_type="application/json",
    )
    page = client.get("/metrics", headers={"Authorization": "Bearer " + "s" * 40})
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/plain")
    line = f'twostep_sign_ins_total{{outcome="invalid_credentials"}} {before + 1}'
    assert line in page.content.decode()


UNIT = Path(__file__).resolve().parents[2] / "docs" / "deploy" / "twostep@.service"


def test_the_systemd_unit_runs_a_command_that_exists(tmp_path: Path) -> None:
    """Its ExecStart is a valid `twostep serve` command line, and systemd accepts the unit."""
    from twostep.server.cli import build_parser

    text = UNIT.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("ExecStart="))
    program, *args = line.removeprefix("ExecStart=").replace("%i", "8001").split()
    assert program.endswith("/twostep")
    parsed = build_parser().parse_args(args)
    assert (parsed.command, parsed.port, parsed.host) == ("serve", 8001, "0.0.0.0")
    assert "NoNewPrivileges=yes" in text
    assert "ProtectSystem=strict" in text
    unit = tmp_path / "twostep@.service"
    unit.write_text(text.replace(program, str(TWOSTEP)), encoding="utf-8")
    verify = subprocess.run(
        ["systemd-analyze", "verify", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert verify.returncode == 0, verify.stderr


@pytest.mark.django_db
def test_readyz_names_redis_when_it_is_configured_and_down(settings: Any, client: Client) -> None:
    assert client.get("/readyz").content == b"ready\n"
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # nothing listens there once closed
    settings.TWOSTEP_REDIS_URL = f"redis://127.0.0.1:{port}/8"
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer["Retry-After"] == "10"
    assert answer.content.decode().splitlines() == ["not ready", "redis: ConnectionError"]
    assert client.get("/healthz").status_code == 200  # alive all the same
