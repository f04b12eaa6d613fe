"""How codes are read and compared: NFKC, spaces, exact length, leading zeros, 64-bit steps, the
whole window examined, and the parameters checked."""

from __future__ import annotations

import hashlib
import hmac
import math

import pytest

from twostep.otp import (
    STEAM_ALPHABET,
    Algorithm,
    InvalidCodeError,
    InvalidParameterError,
    MalformedCodeError,
    ReusedCodeError,
    Secret,
    generate_hotp,
    generate_totp,
    normalize_code,
    seconds_remaining,
    time_step,
    verify_hotp,
    verify_totp,
)

from .collisions import AT, SPAN, find_collisions

KEY = b"12345678901234567890"
MAX = 2**64 - 1


# -- normalisation ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "digits", "canonical"),
    [
        ("123456", 6, "123456"),
        ("123 456", 6, "123456"),
        (" 123456\n", 6, "123456"),
        ("12 34 56", 6, "123456"),
        ("123\u00a0456", 6, "123456"),  # no-break space
        ("123\u2009456", 6, "123456"),  # thin space
        ("123\t456", 6, "123456"),
        ("１２３４５６", 6, "123456"),  # full-width digits from a phone keyboard
        ("１２３ ４５６", 6, "123456"),
        ("１２３\u3000４５６", 6, "123456"),  # ideographic space
        ("①②③④⑤⑥", 6, "123456"),  # NFKC folds circled digits
        ("¹²³⁴⁵⁶", 6, "123456"),
        ("000000", 6, "000000"),
        ("0012345678", 10, "0012345678"),
        ("1234 5678", 8, "12345678"),
    ],
)
def test_codes_are_normalised(typed: str, digits: int, canonical: str) -> None:
    assert normalize_code(typed, digits) == canonical


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("", 6),
        ("      ", 6),
        ("12345", 6),  # too short
        ("1234567", 6),  # too long
        ("0123456", 6),  # an extra leading zero is not ignored
        ("12345a", 6),
        ("abcdef", 6),
        ("123-456", 6),
        ("+12345", 6),
        ("-12345", 6),
        ("12345.", 6),
        ("١٢٣٤٥٦", 6),  # Arabic-Indic digits: digits, but NFKC keeps them
        ("12345\x00", 6),
        ("1" * 65, 6),
        ("1" * 100_000, 6),  # refused before any Unicode work
        ("12345678", 6),
        ("123456", 8),
    ],
)
def test_malformed_codes_are_refused(typed: str, digits: int) -> None:
    with pytest.raises(MalformedCodeError):
        normalize_code(typed, digits)


@pytest.mark.parametrize("value", [None, 123456, b"123456", ["123456"]])
def test_codes_must_be_text(value: object) -> None:
    with pytest.raises(MalformedCodeError):
        normalize_code(value, 6)  # type: ignore[arg-type]
    with pytest.raises(MalformedCodeError):
        verify_totp(KEY, value, 59)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [("TXNN5", "TXNN5"), ("txnn5", "TXNN5"), ("TX NN5", "TXNN5"), ("ＴＸＮＮ５", "TXNN5")],
)
def test_steam_codes_are_normalised(typed: str, canonical: str) -> None:
    assert normalize_code(typed, 6, steam=True) == canonical


@pytest.mark.parametrize("typed", ["TXNN", "TXNN55", "TXNNA", "12345", "TXNN0", "TXNNI", ""])
def test_malformed_steam_codes_are_refused(typed: str) -> None:
    with pytest.raises(MalformedCodeError):
        normalize_code(typed, 5, steam=True)


def test_verify_accepts_what_people_type() -> None:
    at = 1_111_111_109
    code = generate_totp(KEY, at)
    full_width = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    for typed in (code, f"{code[:3]} {code[3:]}", f" {code} ", full_width):
        assert verify_totp(KEY, typed, at) == time_step(at)


def test_malformed_and_wrong_codes_are_both_invalid_codes() -> None:
    """Callers may catch InvalidCodeError alone; the message is the same in every case."""
    errors = []
    for typed in ("12345", "999999"):
        with pytest.raises(InvalidCodeError) as caught:
            verify_totp(KEY, typed, 59, window=0)
        errors.append(caught.value)
    with pytest.raises(ReusedCodeError) as reused:
        verify_totp(KEY, generate_totp(KEY, 59), 59, last_step=1)
    errors.append(reused.value)
    assert [type(e) for e in errors] == [MalformedCodeError, InvalidCodeError, ReusedCodeError]
    assert len({str(e) for e in errors}) == 1


# -- exact digit count and leading zeros ----------------------------------------------------
def test_leading_zeros_are_part_of_the_code() -> None:
    at = 1_111_111_109  # RFC 6238: SHA1, 8 digits -> 07081804
    assert generate_totp(KEY, at, digits=8) == "07081804"
    assert verify_totp(KEY, "07081804", at, digits=8) == time_step(at)
    for typed in ("7081804", "007081804", "70818040"):
        with pytest.raises(InvalidCodeError):
            verify_totp(KEY, typed, at, digits=8)
    assert generate_totp(KEY, at) == "081804"
    with pytest.raises(MalformedCodeError):
        verify_totp(KEY, "81804", at)


@pytest.mark.parametrize("digits", range(6, 11))
def test_codes_have_exactly_the_digit_count(digits: int) -> None:
    for counter in range(200):
        code = generate_hotp(KEY, counter, digits=digits)
        assert len(code) == digits
        assert code.isascii()
        assert code.isdigit()


def test_a_code_one_digit_off_is_refused() -> None:
    at = 1_700_000_000
    code = generate_totp(KEY, at)
    step = time_step(at)
    window = {generate_totp(KEY, (step + d) * 30) for d in (-1, 0, 1)}
    for position in range(6):
        for digit in "0123456789":
            typed = code[:position] + digit + code[position + 1 :]
            if typed in window:
                continue
            with pytest.raises(InvalidCodeError):
                verify_totp(KEY, typed, at)


def test_prefixes_and_suffixes_of_the_code_are_refused() -> None:
    """The comparison is over the exact number of digits: no partial match counts."""
    at = 1_700_000_000
    code = generate_totp(KEY, at, digits=8)
    for typed in (code[:6], code[2:], code[:7], code + "0", "0" + code):
        with pytest.raises(MalformedCodeError):
            verify_totp(KEY, typed, at, digits=8)
    with pytest.raises(MalformedCodeError):
        verify_totp(KEY, code, at, digits=6)


# -- the whole window is examined -------------------------------------------------------------
def test_the_nearest_matching_step_wins() -> None:
    for c in find_collisions():
        # stand where the earlier step is nearer, then where the later one is
        nearer_earlier = (c.earlier + (c.later - c.earlier) // 2) * 30
        nearer_later = (c.later + (c.later - c.earlier) // 2 + 1) * 30
        span = c.later - c.earlier + 1
        assert verify_totp(c.secret, c.code, nearer_earlier, window=span) == c.earlier
        assert verify_totp(c.secret, c.code, nearer_later, window=span + 1) == c.later


def test_a_reused_match_does_not_hide_a_fresh_one() -> None:
    """Every step of the window is compared: the code matches a used step and a newer one, and
    the newer one is accepted (an early exit at the first match would refuse it as a replay)."""
    for c in find_collisions():
        at = c.earlier * 30  # the earlier step is the current one, so it is checked first
        window = c.later - c.earlier
        assert verify_totp(c.secret, c.code, at, window=window, last_step=c.earlier) == c.later
        with pytest.raises(ReusedCodeError) as caught:
            verify_totp(c.secret, c.code, at, window=window, last_step=c.later)
        assert caught.value.step == c.earlier  # the nearest of the used ones is reported


def test_collisions_are_real() -> None:
    collisions = find_collisions()
    assert len(collisions) == 3
    for c in collisions:
        assert c.earlier < c.later
        assert abs(c.later - time_step(AT)) <= SPAN
        assert generate_totp(c.secret, c.earlier * 30) == c.code
        assert generate_totp(c.secret, c.later * 30) == c.code


def test_hotp_returns_the_first_matching_counter() -> None:
    for c in find_collisions():
        # a TOTP step is the HOTP counter of the same number: reuse the colliding steps
        count = c.later - c.earlier
        assert generate_hotp(c.secret, c.earlier) == generate_hotp(c.secret, c.later) == c.code
        assert verify_hotp(c.secret, c.code, c.earlier, look_ahead=count) == c.earlier
        assert verify_hotp(c.secret, c.code, c.earlier + 1, look_ahead=count) == c.later


# -- 64-bit steps and counters --------------------------------------------------------------
def _reference(key: bytes, counter: int, digits: int = 6) -> str:
    mac = hmac.new(key, counter.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = mac[-1] & 15
    return str((int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF) % 10**digits).zfill(
        digits
    )


@pytest.mark.parametrize(
    "step", [2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**32 + 1, 2**48, 2**63, MAX - 1, MAX]
)
def test_time_steps_use_64_bits(step: int) -> None:
    at = step * 30 + 29
    assert time_step(at) == step
    assert generate_totp(KEY, at) == _reference(KEY, step)
    assert verify_totp(KEY, _reference(KEY, step), at) == step
    assert generate_hotp(KEY, step) == _reference(KEY, step)


def test_the_window_stops_at_both_ends_of_the_step_range() -> None:
    assert verify_totp(KEY, generate_totp(KEY, 0), 0, window=3) == 0
    top = MAX * 30
    assert verify_totp(KEY, generate_totp(KEY, top), top, window=3) == MAX
    assert verify_hotp(KEY, generate_hotp(KEY, MAX), MAX, look_ahead=10) == MAX
    assert verify_hotp(KEY, generate_hotp(KEY, MAX), MAX - 2, look_ahead=10) == MAX


@pytest.mark.parametrize("at", [(MAX + 1) * 30, 10**30, 1e30])
def test_times_beyond_64_bit_steps_are_refused(at: float) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        generate_totp(KEY, at)
    assert caught.value.field == "at"


@pytest.mark.parametrize("counter", [-1, MAX + 1, 1.0, True, "5", None])
def test_counters_are_64_bit_unsigned_whole_numbers(counter: object) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        generate_hotp(KEY, counter)  # type: ignore[arg-type]
    assert caught.value.field == "counter"
    with pytest.raises(InvalidParameterError):
        verify_hotp(KEY, "123456", counter)  # type: ignore[arg-type]


# -- parameters ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"digits": 5}, "digits"),
        ({"digits": 11}, "digits"),
        ({"digits": True}, "digits"),
        ({"digits": 6.0}, "digits"),
        ({"period": 0}, "period"),
        ({"period": -30}, "period"),
        ({"period": 30.0}, "period"),
        ({"period": 2**32 + 1}, "period"),
        ({"algorithm": "MD5"}, "algorithm"),
        ({"algorithm": "sha1"}, "algorithm"),  # exact names; Algorithm.parse is the lenient one
        ({"algorithm": None}, "algorithm"),
        ({"t0": 1.5}, "t0"),
        ({"t0": True}, "t0"),
        ({"t0": 2_000_000_000}, "at"),  # the time is before T0
    ],
)
def test_totp_parameters_are_checked(options: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        generate_totp(KEY, 1_700_000_000, **options)  # type: ignore[arg-type]
    assert caught.value.field == field
    digits = options.get("digits", 6)
    code = "1" * (digits if type(digits) is int else 6)  # the right shape: only `field` is wrong
    with pytest.raises(InvalidParameterError) as caught:
        verify_totp(KEY, code, 1_700_000_000, **options)  # type: ignore[arg-type]
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"window": -1}, "window"),
        ({"window": 101}, "window"),
        ({"window": 1.0}, "window"),
        ({"last_step": -2}, "last_step"),
        ({"last_step": "5"}, "last_step"),
        ({"last_step": 5.0}, "last_step"),
    ],
)
def test_verification_parameters_are_checked(options: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        verify_totp(KEY, "123456", 1_700_000_000, **options)  # type: ignore[arg-type]
    assert caught.value.field == field


@pytest.mark.parametrize("look_ahead", [-1, 1001, 2.0])
def test_look_ahead_is_checked(look_ahead: object) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        verify_hotp(KEY, "123456", 0, look_ahead=look_ahead)  # type: ignore[arg-type]
    assert caught.value.field == "look_ahead"


@pytest.mark.parametrize("at", [math.nan, math.inf, -math.inf, -1, -0.5, "59", None, True, b"59"])
def test_times_must_be_numbers_after_t0(at: object) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        time_step(at)  # type: ignore[arg-type]
    assert caught.value.field == "at"


@pytest.mark.parametrize("secret", [b"", "12345678901234567890", None, bytearray(b"k")])
def test_keys_must_be_secrets_or_bytes(secret: object) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        generate_totp(secret, 59)  # type: ignore[arg-type]
    assert caught.value.field == "secret"


def test_algorithm_members_are_accepted_where_names_are() -> None:
    for algorithm in Algorithm:
        assert generate_totp(KEY, 59, algorithm=algorithm) == generate_totp(
            KEY, 59, algorithm=algorithm.value
        )


def test_time_steps_and_seconds_remaining() -> None:
    assert time_step(0) == 0
    assert time_step(29.999) == 0
    assert time_step(30) == 1
    assert time_step(100, period=60, t0=40) == 1
    assert seconds_remaining(59) == 1.0
    assert seconds_remaining(60) == 30.0
    assert seconds_remaining(59.25) == pytest.approx(0.75)
    assert seconds_remaining(100, period=60, t0=40) == 60.0
    assert generate_totp(KEY, 100, t0=40) == generate_totp(KEY, 60)


def test_steam_ignores_digits() -> None:
    code = generate_totp(KEY, 59, steam=True, digits=99)
    assert set(code) <= set(STEAM_ALPHABET)
    assert verify_totp(KEY, code, 59, steam=True, digits=99) == 1
    assert generate_hotp(KEY, 1, steam=True) == code
    assert verify_hotp(KEY, code.lower(), 0, look_ahead=1, steam=True) == 1


def test_secret_objects_and_bytes_give_the_same_codes() -> None:
    assert generate_totp(Secret(KEY), 59) == generate_totp(KEY, 59)
    assert verify_totp(Secret(KEY), generate_totp(KEY, 59), 59) == 1
