"""Hypothesis properties of the OTP core: round trips, verification, windows, replay, Steam."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from twostep.otp import (
    STEAM_ALPHABET,
    Account,
    Algorithm,
    InvalidCodeError,
    MalformedCodeError,
    OtpType,
    ReusedCodeError,
    Secret,
    build_uri,
    generate_hotp,
    generate_totp,
    parse_uri,
    time_step,
    verify_hotp,
    verify_totp,
)
from twostep.otp.hotp import truncated_value

from .strategies import accounts, algorithms, secrets_, times

periods = st.one_of(st.sampled_from([30, 60]), st.integers(1, 10**6))
digit_counts = st.integers(6, 10)


# -- otpauth:// URIs ------------------------------------------------------------------------------
@settings(max_examples=400)
@given(accounts())
def test_uri_round_trip(account: Account) -> None:
    uri = build_uri(account)
    assert parse_uri(uri) == account
    assert build_uri(parse_uri(uri)) == uri  # building is canonical


@given(accounts())
def test_built_uris_are_strict(account: Account) -> None:
    uri = build_uri(account)
    assert uri.startswith(f"otpauth://{account.type.value}/")
    assert uri.isascii()
    assert not any(c in uri for c in " #\n")
    assert f"secret={account.secret.base32}" in uri  # upper case, no padding
    assert "=" not in account.secret.base32
    if account.issuer:
        assert "&issuer=" in uri or "?issuer=" in uri
        label = uri.split("/", 3)[3].split("?")[0]
        assert label.count(":") == 1  # the separator; any ':' inside is %3A


@given(accounts(with_extra=False))
def test_uri_round_trip_keeps_codes(account: Account) -> None:
    again = parse_uri(build_uri(account))
    at = 1_700_000_000
    assert again.generate(at) == account.generate(at)


# -- base32 -----------------------------------------------------------------------------------
@given(st.binary(min_size=1, max_size=200))
def test_base32_round_trip(raw: bytes) -> None:
    secret = Secret(raw)
    assert Secret.from_base32(secret.base32).raw == raw
    assert secret.base32 == base64.b32encode(raw).decode().rstrip("=")
    assert Secret.from_hex(secret.hex).raw == raw


@given(st.binary(min_size=1, max_size=64), st.data())
def test_base32_is_read_leniently(raw: bytes, data: st.DataObject) -> None:
    text = base64.b32encode(raw).decode()  # padded
    # lower case, spaces/dashes between groups, padding kept or dropped
    groups = [text[i : i + 4] for i in range(0, len(text), 4)]
    separator = data.draw(st.sampled_from([" ", "-", "  ", "\t", " - ", ""]))
    variant = separator.join(groups)
    if data.draw(st.booleans()):
        variant = variant.lower()
    if data.draw(st.booleans()):
        variant = variant.rstrip("=")
    assert Secret.from_base32(variant).raw == raw


# -- verification -----------------------------------------------------------------------------
@settings(max_examples=300)
@given(secrets_, times, periods, digit_counts, algorithms)
def test_verify_accepts_the_generated_code_and_returns_its_step(
    secret: Secret, at: float, period: int, digits: int, algorithm: Algorithm
) -> None:
    options = {"period": period, "digits": digits, "algorithm": algorithm.value}
    code = generate_totp(secret, at, **options)
    assert len(code) == digits
    assert code.isdigit()
    assert verify_totp(secret, code, at, **options) == time_step(at, period)


@given(secrets_, times, st.integers(0, 5))
def test_verify_refuses_a_code_whose_step_was_used(
    secret: Secret, at: float, newer_by: int
) -> None:
    step = time_step(at)
    code = generate_totp(secret, at)
    with pytest.raises(ReusedCodeError) as caught:
        verify_totp(secret, code, at, last_step=step + newer_by)
    assert caught.value.step == step
    assert isinstance(caught.value, InvalidCodeError)  # callers catching the base still refuse
    # one step earlier is fine: the code is new
    assert verify_totp(secret, code, at, last_step=step - 1) == step


@given(secrets_, st.integers(10**6, 2**40))
def test_default_window_is_one_step_either_side(secret: Secret, at: int) -> None:
    step = time_step(at)
    codes = {d: generate_totp(secret, at + d * 30) for d in range(-2, 3)}
    # a code that also belongs to another step of the window would be ambiguous: not this test
    assume(len(set(codes.values())) == 5)
    for d in (-1, 0, 1):
        assert verify_totp(secret, codes[d], at) == step + d
    for d in (-2, 2):
        with pytest.raises(InvalidCodeError) as caught:
            verify_totp(secret, codes[d], at)
        assert type(caught.value) is InvalidCodeError
        assert verify_totp(secret, codes[d], at, window=2) == step + d
    with pytest.raises(InvalidCodeError):
        verify_totp(secret, codes[1], at, window=0)


@given(secrets_, st.integers(0, 2**64 - 20), st.integers(0, 10))
def test_hotp_verify_looks_ahead_only(secret: Secret, counter: int, ahead: int) -> None:
    codes = [generate_hotp(secret, counter + i) for i in range(12)]
    assume(len(set(codes)) == 12)
    assert verify_hotp(secret, codes[ahead], counter, look_ahead=ahead) == counter + ahead
    if ahead:
        with pytest.raises(InvalidCodeError):
            verify_hotp(secret, codes[ahead], counter, look_ahead=ahead - 1)
    if counter:
        with pytest.raises(InvalidCodeError):  # counters are never accepted backwards
            verify_hotp(secret, generate_hotp(secret, counter - 1), counter, look_ahead=10)


@given(accounts(with_extra=False), times)
def test_account_verify_accepts_its_own_codes(account: Account, at: float) -> None:
    code = account.generate(at)
    if account.type is OtpType.HOTP:
        assert account.verify(code) == account.counter
    else:
        assert account.verify(code, at) == time_step(at, account.period)
        with pytest.raises(ReusedCodeError):
            account.verify(code, at, last_step=time_step(at, account.period))


# -- Steam Guard ------------------------------------------------------------------------------
def _steam_reference(key: bytes, at: int) -> str:
    """Steam Guard written independently of the code under test, from the description in
    formats.md §2.1 (and the steam_totp / Aegis implementations)."""
    mac = hmac.new(key, struct.pack(">Q", at // 30), hashlib.sha1).digest()
    start = mac[19] & 0xF
    (full,) = struct.unpack(">I", mac[start : start + 4])
    value = full & 0x7FFFFFFF
    chars = ""
    for _ in range(5):
        chars += "23456789BCDFGHJKMNPQRTVWXY"[value % 26]
        value //= 26
    return chars


@settings(max_examples=300)
@given(st.binary(min_size=1, max_size=100), st.integers(0, 2**40))
def test_steam_codes_use_the_steam_alphabet_and_match_a_reference(key: bytes, at: int) -> None:
    code = generate_totp(key, at, steam=True)
    assert len(code) == 5
    assert set(code) <= set(STEAM_ALPHABET)
    assert code == _steam_reference(key, at)
    assert verify_totp(key, code, at, steam=True) == at // 30
    assert verify_totp(key, code.lower(), at, steam=True) == at // 30


@given(st.binary(min_size=1, max_size=40), st.integers(0, 2**40))
def test_steam_codes_are_the_base26_digits_of_the_hotp_value(key: bytes, at: int) -> None:
    value = truncated_value(key, at // 30, "SHA1")
    code = generate_totp(key, at, steam=True)
    assert sum(STEAM_ALPHABET.index(c) * 26**i for i, c in enumerate(code)) == value % 26**5


@given(st.binary(min_size=1, max_size=40), st.integers(0, 2**40))
def test_steam_verify_refuses_decimal_codes(key: bytes, at: int) -> None:
    with pytest.raises(MalformedCodeError):
        verify_totp(key, generate_totp(key, at), at, steam=True)
