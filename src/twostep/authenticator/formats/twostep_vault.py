"""A twostep vault file (another vault, or a copy of one) as an import source.

Opened with its own password through the vault's public pieces (:mod:`..vault.format`,
:mod:`..vault.crypto`, :mod:`..vault.codec`); nothing is written to it. Every field of its
entries comes across. A wrong password and a damaged file give one and the same error, as
they do for the vault itself.
"""

from __future__ import annotations

from typing import Any, Final

from twostep.authenticator import errors as app_errors
from twostep.authenticator.entry import Entry
from twostep.otp import OTPError

from .base import EntryError, Format, ImportResult, Progress, collect_entries, ensure_detected
from .errors import DamagedFileError, PasswordRequiredError, WrongPasswordError

__all__ = ["FORMAT", "detect", "read"]

TITLE: Final = "a twostep vault file"
_MAGIC: Final = b"TWOSTEPV"


def detect(data: bytes) -> bool:
    return data.startswith(_MAGIC)


def _payload(data: bytes, password: str) -> dict[str, Any]:
    from twostep.authenticator.vault.codec import load_payload
    from twostep.authenticator.vault.crypto import KdfParams, derive_key, open_sealed
    from twostep.authenticator.vault.format import parse_vault_file

    try:
        layout = parse_vault_file(data)
        kek = derive_key(password, KdfParams.from_header(layout.header.get("kdf")))
        master = open_sealed(kek, layout.wrap_nonce, layout.wrapped_key, layout.header_aad)
        plaintext = open_sealed(master, layout.nonce, layout.ciphertext, layout.payload_aad)
    except app_errors.AuthenticatorError:
        raise WrongPasswordError("wrong password, or the vault file is damaged") from None
    try:
        return load_payload(plaintext)
    except (ValueError, RecursionError):
        raise DamagedFileError("the vault's content is damaged") from None


def _entry(item: Any) -> Entry:
    from twostep.authenticator.vault.codec import entry_from_dict

    try:
        return entry_from_dict(item)
    except OTPError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError):
        raise EntryError("entry", "is damaged") from None


def _label(item: Any) -> str:
    return str(item.get("issuer") or item.get("name") or "")


def read(
    data: bytes, password: str | None = None, *, progress: Progress | None = None
) -> ImportResult:
    ensure_detected(data, detect, TITLE)
    if password is None:
        raise PasswordRequiredError("this twostep vault is encrypted: its password is needed")
    items = _payload(data, password)["entries"]
    entries, problems = collect_entries(items, _entry, label_of=_label, progress=progress)
    return ImportResult(tuple(entries), tuple(problems), total=len(items))


FORMAT: Final = Format(
    name="twostep-vault",
    title="twostep vault",
    summary="another twostep vault file (opened with its password, left unchanged)",
    suffix=".twostep",
    detect=detect,
    read=read,
    is_encrypted=detect,
)
