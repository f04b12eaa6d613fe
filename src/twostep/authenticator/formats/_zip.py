"""Zip archives as some apps export them, optionally password-protected (PKWARE ZipCrypto).

Python's :mod:`zipfile` does the work. Every way a wrong password shows up (the one-byte
check, a stream that does not inflate, a CRC that does not match) and every sign of a changed
file after the check is the same :class:`WrongPasswordError`. AES-encrypted zips (WinZip's
scheme) are reported as unsupported. Members are read with a size cap.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final

from ._cbc import wrong
from .base import MAX_IMPORT_BYTES
from .errors import DamagedFileError, PasswordRequiredError, UnsupportedFileError

if TYPE_CHECKING:  # pragma: no cover
    import zipfile

__all__ = ["member_names", "open_zip", "read_member"]

_ZIP_MAGIC: Final = b"PK\x03\x04"
_AES: Final = 99


@contextmanager
def open_zip(data: bytes) -> Iterator[zipfile.ZipFile]:
    import zipfile

    if not data.startswith(_ZIP_MAGIC):
        raise DamagedFileError("the file is not a zip archive")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            yield archive
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        OSError,
        ValueError,
        IndexError,
        KeyError,
        struct.error,
    ):
        raise DamagedFileError("the zip archive is truncated or damaged") from None


def member_names(data: bytes) -> list[str] | None:
    """The names in the archive, or None when ``data`` is not a readable zip (for detect)."""
    if not data.startswith(_ZIP_MAGIC):
        return None
    try:
        with open_zip(data) as archive:
            return archive.namelist()
    except DamagedFileError:
        return None


def is_encrypted(info: zipfile.ZipInfo) -> bool:
    return bool(info.flag_bits & 0x1)


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, password: str | None) -> bytes:
    """The member's bytes (decrypted with ``password`` when it is protected)."""
    if info.compress_type == _AES:
        raise UnsupportedFileError(
            "the zip is AES-encrypted, which twostep cannot open: unzip it with 7-Zip first"
        )
    if info.file_size > MAX_IMPORT_BYTES:
        raise DamagedFileError(f"{info.filename[:60]!r} in the zip is too large to be an export")
    protected = is_encrypted(info)
    if protected and password is None:
        raise PasswordRequiredError("the zip archive is password-protected: a password is needed")
    import zipfile
    import zlib

    pwd = password.encode("utf-8") if protected and password is not None else None
    try:
        with archive.open(info, pwd=pwd) as member:
            content = member.read(MAX_IMPORT_BYTES + 1)
    except RuntimeError:  # "Bad password for file"
        raise wrong() from None
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        ValueError,
        NotImplementedError,
        IndexError,  # a member shorter than the 12-byte encryption header
        struct.error,
    ):
        if protected:
            raise wrong() from None
        raise DamagedFileError(f"{info.filename[:60]!r} in the zip is damaged") from None
    if len(content) > MAX_IMPORT_BYTES:
        raise DamagedFileError(f"{info.filename[:60]!r} in the zip is too large to be an export")
    return content
