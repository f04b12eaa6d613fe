"""Fixtures of the OTP core's tests: the test-vector files and the reference tools."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA_DIR


@pytest.fixture(scope="session")
def oathtool() -> Callable[[Sequence[str]], list[str]]:
    """Run the real ``oathtool`` (OATH Toolkit) with arguments; return its output lines.

    It is a required tool of the test suite (``.ci/run`` installs it): missing, the tests fail.
    """
    path = shutil.which("oathtool")
    assert path, "oathtool is not installed (apt-get install oathtool)"

    def run(args: Sequence[str]) -> list[str]:
        done = subprocess.run(
            [path, *args], capture_output=True, text=True, timeout=30, check=False
        )
        assert done.returncode == 0, f"oathtool {' '.join(args)}: {done.stderr.strip()}"
        return done.stdout.split()

    return run
