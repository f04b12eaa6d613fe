"""Start-up: ``twostep-auth code NAME`` imports nothing heavy it does not need.

The modules a process imported are read from ``python -X importtime`` (the real entry point,
the real session, the real vault).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import TWOSTEP_AUTH, URI, Env

HEAVY = ("textual", "PIL", "zxingcpp", "segno", "mss", "pyperclip", "rich")


def imported_modules(env: Env, *args: str) -> tuple[set[str], str]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", str(TWOSTEP_AUTH), *args],
        capture_output=True,
        text=True,
        env=env.environ(),
        check=False,
        start_new_session=True,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "twostep.authenticator.fastpath" in modules  # the parse worked
    return modules, proc.stdout


def _tops(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


@pytest.fixture
def with_entry(unlocked: Env) -> Env:
    unlocked.ok("add", "--uri", URI)
    unlocked.ok("add", "--uri", "otpauth://hotp/Counter:me?secret=JBSWY3DPEHPK3PXP&counter=1")
    return unlocked


def test_code_name_with_a_session_takes_the_light_path(with_entry: Env) -> None:
    modules, out = imported_modules(with_entry, "code", "acme")
    assert out.strip().isdigit()
    assert len(out.strip()) == 6
    assert not _tops(modules) & set(HEAVY)
    # Not even the parser, the KDF, the Account dataclasses or the rest of the OTP core.
    for module in (
        "argparse",
        "argon2",
        "dataclasses",
        "twostep.otp.account",
        "twostep.otp.uri",
        "twostep.otp.migration",
        "twostep.authenticator.entry",
        "twostep.authenticator.services",
    ):
        assert module not in modules, module


def test_hotp_code_and_options_take_the_full_path_without_heavy_modules(with_entry: Env) -> None:
    for args in (["code", "counter"], ["code", "acme", "--at", "1700000000"], ["list"]):
        modules, out = imported_modules(with_entry, *args)
        assert out.strip()
        assert not _tops(modules) & set(HEAVY), (args, _tops(modules) & set(HEAVY))
        assert "argparse" in modules  # the full path really ran


def test_the_fast_path_leaves_the_otp_package_whole_for_later_code(with_entry: Env) -> None:
    """The fast path loads only part of ``twostep.otp`` (the package is lazy); later imports still
    see it all, and the package module is the ordinary one (no stand-in in ``sys.modules``)."""
    script = (
        "import sys, types\n"
        "from twostep.authenticator.cli import main\n"
        "assert main(['code', 'acme']) == 0\n"
        "assert 'twostep.otp.account' not in sys.modules\n"
        "assert type(sys.modules['twostep.otp']) is types.ModuleType\n"
        "from twostep.otp import Account, parse_uri, __all__ as names\n"
        "import twostep.otp as otp\n"
        "assert all(hasattr(otp, n) for n in names)\n"
        "assert main(['code', 'counter']) == 0\n"
        "print('whole')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=with_entry.environ(),
        check=False,
        start_new_session=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "whole"
