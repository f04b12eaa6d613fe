"""find_drift: "your device's clock is N seconds off", from consecutive codes. verify stays
strict."""

from __future__ import annotations

import pytest

from twostep.otp import (
    Drift,
    InvalidCodeError,
    InvalidParameterError,
    MalformedCodeError,
    Secret,
    find_drift,
    generate_totp,
    time_step,
    verify_totp,
)

from .collisions import find_collisions

SECRET = Secret(b"drift-test-secret-160")
AT = 1_700_000_000


def _device_codes(
    offset_steps: int, count: int = 2, *, period: int = 30, at: int = AT, digits: int = 6
) -> list[str]:
    """What a device whose clock is ``offset_steps`` steps ahead shows, oldest first."""
    device_now = at + offset_steps * period
    return [
        generate_totp(SECRET, device_now - (count - 1 - i) * period, period=period, digits=digits)
        for i in range(count)
    ]


@pytest.mark.parametrize("offset", [-60, -17, -5, -2, -1, 0, 1, 2, 3, 10, 59, 60])
def test_two_consecutive_codes_give_the_offset(offset: int) -> None:
    assert find_drift(SECRET, _device_codes(offset), AT) == Drift(offset, offset * 30)


@pytest.mark.parametrize(("period", "offset"), [(60, 4), (60, -3), (10, 45), (300, -1)])
def test_the_offset_is_in_seconds_of_the_period(period: int, offset: int) -> None:
    codes = _device_codes(offset, period=period)
    assert find_drift(SECRET, codes, AT, period=period) == Drift(offset, offset * period)


@pytest.mark.parametrize("count", [1, 3, 10])
def test_one_to_ten_codes_are_used(count: int) -> None:
    assert find_drift(SECRET, _device_codes(7, count), AT) == Drift(7, 210)


def test_codes_are_normalised_and_any_digit_count_works() -> None:
    codes = [f"{c[:4]} {c[4:]}" for c in _device_codes(-4, digits=8)]
    assert find_drift(SECRET, codes, AT, digits=8) == Drift(-4, -120)


def test_the_search_range_is_respected() -> None:
    far = _device_codes(61)
    with pytest.raises(InvalidCodeError):
        find_drift(SECRET, far, AT)  # default: 60 steps either side
    assert find_drift(SECRET, far, AT, search=70) == Drift(61, 1830)
    with pytest.raises(InvalidCodeError):
        find_drift(SECRET, _device_codes(3), AT, search=2)


def test_codes_that_fit_nowhere_are_refused() -> None:
    other = Secret(b"another secret entirely")
    codes = [generate_totp(other, AT - 30), generate_totp(other, AT)]
    with pytest.raises(InvalidCodeError):
        find_drift(SECRET, codes, AT)
    # right codes in the wrong order do not fit either
    with pytest.raises(InvalidCodeError):
        find_drift(SECRET, list(reversed(_device_codes(2))), AT)


def test_an_ambiguous_code_is_refused() -> None:
    """A code that fits at two offsets says nothing about the clock: no guess."""
    for c in find_collisions():
        at = c.earlier * 30
        with pytest.raises(InvalidCodeError):
            find_drift(c.secret, [c.code], at, search=100)
        # the code after it disambiguates: the device is at the later step + 1
        following = generate_totp(c.secret, (c.later + 1) * 30)
        if following != generate_totp(c.secret, (c.earlier + 1) * 30):
            drift = find_drift(c.secret, [c.code, following], at, search=100)
            assert drift.steps == c.later + 1 - c.earlier


def test_steps_before_the_epoch_are_not_searched() -> None:
    codes = [generate_totp(SECRET, 0), generate_totp(SECRET, 30)]
    assert find_drift(SECRET, codes, 95) == Drift(-2, -60)


def test_steps_beyond_64_bits_are_not_searched() -> None:
    top = (2**64 - 1) * 30
    codes = [generate_totp(SECRET, top - 30), generate_totp(SECRET, top)]
    assert find_drift(SECRET, codes, top) == Drift(0, 0)


def test_finding_the_drift_does_not_loosen_verify() -> None:
    codes = _device_codes(5)
    assert find_drift(SECRET, codes, AT) == Drift(5, 150)
    for code in codes:
        with pytest.raises(InvalidCodeError):
            verify_totp(SECRET, code, AT)
    # the caller may resynchronise explicitly, by verifying at the corrected time
    assert verify_totp(SECRET, codes[-1], AT + 150) == time_step(AT) + 5


@pytest.mark.parametrize(
    ("codes", "options", "error", "field"),
    [
        ([], {}, InvalidParameterError, "codes"),
        (["123456"] * 11, {}, InvalidParameterError, "codes"),
        (["123456"], {"search": -1}, InvalidParameterError, "search"),
        (["123456"], {"search": 10_001}, InvalidParameterError, "search"),
        (["123456"], {"digits": 5}, InvalidParameterError, "digits"),
        (["123456"], {"period": 0}, InvalidParameterError, "period"),
        (["123456"], {"algorithm": "MD5"}, InvalidParameterError, "algorithm"),
        (["12345"], {}, MalformedCodeError, None),
        (["123456", "abcdef"], {}, MalformedCodeError, None),
    ],
)
def test_bad_arguments_are_refused(
    codes: list[str], options: dict[str, object], error: type[Exception], field: str | None
) -> None:
    with pytest.raises(error) as caught:
        find_drift(SECRET, codes, AT, **options)  # type: ignore[arg-type]
    if field is not None:
        assert caught.value.field == field  # type: ignore[attr-defined]
