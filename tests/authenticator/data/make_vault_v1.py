"""Write ``vault-v1.twostep``, the fixture vault of format version 1 (already committed).

Run once when a format version is released: ``python make_vault_v1.py vault-v1.twostep``.
When version 2 comes, keep this file and its vault, and add ``make_vault_v2.py`` writing the
same entries with the password ``fixture password v2``; ``test_vault.py`` opens them all.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ["TWOSTEP_TEST_INSECURE_KDF"] = "1"

from twostep.authenticator.entry import Entry, Icon
from twostep.authenticator.vault import Vault
from twostep.authenticator.vault.crypto import calibrate_kdf
from twostep.otp import parse_uri

URIS = {
    "a1": "otpauth://totp/ACME:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    "&issuer=ACME",
    "b2": "otpauth://hotp/Bank:bob?secret=JBSWY3DPEHPK3PXP&counter=7&digits=8&algorithm=SHA256",
    "c3": "otpauth://steam/Steam:carol?secret=JBSWY3DPEHPK3PXPJBSWY3DP",
    "d4": "otpauth://totp/%C3%9Cn%C3%AFc%C3%B8d%C3%A9%20Issuer:dave?"
    "secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&period=60&algorithm=SHA512&digits=8&foo=bar",
}


def main(out: Path) -> None:
    out.unlink(missing_ok=True)
    vault = Vault.create(out, "fixture password v1", kdf=calibrate_kdf(), now=1795000000.0)
    entries = [
        Entry(
            parse_uri(URIS["a1"]),
            id="a1",
            note="work",
            groups=("work",),
            favorite=True,
            created_at=1795000001.0,
        ),
        Entry(
            parse_uri(URIS["b2"]),
            id="b2",
            created_at=1795000002.0,
            icon=Icon("image/png", b"\x89PNG fake"),
        ),
        Entry(parse_uri(URIS["c3"]), id="c3", created_at=1795000003.0),
        Entry(parse_uri(URIS["d4"]), id="d4"),
    ]
    vault.update(lambda current: current.extend(entries), now=1795000010.0)
    for leftover in out.parent.glob(out.name + ".*"):  # the .bak and .lock files
        leftover.unlink()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
