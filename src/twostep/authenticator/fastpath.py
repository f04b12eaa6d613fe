"""The fast path of ``twostep-auth code NAME`` with an unlocked session.

Printing a code is what the app is run for most often, so its start-up matters (the benchmark
compares it with a one-line pyotp script). For exactly ``code NAME`` (no options) with
``$TWOSTEP_SESSION`` set, :func:`run` opens the session, decrypts the vault, picks the entry and
prints its TOTP/Steam code using only the standard library, ``cryptography``'s AES-GCM and the
OTP core's ``hotp``/``totp`` modules: no argparse, no Entry/Account objects, no dataclasses.

It uses the same modules as the normal path (:mod:`.session`, :mod:`.vault.format`,
:mod:`.names`) and the same code generator (:func:`twostep.otp.totp.generate_totp`). Anything
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


def _otp_modules() -> Any:
    """``twostep.otp.totp`` without executing the ``twostep.otp`` package's ``__init__``.

    That ``__init__`` imports every module of the core (URIs, migration, dataclasses...), about
    as costly as all the rest of this path. The package module is created but its body is left
    for later: :func:`_finish_otp_package` runs it if the normal path takes over.
    """
    if "twostep.otp" in sys.modules:
        from twostep.otp import totp

        return totp
    import importlib.util

    spec = importlib.util.find_spec("twostep.otp")
    if spec is None or spec.loader is None:  # pragma: no cover - installed with the app
        raise ImportError("twostep.otp")
    package = importlib.util.module_from_spec(spec)
    package.__dict__["_twostep_deferred_init"] = spec
    sys.modules["twostep.otp"] = package
    from twostep.otp import totp

    return totp


def _finish_otp_package() -> None:
    package = sys.modules.get("twostep.otp")
    spec = None if package is None else package.__dict__.pop("_twostep_deferred_init", None)
    if spec is not None:
        spec.loader.exec_module(package)


def _entry_key(item: dict[str, Any]) -> tuple[str, str, str]:
    return str(item.get("issuer", "")), str(item.get("name", "")), str(item.get("id", ""))


def _code(argv: list[str]) -> tuple[str, str] | None:
    token = os.environ.get("TWOSTEP_SESSION", "").strip()
    if not token or len(argv) != 2 or argv[0] != "code" or argv[1].startswith("-"):
        return None
    import json

    from twostep.authenticator import paths
    from twostep.authenticator.names import describe, find_by_name
    from twostep.authenticator.session import aesgcm, open_session
    from twostep.authenticator.vault.format import parse_vault_file

    now = time.time()
    vault_path = paths.vault_path()
    master_key, key_id = open_session(token, paths.session_dir(), vault_path, now=now)
    with open(vault_path, "rb") as handle:
        layout = parse_vault_file(handle.read())
    if layout.header.get("key_id") != key_id:
        return None
    plaintext = aesgcm(master_key).decrypt(layout.nonce, layout.ciphertext, layout.payload_aad)
    entries = json.loads(plaintext)["entries"]
    item = find_by_name(argv[1], entries, _entry_key)
    kind = item["type"]
    if kind not in ("totp", "steam"):
        return None  # HOTP: the counter must be advanced and saved
    totp = _otp_modules()
    from twostep.otp.secret import Secret

    period = int(item["period"])
    code = totp.generate_totp(
        Secret.from_base32(item["secret"]),
        now,
        period=period,
        digits=int(item["digits"]),
        algorithm=str(item["algorithm"]),
        steam=kind == "steam",
    )
    left = int(totp.seconds_remaining(now, period) + 0.999)
    label = describe(str(item["issuer"]), str(item["name"])) or "(no name)"
    return code, f"{label}: {left} s left"


def run(argv: list[str]) -> int | None:
    """Print the code and return 0, or return ``None`` to let the normal path handle ``argv``."""
    try:
        result = _code(argv)
    except Exception:
        result = None
    if result is None:
        _finish_otp_package()
        return None
    sys.stdout.write(result[0] + "\n")
    sys.stdout.flush()
    sys.stderr.write(result[1] + "\n")
    return 0
