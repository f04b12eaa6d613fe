"""The published test vectors: RFC 4226 (HOTP), RFC 6238 (TOTP) and Steam Guard, read from
``tests/data``."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from twostep.otp import (
    Account,
    Algorithm,
    OtpType,
    Secret,
    generate_hotp,
    generate_totp,
    time_step,
    verify_hotp,
    verify_totp,
)
from twostep.otp.hotp import truncated_value

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def _load_json(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def _load_csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(line for line in file if not line.startswith("#")))


RFC4226 = _load_json("rfc4226_hotp.json")
RFC6238 = _load_csv("rfc6238_totp.csv")
STEAM = _load_json("steam_guard.json")
RFC6238_SEEDS = {
    "SHA1": b"12345678901234567890",
    "SHA256": b"12345678901234567890123456789012",
    "SHA512": b"1234567890123456789012345678901234567890123456789012345678901234",
}


def test_the_vector_files_are_complete() -> None:
    assert [v["counter"] for v in RFC4226["vectors"]] == list(range(10))
    assert len(RFC6238) == 18
    assert {row["algorithm"] for row in RFC6238} == {"SHA1", "SHA256", "SHA512"}
    assert "20000000000" in {row["unix_time"] for row in RFC6238}  # beyond 2038


@pytest.mark.parametrize("vector", RFC4226["vectors"], ids=lambda v: f"counter{v['counter']}")
def test_hotp_matches_rfc4226(vector: dict) -> None:
    key = RFC4226["secret_ascii"].encode("ascii")
    assert truncated_value(key, vector["counter"], "SHA1") == vector["truncated"]
    assert generate_hotp(key, vector["counter"]) == vector["hotp"]
    assert (
        generate_hotp(Secret(key), vector["counter"], digits=6, algorithm="SHA1")
        == (vector["hotp"])
    )
    assert verify_hotp(key, vector["hotp"], vector["counter"]) == vector["counter"]


@pytest.mark.parametrize("vector", RFC4226["vectors"], ids=lambda v: f"counter{v['counter']}")
def test_hotp_account_matches_rfc4226(vector: dict) -> None:
    account = Account(
        Secret(RFC4226["secret_ascii"].encode()), type=OtpType.HOTP, counter=vector["counter"]
    )
    assert account.generate() == vector["hotp"]
    assert account.verify(vector["hotp"]) == vector["counter"]


def test_hotp_look_ahead_finds_a_later_rfc4226_counter() -> None:
    key = RFC4226["secret_ascii"].encode()
    codes = [v["hotp"] for v in RFC4226["vectors"]]
    assert verify_hotp(key, codes[7], 2, look_ahead=5) == 7
    assert verify_hotp(key, codes[9], 0, look_ahead=9) == 9


@pytest.mark.parametrize("row", RFC6238, ids=lambda row: f"{row['algorithm']}-{row['unix_time']}")
def test_totp_matches_rfc6238(row: dict[str, str]) -> None:
    at = int(row["unix_time"])
    key = RFC6238_SEEDS[row["algorithm"]]
    assert time_step(at) == int(row["step_hex"], 16)
    assert generate_totp(key, at, digits=8, algorithm=row["algorithm"]) == row["totp"]
    assert generate_totp(key, float(at), digits=8, algorithm=row["algorithm"]) == row["totp"]
    step = verify_totp(key, row["totp"], at, digits=8, algorithm=row["algorithm"], window=0)
    assert step == int(row["step_hex"], 16)
    account = Account(Secret(key), algorithm=Algorithm(row["algorithm"]), digits=8)
    assert account.generate(at) == row["totp"]
    assert account.verify(row["totp"], at) == step


@pytest.mark.parametrize("row", RFC6238, ids=lambda row: f"{row['algorithm']}-{row['unix_time']}")
def test_rfc6238_six_digit_codes_are_the_last_six_digits(row: dict[str, str]) -> None:
    key = RFC6238_SEEDS[row["algorithm"]]
    code = generate_totp(key, int(row["unix_time"]), algorithm=row["algorithm"])
    assert code == row["totp"][-6:]


@pytest.mark.parametrize("vector", STEAM["vectors"], ids=lambda v: v["code"])
def test_steam_guard_matches_published_codes(vector: dict) -> None:
    key = vector["key_ascii"].encode()
    assert generate_totp(key, vector["unix_time"], steam=True) == vector["code"]
    account = Account(Secret(key), type=OtpType.STEAM)
    assert account.generate(vector["unix_time"]) == vector["code"]
    assert account.verify(vector["code"].lower(), vector["unix_time"]) == vector["unix_time"] // 30
