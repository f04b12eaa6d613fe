"""The fast path of ``twostep-auth code NAME`` with an unlocked session.

Printing a code is what the app is run for most often, so its start-up matters (the benchmark
compares it with a one-line pyotp script). For exactly ``code NAME`` (no options) with
``$TWOSTEP_SESSION`` set, :func:`run` does what the normal path does with the same functions,
minus the parts that cost start-up time (argparse, the ``Entry``/``Account`` dataclasses, the
KDF): :func:`~.session.open_session` gives the master key, :func:`~.vault.sealed.open_payload`
(what :meth:`Vault.read_payload <twostep.authenticator.vault.Vault.read_payload>` uses) opens
the vault, :func:`~.names.find_by_name` picks the entry, and the OTP core's
:func:`~twostep.otp.totp.generate_totp` / :func:`~twostep.otp.totp.seconds_remaining` make the
code (``twostep.otp`` imports its modules lazily, so only ``totp``, ``hotp`` and ``secret``
load).

The entry is read from its payload dictionary (the fields of :mod:`.vault.codec`). Anything
unusual (an HOTP entry, which must save its counter; a missing, expired or foreign session; no
match; any error at all) returns ``None`` before printing anything, and the normal path runs
and reports it; so the output and exit codes are the same either way.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

__all__ = ["run"]


def _entry_key(item: dict[str, Any]) -> tuple[str, str, str]:
    return str(item.get("issuer", "")), str(item.get("name", "")), str(item.get("id", ""))


def _code(argv: list[str]) -> tuple[str, str] | None:
    token = os.environ.get("TWOSTEP_SESSION", "").strip()
    if not token or len(argv) != 2 or argv[0] != "code" or argv[1].startswith("-"):
        return None
    from twostep.authenticator import paths
    from twostep.authenticator.names import describe, find_by_name
    from twostep.authenticator.session import open_session
    from twostep.authenticator.vault.format import parse_vault_file
    from twostep.authenticator.vault.sealed import open_payload

    now = time.time()
    vault_path = paths.vault_path()
    master_key, key_id = open_session(token, paths.session_dir(), vault_path, now=now)
    with open(vault_path, "rb") as handle:
        layout = parse_vault_file(handle.read())
    payload = open_payload(layout, master_key, key_id)
    item = find_by_name(argv[1], payload["entries"], _entry_key)
    kind = item["type"]
    if kind not in ("totp", "steam"):
        return None  # HOTP: the counter must be advanced and saved
    from twostep.otp.secret import Secret
    from twostep.otp.totp import generate_totp, seconds_remaining

    period = int(item["period"])
    code = generate_totp(
        Secret.from_base32(item["secret"]),
        now,
        period=period,
        digits=int(item["digits"]),
        algorithm=str(item["algorithm"]),
        steam=kind == "steam",
    )
    left = int(seconds_remaining(now, period) + 0.999)
    label = describe(str(item["issuer"]), str(item["name"])) or "(no name)"
    return code, f"{label}: {left} s left"


def run(argv: list[str]) -> int | None:
    """Print the code and return 0, or return ``None`` to let the normal path handle ``argv``."""
    try:
        result = _code(argv)
    except Exception:
        result = None
    if result is None:
        return None
    sys.stdout.write(result[0] + "\n")
    sys.stdout.flush()
    sys.stderr.write(result[1] + "\n")
    return 0
