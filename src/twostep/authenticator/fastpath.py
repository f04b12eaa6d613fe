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
import types
from typing import Any

__all__ = ["run"]


class _DeferredPackage(types.ModuleType):
    """A package whose ``__init__`` runs on the first attribute it does not have yet."""

    def __getattr__(self, name: str) -> Any:
        spec = self.__dict__.pop("_twostep_deferred_spec", None)
        if spec is None:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        self.__class__ = types.ModuleType  # type: ignore[assignment]
        spec.loader.exec_module(self)
        return getattr(self, name)


def _otp_modules() -> Any:
    """``twostep.otp.totp`` without executing the ``twostep.otp`` package's ``__init__`` yet.

    That ``__init__`` imports every module of the core (URIs, migration, dataclasses...), about
    as costly as all the rest of this path. The package module is registered with its body
    deferred: the first access to a name it does not have yet (``from twostep.otp import
    Account`` on the normal path, or anywhere later in the process) runs it, so the deferral
    is invisible to any other code. (A lazy ``__init__`` in the core would make this moot.)
    """
    if "twostep.otp" in sys.modules:
        from twostep.otp import totp

        return totp
    import importlib
    import importlib.util

    spec = importlib.util.find_spec("twostep.otp")
    if spec is None or spec.loader is None:  # pragma: no cover - installed with the app
        raise ImportError("twostep.otp")
    package = importlib.util.module_from_spec(spec)
    package.__class__ = _DeferredPackage
    package.__dict__["_twostep_deferred_spec"] = spec
    sys.modules["twostep.otp"] = package
    # Not ``from twostep.otp import totp``: that asks the package for the name first.
    return importlib.import_module("twostep.otp.totp")


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
        return None
    sys.stdout.write(result[0] + "\n")
    sys.stdout.flush()
    sys.stderr.write(result[1] + "\n")
    return 0
