"""Cross-checks against pyotp (< 2.12, which still accepts 80-bit keys): codes with 6 to 10 digits,
SHA1/256/512, any period, times after 2038; Steam Guard codes against ``pyotp.contrib.Steam``;
and ``otpauth://`` URIs both ways."""

from __future__ import annotations

import datetime as dt
import hashlib

import pyotp
import pyotp.contrib
from hypothesis import given, settings
from hypothesis import strategies as st

from twostep.otp import (
    Account,
    Algorithm,
    OtpType,
    Secret,
    build_uri,
    generate_hotp,
    generate_totp,
    parse_uri,
    verify_hotp,
    verify_totp,
)

from .strategies import algorithms, colonless, long_secrets, times

DIGESTS = {
    Algorithm.SHA1: hashlib.sha1,
    Algorithm.SHA256: hashlib.sha256,
    Algorithm.SHA512: hashlib.sha512,
}
_PYOTP_TIMES = times.filter(lambda t: t < 253_402_300_800)  # pyotp stops at year 9999


def _utc(at: float) -> dt.datetime:
    # pyotp reads a naive datetime in local time; an aware one is unambiguous.
    return dt.datetime.fromtimestamp(at, tz=dt.UTC)


@settings(max_examples=300, deadline=None)
@given(
    secret=long_secrets,
    algorithm=algorithms,
    digits=st.integers(6, 10),
    period=st.one_of(st.sampled_from([30, 60]), st.integers(1, 3600)),
    at=_PYOTP_TIMES,
)
def test_totp_matches_pyotp(
    secret: Secret, algorithm: Algorithm, digits: int, period: int, at: float
) -> None:
    theirs = pyotp.TOTP(secret.base32, digits=digits, digest=DIGESTS[algorithm], interval=period)
    code = generate_totp(secret, at, period=period, digits=digits, algorithm=algorithm.value)
    assert code == theirs.at(_utc(at))
    assert theirs.verify(code, for_time=_utc(at))
    step = verify_totp(
        secret, theirs.at(_utc(at)), at, period=period, digits=digits, algorithm=algorithm.value
    )
    assert step == theirs.timecode(_utc(at))


@settings(max_examples=300, deadline=None)
@given(
    secret=long_secrets,
    algorithm=algorithms,
    digits=st.integers(6, 10),
    counter=st.one_of(st.integers(0, 1000), st.integers(0, 2**64 - 1)),
)
def test_hotp_matches_pyotp(
    secret: Secret, algorithm: Algorithm, digits: int, counter: int
) -> None:
    theirs = pyotp.HOTP(secret.base32, digits=digits, digest=DIGESTS[algorithm])
    code = generate_hotp(secret, counter, digits=digits, algorithm=algorithm.value)
    assert code == theirs.at(counter)
    assert verify_hotp(secret, code, counter, digits=digits, algorithm=algorithm.value) == counter


@settings(max_examples=200, deadline=None)
@given(secret=long_secrets, at=_PYOTP_TIMES)
def test_steam_guard_matches_pyotp(secret: Secret, at: float) -> None:
    theirs = pyotp.contrib.Steam(secret.base32).at(_utc(at))
    assert generate_totp(secret, at, steam=True) == theirs
    assert Account(secret, type=OtpType.STEAM).generate(at) == theirs


@settings(max_examples=150, deadline=None)
@given(
    secret=long_secrets,
    issuer=colonless.filter(lambda text: text.strip() == text and text),
    name=colonless.filter(lambda text: text.strip() == text and text),  # pyotp: "" means "Secret"
    algorithm=algorithms,
    digits=st.integers(6, 8),  # pyotp.parse_uri accepts 6 to 8
    period=st.integers(1, 3600),
)
def test_uris_agree_with_pyotp(
    *, secret: Secret, issuer: str, name: str, algorithm: Algorithm, digits: int, period: int
) -> None:
    digest = DIGESTS[algorithm]
    theirs = pyotp.TOTP(
        secret.base32, digits=digits, digest=digest, interval=period, name=name, issuer=issuer
    )
    ours = Account(
        secret, issuer=issuer, name=name, algorithm=algorithm, digits=digits, period=period
    )
    # pyotp's URI read by us
    assert parse_uri(theirs.provisioning_uri()) == ours
    # our URI read by pyotp
    back = pyotp.parse_uri(build_uri(ours))
    assert isinstance(back, pyotp.TOTP)
    assert (back.secret, back.name, back.issuer) == (secret.base32, name, issuer)
    assert (back.digits, back.interval, back.digest) == (digits, period, digest)


@settings(max_examples=50, deadline=None)
@given(secret=long_secrets, counter=st.integers(0, 2**63))
def test_hotp_uris_agree_with_pyotp(secret: Secret, counter: int) -> None:
    theirs = pyotp.HOTP(secret.base32, initial_count=counter, name="alice", issuer="ACME")
    ours = Account(secret, type=OtpType.HOTP, issuer="ACME", name="alice", counter=counter)
    assert parse_uri(theirs.provisioning_uri()) == ours
    back = pyotp.parse_uri(build_uri(ours))
    assert isinstance(back, pyotp.HOTP)
    assert back.initial_count == counter
