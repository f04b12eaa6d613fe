"""How importing grows with the size of the file: reading, planning and saving, per entry.

Run: ``.venv/bin/python benchmarks/bench_import.py [--sizes 5000 20000 80000 330000] [--runs 3]``

For each size an ``otpauth://`` list of that many distinct accounts is imported into an empty
vault the way ``twostep-auth import`` does it (read and recognise the file, plan the import,
save in one atomic write), and the saving step is timed on its own too. The peer, measured in
the same run on the same entries, is the floor of any save: serialising the entries to JSON and
encrypting the result once (AES-256-GCM). Printed per size: the median times, the time per
entry, its growth (against the smallest size's: about 1.0 when linear, about N/N0 when
quadratic), the save's ratio to the floor, and that ratio's growth. On a busy machine the
plain growth drifts with the load; the ratio to the floor, measured alongside, does not.

Before the fix saving was quadratic: 5,000 entries took 2.3 s, 20,000 took 36 s (issue 19).
Target: 20,000 entries saved in under 2 s. Exit status 0 when it is met, 1 otherwise.
(Vault creation uses the cheap test KDF: the password KDF is not part of saving.)
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ["TWOSTEP_TEST_INSECURE_KDF"] = "1"  # only makes creating the vault cheap

from twostep.authenticator import formats, services
from twostep.authenticator.formats.plan import plan_import
from twostep.authenticator.vault.codec import entry_to_dict
from twostep.otp import Account, Secret, build_uri

TARGET_SIZE, TARGET_SECONDS = 20_000, 2.0


def uri_list(count: int) -> bytes:
    """Short lines (an 80-bit secret, a name, no issuer: about 47 bytes), so that 330,000
    accounts stay under the 20 MB import limit, as in the report of issue 19."""
    lines = []
    for i in range(count):
        account = Account(Secret(secrets.token_bytes(10)), name=f"user{i}")
        lines.append(build_uri(account))
    return ("\n".join(lines) + "\n").encode()


def import_once(data: bytes) -> tuple[float, float]:
    """(whole import, saving alone) in seconds, into a fresh vault."""
    with tempfile.TemporaryDirectory() as directory:
        auth = services.create_vault("benchmark", path=Path(directory) / "vault")
        start = time.perf_counter()
        _, result = formats.read_files([data])
        plan = plan_import(auth.entries(), result.entries)
        saving = time.perf_counter()
        report = auth.add_entries(plan.new, on_duplicate="skip")
        end = time.perf_counter()
        assert len(report.added) == len(result.entries)
        return end - start, end - saving


def floor_once(data: bytes) -> float:
    """Serialise the same entries once and encrypt them once: what any save must do."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    _, result = formats.read_files([data])
    key = AESGCM.generate_key(256)
    start = time.perf_counter()
    payload = json.dumps([entry_to_dict(e) for e in result.entries], separators=(",", ":"))
    AESGCM(key).encrypt(secrets.token_bytes(12), payload.encode(), None)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 20_000, 80_000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = sorted(args.sizes)
    print(
        f"{'entries':>8} {'import s':>9} {'save s':>8} {'floor s':>8} "
        f"{'save us/entry':>14} {'growth':>7} {'save/floor':>10} {'growth':>7}"
    )
    base = base_ratio = None
    met = True
    for size in sizes:
        data = uri_list(size)
        whole, save, floor = [], [], []
        for _ in range(args.runs):  # interleaved, so a busy machine slows them alike
            w, s = import_once(data)
            whole.append(w)
            save.append(s)
            floor.append(floor_once(data))
        w, s, f = (statistics.median(x) for x in (whole, save, floor))
        per_entry = s / size
        base = per_entry if base is None else base
        base_ratio = s / f if base_ratio is None else base_ratio
        print(
            f"{size:>8} {w:>9.2f} {s:>8.2f} {f:>8.3f} {per_entry * 1e6:>14.1f} "
            f"{per_entry / base:>7.2f} {s / f:>10.2f} {s / f / base_ratio:>7.2f}"
        )
        if size == TARGET_SIZE:
            met = s < TARGET_SECONDS
    if TARGET_SIZE in sizes:
        verdict = "met" if met else "NOT met"
        print(f"target: {TARGET_SIZE} entries saved in under {TARGET_SECONDS:g} s: {verdict}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
