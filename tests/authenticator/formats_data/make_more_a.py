"""Write the sample files in ``more_a/`` (run from anywhere: ``python make_more_a.py``).

Every file holds the accounts of ``builders.SAMPLES`` (Proton: its TOTP and Steam ones), made
by ``builders_more_a`` with each app's own primitives and password ``builders.PASSWORD``. Salts
and nonces are random, so a new run gives different bytes with the same content.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"twostep_tests_{name}", HERE / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def files() -> dict[str, bytes]:
    b = _load("builders")
    m = _load("builders_more_a")
    proton = m.proton_samples(b.SAMPLES)
    return {
        "stratum-plain.authpro": m.stratum_plain(b.SAMPLES),
        "stratum-encrypted.authpro": m.stratum_encrypted(b.SAMPLES, b.PASSWORD),
        "authenticatorpro-legacy.authpro": m.stratum_legacy(b.SAMPLES, b.PASSWORD),
        "stratum-authenticator.db3": m.stratum_database(b.SAMPLES),
        "freeotp-externalBackup.xml": m.freeotp_backup(b.SAMPLES, b.PASSWORD),
        "freeotp-tokenBackup.xml": m.freeotp_backup_xml(b.SAMPLES, b.PASSWORD),
        "freeotp-tokens.xml": m.freeotp_tokens_xml(b.SAMPLES),
        "proton-plain.json": m.proton_plain(proton),
        "proton-encrypted.json": m.proton_encrypted(proton, b.PASSWORD),
    }


def main() -> None:
    out = HERE / "more_a"
    out.mkdir(exist_ok=True)
    for name, data in files().items():
        (out / name).write_bytes(data)
        print(f"wrote {out / name} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
