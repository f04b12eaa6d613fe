"""Configuration from the environment, encryption at rest, recovery-code helpers (no database)."""

from __future__ import annotations

import multiprocessing
import os
import stat
from pathlib import Path

import pytest

from twostep.server.config import (
    ConfigError,
    database_from_url,
    load_config,
    mail_from_url,
    read_or_create_key_file,
    served_url,
    served_url_problem,
)
from twostep.server.crypto import DecryptionError, Keyring
from twostep.server.mfa.recovery import (
    format_recovery_code,
    generate_recovery_codes,
    hash_recovery_code,
    matches_recovery_code,
    normalize_recovery_code,
)


def test_database_urls(tmp_path: Path) -> None:
    assert database_from_url("sqlite:///db.sqlite3", tmp_path).name == str(tmp_path / "db.sqlite3")
    assert database_from_url("sqlite:////var/lib/t.db", tmp_path).name == "/var/lib/t.db"
    pg = database_from_url("postgres://u:p%40ss@db.example:6543/twostep?sslmode=require", tmp_path)
    assert (pg.engine, pg.user, pg.password, pg.host, pg.port, pg.name) == (
        "postgresql",
        "u",
        "p@ss",
        "db.example",
        "6543",
        "twostep",
    )
    assert pg.django()["OPTIONS"]["sslmode"] == "require"
    # Statements prepared on the server unless turned off (Django wants the boolean True).
    assert pg.django()["OPTIONS"]["server_side_binding"] is True
    assert pg.django()["OPTIONS"]["prepare_threshold"] == 5
    for off in ("false", "0", "No", "off"):
        url = f"postgres://h/db?server_side_binding={off}"
        options = database_from_url(url, tmp_path).django()["OPTIONS"]
        assert options["server_side_binding"] is False
        assert options["prepare_threshold"] is None
    assert "p@ss" not in pg.describe()
    assert "p@ss" not in repr(pg)
    sqlite = database_from_url("sqlite:///x", tmp_path).django()
    assert "journal_mode=WAL" in sqlite["OPTIONS"]["init_command"]
    assert sqlite["OPTIONS"]["timeout"] >= 5


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("mysql://x/y", "unsupported scheme"),
        ("postgres://host/", "names no database"),
        ("sqlite://", "give the SQLite file"),
        ("postgres://h:port/db", "port is not a number"),
        ("postgres://h/db?server_side_binding=maybe", "server_side_binding is true or false"),
    ],
)
def test_bad_database_urls_say_what_is_wrong(tmp_path: Path, url: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        database_from_url(url, tmp_path)


def test_mail_urls() -> None:
    assert mail_from_url(None).backend == "console"
    assert mail_from_url("console").backend == "console"
    plain = mail_from_url("smtp://127.0.0.1:2525")
    assert (plain.host, plain.port, plain.use_tls, plain.use_ssl) == (
        "127.0.0.1",
        2525,
        False,
        False,
    )
    tls = mail_from_url("smtp://me:se%2Fcret@mail.example?starttls=1")
    assert (tls.port, tls.use_tls, tls.user, tls.password) == (587, True, "me", "se/cret")
    assert "se/cret" not in repr(tls)
    assert mail_from_url("smtps://mail.example").port == 465
    with pytest.raises(ConfigError, match="TWOSTEP_SMTP_URL"):
        mail_from_url("http://mail.example")


def test_generated_key_is_private_and_kept(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "TWOSTEP_DATA_DIR": str(tmp_path / "data")}
    first = load_config(env)
    second = load_config(env)
    assert first.secret_keys == second.secret_keys
    assert len(first.secret_keys[0]) >= 40
    key_file = tmp_path / "data" / "secret_keys"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert any("TWOSTEP_SECRET_KEYS is not set" in w for w in first.warnings)
    configured = load_config({**env, "TWOSTEP_SECRET_KEYS": "a" * 40 + ", " + "b" * 40})
    assert configured.secret_keys == ("a" * 40, "b" * 40)
    assert not configured.secret_keys_generated


def _make_key(path: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    queue.put(read_or_create_key_file(Path(path)))


def test_processes_racing_to_create_the_key_agree(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    path = str(tmp_path / "secret_keys")
    workers = [ctx.Process(target=_make_key, args=(path, queue)) for _ in range(4)]
    for worker in workers:
        worker.start()
    keys = {queue.get(timeout=60) for _ in workers}
    for worker in workers:
        worker.join(timeout=60)
    queue.close()
    queue.join_thread()
    assert len(keys) == 1
    assert sorted(os.listdir(tmp_path)) == ["secret_keys"]  # no temp files left


def test_config_warnings_and_errors(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "TWOSTEP_DATA_DIR": str(tmp_path), "TWOSTEP_SECRET_KEYS": "short"}
    warnings = load_config({**env, "TWOSTEP_BASE_URL": "http://2fa.example.com"}).warnings
    assert any("key 1 is short" in w for w in warnings)
    assert any("unencrypted" in w for w in warnings)
    with pytest.raises(ConfigError, match="TWOSTEP_BASE_URL"):
        load_config({**env, "TWOSTEP_BASE_URL": "2fa.example.com"})
    with pytest.raises(ConfigError, match="TWOSTEP_PROXY_COUNT"):
        load_config({**env, "TWOSTEP_PROXY_COUNT": "two"})
    https = load_config({**env, "TWOSTEP_BASE_URL": "https://2fa.example.com/"})
    assert https.https
    assert https.base_url == "https://2fa.example.com"
    assert "2fa.example.com" in https.allowed_hosts


def test_base_url_follows_the_address_served_unless_set(tmp_path: Path) -> None:
    env = {
        "HOME": str(tmp_path),
        "TWOSTEP_DATA_DIR": str(tmp_path),
        "TWOSTEP_SECRET_KEYS": "k" * 40,
    }
    assert load_config(env).base_url == "http://127.0.0.1:8000"  # no server: the default
    served = {**env, "TWOSTEP_SERVED_URL": served_url("127.0.0.1", 8111)}
    config = load_config(served)
    assert (config.base_url, config.base_url_source) == ("http://127.0.0.1:8111", "served")
    assert served_url_problem(config, "127.0.0.1", 8111) is None
    assert served_url("0.0.0.0", 8111) == "http://127.0.0.1:8111"
    assert served_url("::1", 9000) == "http://[::1]:9000"
    # A base URL that was set wins, and a local one on another port is reported.
    mine = load_config({**served, "TWOSTEP_BASE_URL": "http://127.0.0.1:8000"})
    assert mine.base_url == "http://127.0.0.1:8000"
    problem = served_url_problem(mine, "127.0.0.1", 8111)
    assert problem is not None
    assert "links in mail would lead to port 8000" in problem
    assert "http://127.0.0.1:8111" in problem
    assert served_url_problem(mine, "127.0.0.1", 8000) is None
    # A public one is a proxy's: any port behind it is fine.
    public = load_config({**env, "TWOSTEP_BASE_URL": "https://2fa.example.com"})
    assert served_url_problem(public, "127.0.0.1", 8111) is None


# -- crypto --------------------------------------------------------------------------------------


def test_keyring_seals_to_the_row_and_fails_as_one_error() -> None:
    ring = Keyring(["k" * 40])
    sealed, key_id = ring.seal(b"secret bytes", b"twostep:device:1:2")
    assert ring.open(sealed, key_id, b"twostep:device:1:2") == b"secret bytes"
    assert b"secret bytes" not in sealed
    tampered = bytearray(sealed)
    tampered[-1] ^= 1
    for args in (
        (sealed, key_id, b"twostep:device:1:3"),  # another row
        (bytes(tampered), key_id, b"twostep:device:1:2"),  # tampered
        (sealed, "0" * 16, b"twostep:device:1:2"),  # unknown key
        (sealed[:10], key_id, b"twostep:device:1:2"),  # truncated
    ):
        with pytest.raises(DecryptionError) as caught:
            ring.open(*args)
        assert str(caught.value) == str(DecryptionError())
    assert ring.seal(b"x", b"a")[0] != ring.seal(b"x", b"a")[0]  # fresh nonce each time


def test_rotation_keeps_old_keys_readable() -> None:
    old = Keyring(["old" * 14])
    sealed, old_id = old.seal(b"payload", b"aad")
    rotated = Keyring(["new" * 14, "old" * 14])
    assert rotated.current_key_id != old_id
    assert rotated.has_key(old_id)
    assert rotated.open(sealed, old_id, b"aad") == b"payload"
    assert "new" not in repr(rotated)
    assert "old" not in repr(rotated)


# -- recovery codes ------------------------------------------------------------------------------


def test_recovery_code_text_forms() -> None:
    codes = generate_recovery_codes()
    assert len(codes) == 10
    assert len(set(codes)) == 10
    code = codes[0]
    shown = format_recovery_code(code)
    assert len(shown) == 19
    assert shown.count("-") == 3
    assert normalize_recovery_code(shown.upper()) == code
    assert normalize_recovery_code(" ".join(shown.split("-"))) == code
    assert normalize_recovery_code("ilo0" + "a" * 12) == "1100" + "a" * 12
    assert normalize_recovery_code("ａ" * 16) == "a" * 16
    for bad in ("", "short", "u" * 16, "a" * 17, "a" * 100, "ä" * 16):
        assert normalize_recovery_code(bad) is None


def test_recovery_code_hash_is_salted() -> None:
    salt1, digest1 = hash_recovery_code("a" * 16)
    salt2, digest2 = hash_recovery_code("a" * 16)
    assert salt1 != salt2
    assert digest1 != digest2
    assert matches_recovery_code("a" * 16, salt1, digest1)
    assert not matches_recovery_code("b" * 16, salt1, digest1)
