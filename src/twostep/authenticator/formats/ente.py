"""ente Auth encrypted exports (formats.md §2.6).

``{"version": 1, "kdfParams": {"memLimit", "opsLimit", "salt"}, "encryptedData",
"encryptionNonce"}``: key = libsodium ``crypto_pwhash`` Argon2id v1.3 (32 bytes) with the file's
limits, data = ``crypto_secretstream_xchacha20poly1305`` (one FINAL chunk; the "nonce" is the
stream header). The plaintext is ente's URI list, read exactly like its plain export (the
``codeDisplay`` parameter gives tags, note and pinned). Uses PyNaCl's libsodium bindings.
"""

from __future__ import annotations

from typing import Final

from . import _crypto, otpauth_list
from ._json import b64decode, file_object, load_json, sniff_json
from .base import Format, ImportResult, Progress, ensure_detected
from .errors import DamagedFileError, PasswordRequiredError, UnsupportedFileError

__all__ = ["FORMAT", "detect", "read"]

TITLE: Final = "an ente Auth encrypted export"


def detect(data: bytes) -> bool:
    doc = sniff_json(data)
    return (
        isinstance(doc, dict)
        and isinstance(doc.get("kdfParams"), dict)
        and "encryptedData" in doc
        and "encryptionNonce" in doc
    )


def read(
    data: bytes, password: str | None = None, *, progress: Progress | None = None
) -> ImportResult:
    ensure_detected(data, detect, TITLE)
    doc = file_object(load_json(data, "ente"), "the file")
    if doc.get("version", 1) != 1:
        raise UnsupportedFileError("this ente export has a version twostep does not know (not 1)")
    if password is None:
        raise PasswordRequiredError("this ente Auth export is encrypted: a password is needed")
    params = file_object(doc.get("kdfParams"), "kdfParams")
    salt = b64decode(params.get("salt"), "kdfParams.salt")
    key = _crypto.argon2id(
        password,
        salt,
        ops=params.get("opsLimit"),  # type: ignore[arg-type]
        mem_bytes=params.get("memLimit"),  # type: ignore[arg-type]
    )
    plain = _crypto.secretstream_open(
        key,
        b64decode(doc.get("encryptionNonce"), "encryptionNonce"),
        b64decode(doc.get("encryptedData"), "encryptedData"),
    )
    try:
        text = plain.decode("utf-8")
    except UnicodeDecodeError:
        raise DamagedFileError("the decrypted ente export is not text") from None
    lines = [
        (number, line.strip()) for number, line in enumerate(text.splitlines(), 1) if line.strip()
    ]
    return otpauth_list.read_lines(lines, progress=progress)


FORMAT: Final = Format(
    name="ente",
    title="ente Auth",
    summary="ente Auth encrypted export (Argon2id + XChaCha20-Poly1305); "
    "ente's plain export is the otpauth format",
    suffix=".json",
    detect=detect,
    read=read,
    is_encrypted=detect,
)
