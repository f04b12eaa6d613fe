"""Cross-checks against ``oathtool`` (OATH Toolkit, the Debian package): a reference we did not
write. Several hundred random keys (80-bit and longer than an HMAC block included), every
algorithm, 6 to 8 digits (oathtool's range), many periods, T0, times after 2038, and HOTP counters
up to 2**64-1. Each oathtool run prints five consecutive codes (``-w 4``) and the runs go four at
a time, so the whole module stays around a second."""

from __future__ import annotations

import base64
import random
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from twostep.otp import Secret, generate_hotp, generate_totp

CASES_PER_TEST = 50
WINDOW = 4  # oathtool -w 4: the code for the given step/counter and the four after it
ALGORITHMS = ("SHA1", "SHA256", "SHA512")


@dataclass(frozen=True)
class Case:
    secret: Secret
    as_base32: bool
    digits: int
    period: int
    t0: int
    at: int
    counter: int

    def key_argument(self) -> list[str]:
        if self.as_base32:
            return ["-b", self.secret.base32]
        return [self.secret.hex]


def _random_cases(seed: str) -> list[Case]:
    rng = random.Random(seed)
    cases = []
    for _ in range(CASES_PER_TEST):
        length = rng.choice([10, 10, 16, 20, 20, 32, 64, 65, 128, 129, rng.randint(1, 200)])
        period = rng.choice([30, 30, 60, rng.randint(1, 3600)])
        t0 = rng.choice([0, 0, 0, rng.randint(0, 10**9)])
        at = rng.choice(
            [
                rng.randint(0, 2**31 - 1),  # before 2038
                rng.randint(2**31 - 300, 2**31 + 300),  # around the 32-bit rollover
                rng.randint(2**31, 2**35),  # after 2038, to the 3000s
                253_402_300_799,  # 9999-12-31 23:59:59
            ]
        )
        counter = rng.choice(
            [rng.randint(0, 1000), rng.randint(0, 2**32), rng.randint(0, 2**64 - 1 - WINDOW)]
        )
        cases.append(
            Case(
                secret=Secret(rng.randbytes(length)),
                as_base32=rng.random() < 0.5,
                digits=rng.randint(6, 8),
                period=period,
                t0=t0,
                at=max(at, t0),
                counter=counter,
            )
        )
    return cases


def _run_all(
    oathtool: Callable[[Sequence[str]], list[str]], argument_lists: list[list[str]]
) -> list[list[str]]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(oathtool, argument_lists))


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_totp_matches_oathtool(
    algorithm: str, oathtool: Callable[[Sequence[str]], list[str]]
) -> None:
    cases = _random_cases(f"totp-{algorithm}")
    outputs = _run_all(
        oathtool,
        [
            [
                f"--totp={algorithm}",
                "-d",
                str(case.digits),
                "-s",
                f"{case.period}s",
                "-S",
                f"@{case.t0}",
                "-N",
                f"@{case.at}",
                "-w",
                str(WINDOW),
                *case.key_argument(),
            ]
            for case in cases
        ],
    )
    mismatches = []
    for case, theirs in zip(cases, outputs, strict=True):
        ours = [
            generate_totp(
                case.secret,
                case.at + i * case.period,
                period=case.period,
                digits=case.digits,
                algorithm=algorithm,
                t0=case.t0,
            )
            for i in range(WINDOW + 1)
        ]
        if ours != theirs:
            mismatches.append((case.secret.bits, case.digits, case.period, case.t0, case.at))
    assert not mismatches, f"{len(mismatches)} of {len(cases)} differ from oathtool: {mismatches}"


def test_hotp_matches_oathtool(oathtool: Callable[[Sequence[str]], list[str]]) -> None:
    cases = _random_cases("hotp")
    outputs = _run_all(
        oathtool,
        [
            [
                "--hotp",
                "-d",
                str(case.digits),
                "-c",
                str(case.counter),
                "-w",
                str(WINDOW),
                *case.key_argument(),
            ]
            for case in cases
        ],
    )
    mismatches = []
    for case, theirs in zip(cases, outputs, strict=True):
        ours = [
            generate_hotp(case.secret, case.counter + i, digits=case.digits)
            for i in range(WINDOW + 1)
        ]
        if ours != theirs:
            mismatches.append((case.secret.bits, case.digits, case.counter))
    assert not mismatches, f"{len(mismatches)} of {len(cases)} differ from oathtool: {mismatches}"


@pytest.mark.parametrize("algorithm", ["SHA256", "SHA512"])
def test_hotp_with_sha2_matches_oathtool(
    algorithm: str, oathtool: Callable[[Sequence[str]], list[str]]
) -> None:
    """oathtool's HOTP mode is HMAC-SHA1 only, but TOTP with a 1 s period at Unix time N is HOTP
    with counter N, and its TOTP mode takes SHA256/SHA512 (times up to 2**62 here)."""
    cases = _random_cases(f"hotp-{algorithm}")
    counters = [case.counter % 2**62 for case in cases]
    outputs = _run_all(
        oathtool,
        [
            [
                f"--totp={algorithm}",
                *("-s", "1s", "-N", f"@{counter}", "-d", str(case.digits), "-w", str(WINDOW)),
                *case.key_argument(),
            ]
            for case, counter in zip(cases, counters, strict=True)
        ],
    )
    for case, counter, theirs in zip(cases, counters, outputs, strict=True):
        ours = [
            generate_hotp(case.secret, counter + i, digits=case.digits, algorithm=algorithm)
            for i in range(WINDOW + 1)
        ]
        assert ours == theirs, (case.secret.bits, case.digits, counter)


def test_eighty_bit_secrets_match_oathtool(oathtool: Callable[[Sequence[str]], list[str]]) -> None:
    """80-bit keys (16 base32 characters) are common in old accounts; they must still work."""
    rng = random.Random("80-bit")
    secrets = [Secret(rng.randbytes(10)) for _ in range(20)]
    at = 2_000_000_000
    outputs = _run_all(
        oathtool, [["--totp", "-N", f"@{at}", "-b", secret.base32] for secret in secrets]
    )
    for secret, theirs in zip(secrets, outputs, strict=True):
        assert secret.is_below_rfc_minimum
        assert len(secret.base32) == 16
        assert [generate_totp(secret, at)] == theirs


def test_the_last_64_bit_counter_matches_oathtool(
    oathtool: Callable[[Sequence[str]], list[str]],
) -> None:
    secret = Secret(base64.b32decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"))
    theirs = oathtool(["--hotp", "-c", str(2**64 - 2), "-w", "1", secret.hex])
    assert [generate_hotp(secret, 2**64 - 2), generate_hotp(secret, 2**64 - 1)] == theirs
