"""``TWOSTEP_COOKIE_DOMAIN``: checked against the base URL; the session cookie's name and
domain follow it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from twostep.server.config import ConfigError, load_config


def env(**values: str) -> dict[str, str]:
    return {"TWOSTEP_SECRET_KEYS": "k" * 40, "TWOSTEP_DATA_DIR": "/nonexistent", **values}


def test_a_parent_domain_of_the_base_url_is_accepted() -> None:
    config = load_config(
        env(TWOSTEP_BASE_URL="https://auth.example.com", TWOSTEP_COOKIE_DOMAIN=".Example.com"),
        create_key=False,
    )
    assert config.cookie_domain == "example.com"
    assert load_config(env(), create_key=False).cookie_domain == ""


@pytest.mark.parametrize(
    ("base", "domain", "says"),
    [
        ("https://auth.example.com", "example.org", "not under it"),
        ("https://auth.example.com", "ample.com", "not under it"),
        ("https://auth.example.com", "com", "a parent domain such as example.com"),
    ],
)
def test_a_cookie_domain_the_browser_would_refuse_is_an_error(
    base: str, domain: str, says: str
) -> None:
    with pytest.raises(ConfigError, match=says):
        load_config(env(TWOSTEP_BASE_URL=base, TWOSTEP_COOKIE_DOMAIN=domain), create_key=False)


def test_over_https_the_shared_cookie_is_secure_and_named_for_it(tmp_path: Path) -> None:
    """A cookie with a Domain cannot carry the __Host- prefix: __Secure- instead."""
    show = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.SESSION_COOKIE_DOMAIN, s.SESSION_COOKIE_SECURE)"
    )
    out = subprocess.run(
        [sys.executable, "-c", show],
        env={
            **env(TWOSTEP_BASE_URL="https://auth.example.com", TWOSTEP_COOKIE_DOMAIN="example.com"),
            "TWOSTEP_DATA_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "twostep.server.settings",
            "PATH": os.environ.get("PATH", ""),
        },
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert out.stdout.split() == ["__Secure-twostep", "example.com", "True"]


@pytest.mark.django_db
def test_over_https_only_https_addresses_are_returned_to(settings: Any) -> None:
    from twostep.server.clock import FakeClock
    from twostep.server.gateway.returns import may_return_to
    from twostep.server.gateway.sites import add_site

    settings.SESSION_COOKIE_DOMAIN = "example.com"
    add_site("app.example.com", policy="one_factor", clock=FakeClock())
    assert may_return_to("https://app.example.com/x?y=1", secure=True)
    assert not may_return_to("http://app.example.com/x", secure=True)
    assert may_return_to("http://app.example.com/x", secure=False)
    assert not may_return_to("https://APP.example.com/x", secure=True)
    assert not may_return_to("https://app.example.com:99999/", secure=True)
