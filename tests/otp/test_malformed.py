"""Malformed input: every nasty URI or secret gives its documented error (class and ``field``),
never another exception, and no message contains the secret."""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twostep.otp import (
    InvalidSecretError,
    InvalidURIError,
    OtpType,
    Secret,
    parse_uri,
)

T = TypeVar("T")
KEY = "JBSWY3DPEHPK3PXP"  # a valid secret, so each URI below has exactly one thing wrong
OK = f"otpauth://totp/ACME:alice?secret={KEY}&issuer=ACME"


def _totp(params: str, label: str = "ACME:alice") -> str:
    return f"otpauth://totp/{label}?secret={KEY}&{params}"


# (uri, field of the InvalidURIError)
NASTY_URIS: list[tuple[object, str]] = [
    # scheme and shape
    ("", "scheme"),
    ("   \n", "scheme"),
    ("otpauth:", "scheme"),
    ("otpauth://", "type"),
    ("otpauth:///?secret=" + KEY, "type"),
    (f"http://totp/alice?secret={KEY}", "scheme"),
    (f"otpauth:/totp/alice?secret={KEY}", "scheme"),
    (f"otpauth-migration://totp/alice?secret={KEY}", "scheme"),
    (f"ｏｔｐａｕｔｈ://totp/alice?secret={KEY}", "scheme"),  # full-width letters
    (f"otpauth\x00://totp/alice?secret={KEY}", "scheme"),
    (f"otpauth://xotp/alice?secret={KEY}", "type"),
    (f"otpauth://motp/alice?secret={KEY}", "type"),
    (f"otpauth://yaotp/alice?secret={KEY}&pin=1234", "type"),
    (f"otpauth://totp%00/alice?secret={KEY}", "type"),
    # the secret
    ("otpauth://totp/alice", "secret"),
    ("otpauth://totp/alice?", "secret"),
    ("otpauth://totp/alice?secret=", "secret"),
    ("otpauth://totp/alice?secret=%20%20", "secret"),
    ("otpauth://totp/alice?issuer=ACME&Secrets=" + KEY, "secret"),
    ("otpauth://totp/alice?secret=JBSWY3DP!HPK3PXP", "secret"),
    ("otpauth://totp/alice?secret=JBSWY3DPEHPK3PX1", "secret"),  # 1 is not base32
    ("otpauth://totp/alice?secret=JBSWY3DPEHPK3PX0", "secret"),  # nor is 0
    ("otpauth://totp/alice?secret=ABC", "secret"),  # 3 characters: impossible length
    ("otpauth://totp/alice?secret=JBSWY3DP%00EHPK3PXP", "secret"),  # NUL
    ("otpauth://totp/alice?secret=%FFJBSWY3DP", "secret"),  # not UTF-8
    (f"otpauth://totp/alice?secret={KEY}#fragment", "secret"),  # '#' is literal everywhere
    ("otpauth://totp/alice?secret=" + "A" * 2000, "secret"),  # longer than 1024 bytes
    (f"otpauth://totp/alice?secret={KEY}&secret=GEZDGNBVGY3TQOJQ", "secret"),  # two secrets
    # digits, period, counter
    (_totp("digits=0"), "digits"),
    (_totp("digits=5"), "digits"),
    (_totp("digits=11"), "digits"),
    (_totp("digits=-6"), "digits"),
    (_totp("digits=six"), "digits"),
    (_totp("digits="), "digits"),
    (_totp("digits=6.0"), "digits"),
    (_totp("digits=%D9%A6"), "digits"),  # ARABIC-INDIC DIGIT SIX: a digit, not an ASCII one
    (_totp("digits=6&digits=8"), "digits"),
    (_totp("period=0"), "period"),
    (_totp("period=-30"), "period"),
    (_totp("period=1.5"), "period"),
    (_totp("period=%EF%BC%93%EF%BC%90"), "period"),  # full-width 30
    (_totp(f"period={2**32 + 1}"), "period"),
    (_totp("period=" + "9" * 30), "period"),
    (f"otpauth://hotp/alice?secret={KEY}&counter={2**64}", "counter"),  # one past 64 bits
    (f"otpauth://hotp/alice?secret={KEY}&counter=" + "9" * 25, "counter"),
    (f"otpauth://hotp/alice?secret={KEY}&counter=-1", "counter"),
    (f"otpauth://hotp/alice?secret={KEY}&counter=0x10", "counter"),
    # algorithm
    (_totp("algorithm=MD5"), "algorithm"),
    (_totp("algorithm=SHA224"), "algorithm"),
    (_totp("algorithm=SHA3-256"), "algorithm"),
    (_totp("algorithm="), "algorithm"),
    (_totp("algorithm=SHA1&algorithm=SHA512"), "algorithm"),
    # label and issuer
    (f"otpauth://totp/%FF%FE?secret={KEY}", "label"),  # not UTF-8
    (f"otpauth://totp/ACME:%C3%28?secret={KEY}", "label"),
    (f"otpauth://totp/alice%00?secret={KEY}", "name"),  # NUL
    (f"otpauth://totp/ACME:al%07ice?secret={KEY}", "name"),  # BEL
    (f"otpauth://totp/ACME:al%1Bice?secret={KEY}", "name"),  # ESC (terminal escapes)
    (f"otpauth://totp/AC%0AME:alice?secret={KEY}", "issuer"),  # newline in the issuer
    (f"otpauth://totp/alice?secret={KEY}&issuer=AC%00ME", "issuer"),
    (f"otpauth://totp/alice?secret={KEY}&issuer=%C3", "issuer"),
    (f"otpauth://totp/%3Aalice%3Abob?secret={KEY}", "name"),  # ':' in a name, no issuer
    (f"otpauth://totp/ACME:alice?secret={KEY}&issuer=ACME&issuer=EVIL", "issuer"),
    (f"otpauth://totp/ACME:{'x' * 600}?secret={KEY}", "name"),  # over 512 characters
    (f"otpauth://totp/{'y' * 600}:bob?secret={KEY}", "issuer"),
    (f"otpauth://totp/ACME:{'z' * 10_000}?secret={KEY}", "uri"),  # a 10 kB label
    (f"otpauth://totp/ACME:alice?secret={KEY}&x%FF=1", "parameter name"),
    (_totp("note=%FF"), "note"),
    (_totp("a=" + "b" * 9000), "uri"),
    # not text at all
    (None, "uri"),
    (OK.encode(), "uri"),
    (42, "uri"),
]


@pytest.mark.parametrize(("uri", "field"), NASTY_URIS)
def test_nasty_uris_raise_invalid_uri_naming_the_field(uri: object, field: str) -> None:
    with pytest.raises(InvalidURIError) as caught:
        parse_uri(uri)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    assert isinstance(caught.value, ValueError)
    _assert_no_secret(str(caught.value), uri)


def test_there_are_at_least_30_nasty_uris() -> None:
    assert len(NASTY_URIS) >= 30
    assert len({field for _, field in NASTY_URIS}) >= 10


def _assert_no_secret(message: str, uri: object) -> None:
    assert KEY not in message
    assert "GEZDGNBVGY3TQOJQ" not in message
    if isinstance(uri, str) and "secret=" in uri:
        raw = uri.split("secret=", 1)[1].split("&", 1)[0]
        for form in (raw, unquote(raw, errors="replace")):
            if len(form) >= 4:
                assert form not in message


# -- accepted on purpose: the lenient side (DESIGN.md §2) ------------------------------------
@pytest.mark.parametrize(
    ("uri", "issuer", "name"),
    [
        (f"otpauth://totp/ACME:a#b?secret={KEY}", "ACME", "a#b"),  # '#' kept literally
        (f"otpauth://totp/ACME%3A%20alice?secret={KEY}", "ACME", "alice"),
        (f"otpauth://totp/ACME:alice?secret={KEY}&issuer=Other", "Other", "alice"),
        (f"otpauth://totp/Air%20Canada:bob?secret={KEY}&issuer=Air+Canada", "Air Canada", "bob"),
        (f"OTPAUTH://TOTP/alice?SECRET={KEY.lower()}", "", "alice"),
        (f"otpauth://totp?secret={KEY}", "", ""),
        (f"otpauth://totp/ACME:a:b?secret={KEY}", "ACME", "a:b"),
        (f"  otpauth://totp/alice?secret={KEY}  ", "", "alice"),
        # a ':' inside the issuer: %3A in the label, the first literal ':' separates
        (f"otpauth://totp/A%3AB:alice?secret={KEY}&issuer=A%3AB", "A:B", "alice"),
        (f"otpauth://totp/A%3AB:alice?secret={KEY}", "A:B", "alice"),
        (f"otpauth://totp/alice?secret={KEY}&issuer=A%3AB", "A:B", "alice"),
        (f"otpauth://totp/A:B:alice?secret={KEY}&issuer=A%3AB", "A:B", "alice"),
    ],
)
def test_lenient_uris_are_accepted(uri: str, issuer: str, name: str) -> None:
    account = parse_uri(uri)
    assert (account.issuer, account.name) == (issuer, name)
    assert account.secret == Secret.from_base32(KEY)


def test_lenient_secrets_and_parameters_are_accepted() -> None:
    uri = (
        "otpauth://totp/alice?secret=jbsw-y3dp%20ehpk-3pxp%3D%3D%3D%3D&algorithm=sha-256"
        "&digits=8&period=60&digits=8&image=https%3A%2F%2Fx%2Fi.png&codeDisplay=%7B%7D"
    )
    account = parse_uri(uri)
    assert account.secret == Secret.from_base32(KEY)
    assert (account.algorithm.value, account.digits, account.period) == ("SHA256", 8, 60)
    assert account.extra == (("image", "https://x/i.png"), ("codeDisplay", "{}"))


def test_parameters_that_do_not_apply_to_the_type_are_ignored() -> None:
    steam = parse_uri(f"otpauth://steam/gabe?secret={KEY}&digits=11&period=0&algorithm=SHA512")
    assert (steam.type, steam.digits, steam.period, steam.algorithm.value) == (
        OtpType.STEAM,
        5,
        30,
        "SHA1",
    )
    keepass = parse_uri(f"otpauth://totp/gabe?secret={KEY}&encoder=steam&digits=8")
    assert (keepass.type, keepass.digits, keepass.extra) == (OtpType.STEAM, 5, ())
    hotp = parse_uri(f"otpauth://hotp/x?secret={KEY}&period=0")
    assert (hotp.type, hotp.counter, hotp.period) == (OtpType.HOTP, 0, 30)
    totp = parse_uri(f"otpauth://totp/x?secret={KEY}&counter=-1")
    assert totp.counter == 0


# -- secrets --------------------------------------------------------------------------------
NASTY_BASE32 = [
    "",
    "   ",
    "----",
    "====",
    "A",  # 5 bits: not even a byte
    "ABC",
    "ABCDEF",
    "JBSWY3DPEHPK3PX1",
    "JBSWY3DPEHPK3PX8",
    "JBSWY3DP\x00EHPK3PXP",
    "JBSWY3DP.EHPK3PXP",
    "JBSWY3DPÉHPK3PXP",
    "ＪＢＳＷＹ３ＤＰＥＨＰＫ３ＰＸＰ",  # full-width
    "JBSWY3DP=EHPK3PXP",  # padding in the middle
    "A" * 1700,  # over 1024 bytes
]
NASTY_HEX = ["", " ", "abc", "zz", "0x1234", "12 3", "g0", "::"]


@pytest.mark.parametrize("text", NASTY_BASE32)
def test_nasty_base32_secrets_raise_invalid_secret(text: str) -> None:
    with pytest.raises(InvalidSecretError) as caught:
        Secret.from_base32(text)
    assert str(caught.value).startswith("secret: ")
    if len(text.strip()) >= 4:
        assert text.strip() not in str(caught.value)


@pytest.mark.parametrize("text", NASTY_HEX)
def test_nasty_hex_secrets_raise_invalid_secret(text: str) -> None:
    with pytest.raises(InvalidSecretError):
        Secret.from_hex(text)


@pytest.mark.parametrize("raw", [b"", "text", None, 12, b"x" * 1025, [1, 2]])
def test_nasty_raw_secrets_raise_invalid_secret(raw: object) -> None:
    with pytest.raises(InvalidSecretError):
        Secret(raw)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", [None, b"JBSWY3DP", 5])
def test_secret_constructors_refuse_non_text(text: object) -> None:
    with pytest.raises(InvalidSecretError):
        Secret.from_base32(text)  # type: ignore[arg-type]
    with pytest.raises(InvalidSecretError):
        Secret.from_hex(text)  # type: ignore[arg-type]


# -- fuzzing: nothing but the documented errors ----------------------------------------------
_pieces = st.sampled_from(
    [
        "otpauth://",
        "totp/",
        "hotp/",
        "steam/",
        "ACME:",
        "alice",
        "?",
        "&",
        "=",
        "secret=",
        KEY,
        "digits=",
        "period=",
        "counter=",
        "algorithm=",
        "issuer=",
        "encoder=steam",
        "%",
        "%3A",
        "%FF",
        "%00",
        "#",
        "+",
        " ",
        "-",
        "8",
        "0",
        "99999999999999999999",
        "ｏ",
        "\x00",
        "\n",
    ]
)


@settings(max_examples=1500)
@given(st.one_of(st.lists(_pieces, max_size=20).map("".join), st.text(max_size=60)))
def test_parse_uri_raises_only_invalid_uri(text: str) -> None:
    outcome = _outcome(parse_uri, text)
    if isinstance(outcome, Exception):
        assert isinstance(outcome, InvalidURIError)
        assert outcome.field
        assert KEY not in str(outcome)
    else:
        assert outcome.secret.raw


@settings(max_examples=500)
@given(st.text(alphabet=string.printable + "ａé\u00a0=-", max_size=40))
def test_secret_parsing_raises_only_invalid_secret(text: str) -> None:
    for parse in (Secret.from_base32, Secret.from_hex):
        outcome = _outcome(parse, text)
        assert isinstance(outcome, Secret | InvalidSecretError)


def _outcome(function: Callable[[str], T], text: str) -> T | Exception:
    """The result, or the exception raised (any exception: the test then checks its class)."""
    try:
        return function(text)
    except Exception as exc:  # everything: the caller checks the class
        return exc
