"""Whole-process time of ``twostep-auth``, against its peers, measured in one run.

Run: ``.venv/bin/python benchmarks/bench_cli.py [--runs 60]`` (about a minute)

1. ``twostep-auth code NAME`` with an unlocked session (the command people run most), against
   ``python -c "import pyotp; print(pyotp.TOTP(S).now())"`` (the same interpreter) and
   ``oathtool --totp -b S``. Target (issue 3): within 1.3x of the pyotp one-liner.
2. Unlocking and listing a vault of 1,000 entries in one process, the real KDF included
   (``twostep-auth list --password-stdin``), and ``twostep-auth unlock``. Target: under 1 s.

The commands run interleaved (one of each, in turn, ``--runs`` times, after warm-up runs), so a
busy machine slows them alike; the median of each is reported. Bytecode caches are allowed
(``PYTHONDONTWRITEBYTECODE`` is removed), as for an installed program. Exit status 0 when both
targets are met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
PASSWORD = "benchmark password"


def make_env(home: Path, vault: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWOSTEP_", "XDG_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    runtime = home / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env.update(HOME=str(home), XDG_RUNTIME_DIR=str(runtime), TWOSTEP_VAULT=str(vault))
    return env


def run(cmd: list[str], env: dict[str, str], stdin: str = "") -> str:
    proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd} failed: {proc.stderr}")
    return proc.stdout


def time_commands(
    commands: dict[str, tuple[list[str], dict[str, str], str]], runs: int, warmup: int = 3
) -> dict[str, float]:
    """Median wall time (s) of each command, run interleaved."""
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for i in range(warmup + runs):
        for name, (cmd, env, stdin) in commands.items():
            start = time.perf_counter()
            subprocess.run(
                cmd,
                input=stdin,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                text=True,
                env=env,
                check=True,
            )
            if i >= warmup:
                samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


def build_big_vault(vault: Path, count: int) -> None:
    """A vault of ``count`` entries with the real (calibrated) KDF."""
    from twostep.authenticator.entry import Entry
    from twostep.authenticator.vault import Vault
    from twostep.otp import Account, Secret

    os.environ.pop("TWOSTEP_TEST_INSECURE_KDF", None)
    created = Vault.create(vault, PASSWORD)
    entries = [
        Entry(Account(Secret.generate(), issuer=f"Service {i:04d}", name=f"user{i}@example.com"))
        for i in range(count)
    ]
    created.update(lambda current: current.extend(entries))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    auth = str(BIN / "twostep-auth")
    python = str(BIN / "python")
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        home = Path(tmp)
        small, big = home / "small.twostep", home / "big.twostep"
        env = make_env(home, small)
        run([auth, "init", "--password-stdin"], env, PASSWORD + "\n")
        run(
            [
                auth,
                "add",
                "--password-stdin",
                "--issuer",
                "ACME",
                "--account",
                "alice",
                "--secret",
                SECRET,
            ],
            env,
            PASSWORD + "\n",
        )
        token = run([auth, "unlock", "--password-stdin"], env, PASSWORD + "\n")
        env["TWOSTEP_SESSION"] = token.strip().split("=", 1)[1].strip("'")
        ours = run([auth, "code", "acme"], env).strip()
        theirs = run(["oathtool", "--totp", "-b", SECRET], env).strip()
        print(f"sanity: twostep-auth {ours}, oathtool {theirs}")

        one_liner = f"import pyotp; print(pyotp.TOTP('{SECRET}').now())"
        code_times = time_commands(
            {
                "twostep-auth code NAME": ([auth, "code", "acme"], env, ""),
                "python -c pyotp one-liner": ([python, "-c", one_liner], env, ""),
                "oathtool --totp -b S": (["oathtool", "--totp", "-b", SECRET], env, ""),
            },
            args.runs,
        )
        build_big_vault(big, 1000)
        big_env = make_env(home, big)
        big_times = time_commands(
            {
                "unlock + list, 1,000 entries": (
                    [auth, "list", "--password-stdin"],
                    big_env,
                    PASSWORD + "\n",
                ),
                "unlock (new session)": (
                    [auth, "unlock", "--password-stdin"],
                    big_env,
                    PASSWORD + "\n",
                ),
            },
            max(5, args.runs // 6),
            warmup=1,
        )
    pyotp_time = code_times["python -c pyotp one-liner"]
    print(f"\nwhole-process time, median of {args.runs} interleaved runs")
    for name, seconds in code_times.items():
        print(f"  {name:<30} {seconds * 1000:7.1f} ms   {seconds / pyotp_time:5.2f}x pyotp")
    ratio = code_times["twostep-auth code NAME"] / pyotp_time
    print(
        f"  target: twostep-auth code within 1.3x of pyotp: {ratio:.2f}x "
        f"{'OK' if ratio <= 1.3 else 'MISSED'}"
    )
    print(f"\n1,000-entry vault, real KDF, median of {max(5, args.runs // 6)} runs")
    for name, seconds in big_times.items():
        print(f"  {name:<30} {seconds * 1000:7.1f} ms")
    listed = big_times["unlock + list, 1,000 entries"]
    print(f"  target: under 1 s: {listed:.2f} s {'OK' if listed < 1 else 'MISSED'}")
    shutil.rmtree(home, ignore_errors=True)
    return 0 if ratio <= 1.3 and listed < 1 else 1


if __name__ == "__main__":
    sys.exit(main())
