"""Throughput of the OTP core against pyotp and an inline floor, measured in one run.

Run: ``.venv/bin/python benchmarks/bench_otp.py [--seconds-per-case 1.5]``

Every case runs in timeit loops for a bounded time; the best loop of each case gives its ops/s (the
least disturbed by the machine). Absolute numbers depend on the machine; the ratios, measured
side by side in the same process, are what the targets in issue 2 are about:

- our ``generate_totp`` at least 2x pyotp's ``TOTP.at`` and within 1.5x of the floor
  (floor ops/s divided by ours at most 1.5);
- our ``verify_totp`` (window 1, wrong code: the path an attacker drives) at least 3x pyotp's
  ``TOTP.verify(valid_window=1)``.

The floor is the least work any TOTP generator has to do, written inline here: one
``hmac.digest`` of the packed time step and RFC 4226 dynamic truncation, in a plain function
called the same way as ours (no validation at all).

Exit status 0 when every target is met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import hmac
import struct
import sys
import time
import timeit
from collections.abc import Callable
from dataclasses import dataclass

import pyotp

from twostep.otp import Secret, generate_totp, verify_totp

KEY = b"12345678901234567890"  # the RFC 6238 SHA1 seed, 160 bits
AT = 1_700_000_000
_pack = struct.Struct(">Q").pack


def floor_totp(key: bytes, at: float) -> str:
    """The inline floor: HMAC-SHA1 of the step, dynamic truncation, six digits."""
    mac = hmac.digest(key, _pack(int(at) // 30), "sha1")
    offset = mac[19] & 0x0F
    value = int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(value % 1_000_000).zfill(6)


@dataclass
class Result:
    name: str
    ops_per_second: float


def measure(name: str, func: Callable[[], object], seconds: float) -> Result:
    """Best loop's ops/s over about ``seconds`` of timeit loops."""
    timer = timeit.Timer(func)
    number, elapsed = timer.autorange()  # loop size that takes >= 0.2 s
    number = max(1, int(number * 0.1 / elapsed))  # ~0.1 s per loop
    best = float("inf")
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        best = min(best, timer.timeit(number))
    result = Result(name, number / best)
    print(f"  {name:<48} {result.ops_per_second:>12,.0f} ops/s", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds-per-case", type=float, default=1.5)
    args = parser.parse_args(argv)
    seconds = args.seconds_per_case

    secret = Secret(KEY)
    b32 = secret.base32
    totp = pyotp.TOTP(b32)
    valid = generate_totp(secret, AT)
    assert valid == totp.at(AT) == floor_totp(KEY, AT), "the three generators disagree"
    wrong = f"{(int(valid) + 500_000) % 1_000_000:06d}"
    # make sure "wrong" really is wrong for every step of the window
    assert all(totp.at(AT + d * 30) != wrong for d in (-1, 0, 1))
    assert totp.verify(valid, for_time=AT, valid_window=1)
    assert not totp.verify(wrong, for_time=AT, valid_window=1)

    print(f"python {sys.version.split()[0]}, pyotp {getattr(pyotp, '__version__', '?')}")
    print(f"{seconds:.1f} s per case, best loop\n")
    print("generate")
    floor = measure(
        "floor (hmac.digest + truncation, inline)", lambda: floor_totp(KEY, AT), seconds
    )
    ours_at = measure(
        "twostep generate_totp(secret, at)", lambda: generate_totp(secret, AT), seconds
    )
    ours_now = measure(
        "twostep generate_totp(secret, time.time())",
        lambda: generate_totp(secret, time.time()),
        seconds,
    )
    py_at = measure("pyotp TOTP.at(at)", lambda: totp.at(AT), seconds)
    py_now = measure("pyotp TOTP.now()", totp.now, seconds)
    py_new_now = measure(
        "pyotp TOTP(b32).now()  (object built each time)", lambda: pyotp.TOTP(b32).now(), seconds
    )

    print("\nverify, window 1")
    ours_ok = measure(
        "twostep verify_totp, valid code",
        lambda: verify_totp(secret, valid, AT, window=1),
        seconds,
    )

    def ours_wrong_once() -> None:
        try:
            verify_totp(secret, wrong, AT, window=1)
        except ValueError:
            return
        raise AssertionError("a wrong code verified")

    ours_wrong = measure("twostep verify_totp, wrong code", ours_wrong_once, seconds)
    py_ok = measure(
        "pyotp verify(valid_window=1), valid code",
        lambda: totp.verify(valid, for_time=AT, valid_window=1),
        seconds,
    )
    py_wrong = measure(
        "pyotp verify(valid_window=1), wrong code",
        lambda: totp.verify(wrong, for_time=AT, valid_window=1),
        seconds,
    )

    def ratio(a: Result, b: Result) -> float:
        return a.ops_per_second / b.ops_per_second

    targets = [
        ("generate: ours / pyotp at()", ratio(ours_at, py_at), ">=", 2.0),
        ("generate: ours(now) / pyotp now()", ratio(ours_now, py_now), ">=", 2.0),
        ("generate: floor / ours", ratio(floor, ours_at), "<=", 1.5),
        ("verify wrong code: ours / pyotp", ratio(ours_wrong, py_wrong), ">=", 3.0),
    ]
    print("\nratios")
    failed = 0
    for label, value, op, goal in targets:
        met = value >= goal if op == ">=" else value <= goal
        failed += not met
        print(f"  {label:<40} {value:6.2f}  (target {op} {goal})  {'ok' if met else 'MISSED'}")
    for label, value in (
        ("generate: ours / pyotp TOTP(b32).now()", ratio(ours_now, py_new_now)),
        ("verify valid code: ours / pyotp", ratio(ours_ok, py_ok)),
        ("verify: wrong / valid (ours)", ratio(ours_wrong, ours_ok)),
    ):
        print(f"  {label:<40} {value:6.2f}  (for information)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
