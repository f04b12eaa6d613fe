"""``twostep.otp`` loads its modules lazily (PEP 562) and still offers every public name.

Each check runs in a fresh interpreter, since this test process has imported the core already.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from twostep import otp


def _run(script: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_importing_the_package_loads_none_of_its_modules() -> None:
    loaded = _run(
        "import sys, twostep.otp\n"
        "print(sorted(m for m in sys.modules if m.startswith('twostep.otp.')))"
    )
    assert loaded == "[]"


def test_a_name_loads_only_the_modules_it_needs() -> None:
    loaded = _run(
        "import sys\n"
        "from twostep.otp import generate_totp\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('twostep.otp.'))))"
    )
    assert loaded.split() == [
        "twostep.otp.errors",
        "twostep.otp.hotp",
        "twostep.otp.secret",
        "twostep.otp.totp",
    ]


def test_every_public_name_is_the_object_of_its_module() -> None:
    import importlib

    assert sorted(otp.__all__) == sorted(set(otp.__all__))
    for name in otp.__all__:
        value = getattr(otp, name)
        module = importlib.import_module(f"twostep.otp.{otp._SOURCES[name]}")
        assert value is getattr(module, name), name
    assert set(otp.__all__) <= set(dir(otp))


def test_star_import_gives_every_public_name_in_a_fresh_process() -> None:
    out = _run(
        "from twostep.otp import *\n"
        "import twostep.otp\n"
        "missing = [n for n in twostep.otp.__all__ if n not in globals()]\n"
        "print(missing, Account.__module__, parse_uri.__module__)"
    )
    assert out == "[] twostep.otp.account twostep.otp.uri"


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        otp.no_such_name  # noqa: B018
    assert not hasattr(otp, "_private_thing")
