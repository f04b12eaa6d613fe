"""``twostep-auth code`` without a vault (issue 2, "From the shell"): the code for a URI or a base32
key at a given time or counter, compared with oathtool's."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from twostep.otp import Secret

KEY = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # the RFC 4226 key in base32
KEY80 = "JBSWY3DPEHPK3PXP"


@pytest.fixture(scope="module")
def twostep_auth(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[..., subprocess.CompletedProcess[str]]:
    program = Path(sys.executable).with_name("twostep-auth")
    assert program.exists(), "twostep-auth is not installed in this environment"
    home = tmp_path_factory.mktemp("home")
    # a clean environment: no vault, no session, nothing from the developer's account
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "TWOSTEP_VAULT": str(home / "vault.twostep"),
        "LANG": "C.UTF-8",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(program), "code", *args],
            capture_output=True,
            text=True,
            env=env,
            stdin=subprocess.DEVNULL,
            timeout=60,
            check=False,
        )

    return run


def _printed_code(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


TIMES = [59, 1_111_111_109, 1_700_000_000, 2**31 + 7, 20_000_000_000]


@pytest.mark.parametrize("at", TIMES)
def test_code_for_a_uri_at_a_time_matches_oathtool(
    at: int,
    twostep_auth: Callable[..., subprocess.CompletedProcess[str]],
    oathtool: Callable[[Sequence[str]], list[str]],
) -> None:
    uri = f"otpauth://totp/ACME:alice?secret={KEY}&issuer=ACME&algorithm=SHA256&digits=8&period=60"
    (expected,) = oathtool(["--totp=SHA256", "-d", "8", "-s", "60", "-N", f"@{at}", "-b", KEY])
    assert _printed_code(twostep_auth("--uri", uri, "--at", str(at))) == expected


def test_code_for_a_default_uri_matches_oathtool(
    twostep_auth: Callable[..., subprocess.CompletedProcess[str]],
    oathtool: Callable[[Sequence[str]], list[str]],
) -> None:
    uri = f"otpauth://totp/alice?secret={KEY80.lower()}"  # lenient: lower case, 80 bits
    (expected,) = oathtool(["--totp", "-N", "@1700000000", "-b", KEY80])
    assert _printed_code(twostep_auth("--uri", uri, "--at", "1700000000")) == expected


@pytest.mark.parametrize(
    "options",
    [("SHA1", 6, 30, 1_700_000_000), ("SHA256", 7, 45, 2**31 + 1), ("SHA512", 8, 90, 10**11)],
)
def test_code_for_a_secret_matches_oathtool(
    options: tuple[str, int, int, int],
    twostep_auth: Callable[..., subprocess.CompletedProcess[str]],
    oathtool: Callable[[Sequence[str]], list[str]],
) -> None:
    algorithm, digits, period, at = options
    secret = Secret.from_base32(KEY)
    (expected,) = oathtool(
        [f"--totp={algorithm}", "-d", str(digits), "-s", f"{period}s", "-N", f"@{at}", secret.hex]
    )
    printed = twostep_auth(
        "--secret",
        KEY,
        "--algorithm",
        algorithm,
        "--digits",
        str(digits),
        "--period",
        str(period),
        "--at",
        str(at),
    )
    assert _printed_code(printed) == expected


def test_code_for_a_hotp_uri_uses_its_counter_or_the_given_one(
    twostep_auth: Callable[..., subprocess.CompletedProcess[str]],
    oathtool: Callable[[Sequence[str]], list[str]],
) -> None:
    uri = f"otpauth://hotp/ACME:alice?secret={KEY}&issuer=ACME&counter=3"
    codes = oathtool(["--hotp", "-c", "3", "-w", "4", "-b", KEY])  # counters 3..7
    assert _printed_code(twostep_auth("--uri", uri)) == codes[0]
    assert _printed_code(twostep_auth("--uri", uri, "--counter", "7")) == codes[4]


def test_code_for_a_secret_and_a_counter_is_the_hotp_code(
    twostep_auth: Callable[..., subprocess.CompletedProcess[str]],
    oathtool: Callable[[Sequence[str]], list[str]],
) -> None:
    """As ``oathtool -c N KEY``: a counter means HOTP."""
    (expected,) = oathtool(["-c", "5", "-d", "8", "-b", KEY])
    assert _printed_code(twostep_auth("--secret", KEY, "--digits", "8", "--counter", "5")) == (
        expected
    )


@pytest.mark.parametrize(
    "args",
    [
        ("--uri", f"https://example.com/?secret={KEY}"),
        ("--uri", f"otpauth://totp/alice?secret={KEY}&digits=11"),
        ("--uri", f"otpauth://totp/alice?secret={KEY[:-1]}1"),
        ("--secret", f"{KEY[:-1]}1"),
        ("--secret", KEY, "--digits", "11"),
        ("--secret", KEY, "--period", "0"),
        ("--secret", KEY, "--algorithm", "MD5"),
    ],
)
def test_bad_input_fails_with_a_message_and_without_the_secret(
    args: tuple[str, ...], twostep_auth: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    done = twostep_auth(*args, "--at", "1700000000")
    assert done.returncode != 0
    assert done.stdout == ""
    assert done.stderr.strip()
    assert "Traceback" not in done.stderr
    assert KEY[:-1] not in done.stderr


def test_code_for_a_secret_with_type_hotp_and_a_counter(
    twostep_auth: Callable[..., subprocess.CompletedProcess[str]],
    oathtool: Callable[[Sequence[str]], list[str]],
) -> None:
    """The spelling ``twostep-auth code --help`` shows."""
    (expected,) = oathtool(["--hotp", "-c", str(2**40), "-b", KEY])
    printed = twostep_auth("--secret", KEY, "--type", "hotp", "--counter", str(2**40))
    assert _printed_code(printed) == expected
