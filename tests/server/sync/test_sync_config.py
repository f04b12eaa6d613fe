"""``TWOSTEP_SYNC``, ``TWOSTEP_SYNC_DOMAINS`` and ``TWOSTEP_SYNC_MAX_BYTES`` (docs/sync.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from twostep.server.config import ConfigError, load_config


def env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"TWOSTEP_DATA_DIR": str(tmp_path), "TWOSTEP_SECRET_KEYS": "k" * 40, **values}


def test_sync_is_off_unless_the_administrator_opens_it(tmp_path: Path) -> None:
    config = load_config(env(tmp_path))
    assert (config.sync, config.sync_domains, config.sync_max_bytes) == ("off", (), 1048576)
    config = load_config(
        env(
            tmp_path,
            TWOSTEP_SYNC="Domains",
            TWOSTEP_SYNC_DOMAINS="Example.com, @example.org",
            TWOSTEP_SYNC_MAX_BYTES="65536",
        )
    )
    assert (config.sync, config.sync_domains, config.sync_max_bytes) == (
        "domains",
        ("example.com", "example.org"),
        65536,
    )


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"TWOSTEP_SYNC": "everyone"}, "off, domains or anyone"),
        ({"TWOSTEP_SYNC": "domains"}, "needs TWOSTEP_SYNC_DOMAINS"),
        ({"TWOSTEP_SYNC": "domains", "TWOSTEP_SYNC_DOMAINS": "localhost"}, "domain names"),
        ({"TWOSTEP_SYNC_MAX_BYTES": "lots"}, "number of bytes"),
        ({"TWOSTEP_SYNC_MAX_BYTES": "10"}, "4096 to"),
    ],
)
def test_wrong_values_are_explained(tmp_path: Path, values: dict[str, str], words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        load_config(env(tmp_path, **values))
