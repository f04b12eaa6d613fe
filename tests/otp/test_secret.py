"""The Secret type: redacted everywhere, lenient decoding, 80-bit legacy keys, 160-bit new ones."""

from __future__ import annotations

import base64
import copy
import logging
import pickle
import traceback

import pytest

from twostep.otp import (
    DEFAULT_SECRET_BITS,
    RFC4226_MINIMUM_BITS,
    Account,
    InvalidSecretError,
    Secret,
    parse_uri,
)

RAW = b"\x8a\x9e\xb1\x0fSuperSecretKey!\x00\xff"
SECRET = Secret(RAW)


def _forms(secret: Secret) -> list[str]:
    """Every way the secret's value could leak into text."""
    raw = secret.raw
    return [
        secret.base32,
        secret.base32.lower(),
        secret.hex,
        secret.hex.upper(),
        repr(raw),
        str(raw),
        raw.decode("latin-1"),
        base64.b64encode(raw).decode(),
        "SuperSecretKey",
        str(list(raw)),
    ]


def _assert_redacted(text: str, secret: Secret = SECRET) -> None:
    for form in _forms(secret):
        assert form not in text


def test_repr_str_and_format_are_redacted() -> None:
    renderings = [
        repr(SECRET),
        str(SECRET),
        f"{SECRET}",
        f"{SECRET!r}",
        f"{SECRET!s}",
        f"{SECRET:>80}",
        format(SECRET, ""),
        "%s %r" % (SECRET, SECRET),  # noqa: UP031 - the old formatting is tested on purpose
        "{} {!r}".format(SECRET, SECRET),  # noqa: UP032
        repr([SECRET]),
        repr({"key": SECRET}),
    ]
    for text in renderings:
        _assert_redacted(text)
        assert "redacted" in text
    assert repr(SECRET) == "Secret(<redacted 168-bit>)"


def test_accounts_and_their_uris_do_not_show_the_secret_in_repr() -> None:
    account = parse_uri(f"otpauth://totp/ACME:alice?secret={SECRET.base32}&issuer=ACME")
    _assert_redacted(repr(account))
    _assert_redacted(str(account))
    assert "ACME" in repr(account)


def test_logging_a_secret_shows_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("twostep.test")
    with caplog.at_level(logging.DEBUG, logger="twostep.test"):
        logger.debug("secret %s, repr %r, account %s", SECRET, SECRET, Account(SECRET))
        logger.info("as an object: %s", {"secret": SECRET})
    assert caplog.records
    _assert_redacted(caplog.text)


def test_tracebacks_show_no_secret() -> None:
    def fails(secret: Secret) -> None:
        raise RuntimeError(f"could not use {secret}")

    with pytest.raises(RuntimeError) as caught:
        fails(SECRET)
    _assert_redacted("".join(traceback.format_exception(caught.value)))


def test_views_give_the_value_on_purpose() -> None:
    assert SECRET.raw == RAW
    assert SECRET.hex == RAW.hex()
    assert SECRET.base32 == base64.b32encode(RAW).decode().rstrip("=")
    assert SECRET.bits == len(RAW) * 8 == 168
    assert len(SECRET) == len(RAW)


# -- sizes --------------------------------------------------------------------------------
def test_80_bit_secrets_are_accepted_and_flagged() -> None:
    legacy = Secret.from_base32("JBSWY3DPEHPK3PXP")
    assert legacy.bits == 80
    assert legacy.is_below_rfc_minimum
    assert not Secret(b"x" * 16).is_below_rfc_minimum  # 128 bits: the minimum itself
    assert Secret(b"x" * 15).is_below_rfc_minimum
    assert RFC4226_MINIMUM_BITS == 128


def test_generated_secrets_are_160_bits_by_default_and_random() -> None:
    generated = [Secret.generate() for _ in range(20)]
    assert {s.bits for s in generated} == {DEFAULT_SECRET_BITS} == {160}
    assert not any(s.is_below_rfc_minimum for s in generated)
    assert len({s.raw for s in generated}) == 20
    assert Secret.generate(256).bits == 256


@pytest.mark.parametrize("bits", [0, 80, 128, 152, 159, 161, 170, -160])
def test_generated_secrets_are_never_shorter_than_160_bits(bits: int) -> None:
    with pytest.raises(InvalidSecretError):
        Secret.generate(bits)


def test_longest_secret() -> None:
    assert Secret(b"k" * 1024).bits == 8192
    assert Secret.from_base32(base64.b32encode(b"k" * 1024).decode()).bits == 8192
    with pytest.raises(InvalidSecretError):
        Secret(b"k" * 1025)
    with pytest.raises(InvalidSecretError):
        Secret.from_base32(base64.b32encode(b"k" * 1025).decode())


# -- lenient decoding ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "JBSWY3DPEHPK3PXP",
        "jbswy3dpehpk3pxp",
        "JbSwY3dPeHpK3pXp",
        "JBSW Y3DP EHPK 3PXP",
        "jbsw-y3dp-ehpk-3pxp",
        "  JBSWY3DP\tEHPK3PXP\n",
        "JBSWY3DPEHPK3PXP======",  # padded (andOTP writes padding)
        "JBSW-Y3DP EHPK-3PXP===",
    ],
)
def test_base32_is_read_leniently(text: str) -> None:
    assert Secret.from_base32(text).raw == b"Hello!\xde\xad\xbe\xef"


def test_base32_of_every_length_is_read() -> None:
    for length in range(1, 41):
        raw = bytes(range(length))
        padded = base64.b32encode(raw).decode()
        assert Secret.from_base32(padded).raw == raw
        assert Secret.from_base32(padded.rstrip("=")).raw == raw
        assert Secret.from_base32(padded.lower()).raw == raw


@pytest.mark.parametrize(
    "text",
    [
        "48656c6c6f21deadbeef",
        "48656C6C6F21DEADBEEF",
        "48:65:6c:6c:6f:21:de:ad:be:ef",
        "4865 6c6c 6f21 dead beef",
    ],
)
def test_hex_is_read(text: str) -> None:
    assert Secret.from_hex(text).raw == b"Hello!\xde\xad\xbe\xef"


# -- equality -------------------------------------------------------------------------------
def test_equality_compares_the_bytes() -> None:
    assert Secret(RAW) == Secret(bytearray(RAW))
    assert Secret(RAW) == Secret.from_hex(RAW.hex())
    assert Secret(RAW) != Secret(RAW[:-1])
    assert Secret(RAW) != Secret(RAW[:-1] + b"\x00")
    assert Secret(RAW) != RAW  # a Secret is not its bytes
    assert SECRET.__eq__(RAW) is NotImplemented
    assert hash(Secret(RAW)) == hash(Secret(memoryview(RAW)))
    assert len({Secret(RAW), Secret(RAW), Secret(b"other")}) == 2


def test_secrets_are_immutable() -> None:
    with pytest.raises(AttributeError):
        SECRET._raw = b"changed"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        SECRET.other = 1  # type: ignore[attr-defined]


def test_copies_and_pickles_keep_the_value() -> None:
    assert copy.copy(SECRET) == SECRET
    assert copy.deepcopy(SECRET) == SECRET
    assert pickle.loads(pickle.dumps(SECRET)) == SECRET  # noqa: S301 - our own bytes
    assert copy.deepcopy(Account(SECRET)) == Account(SECRET)
