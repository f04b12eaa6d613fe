"""``TWOSTEP_COOKIE_DOMAIN``: checked against the base URL; the session cookie's name and
domain follow it."""

from __future__ import annotations

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
