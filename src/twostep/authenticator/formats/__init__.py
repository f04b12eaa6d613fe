"""Import from and export to other authenticators: one module per format, one registry.

Each module defines a :class:`~.base.Format` (``FORMAT``): how to recognise a file (``detect``,
no password needed), read it (``read``: entries plus per-entry problems; whole-file faults raise
a :class:`~.errors.FormatError`), and, for formats twostep can hand accounts back in, write it.
:func:`read_files` is the one entry point the CLI uses: size limit, auto-detection (or checking
a forced ``--format``), several files of one export, and the read itself. Auto-detection tries
every format's ``detect`` (a positive recognition, never "anything else") and refuses a file
that none or several recognise, naming the formats tried: adding a format is adding its module
to :data:`FORMATS`. :mod:`.plan` decides
what an import adds to a vault. Specs: ``shared/reference/formats.md``.

==============  ======  ======  ==================================================================
name            import  export  what
==============  ======  ======  ==================================================================
twostep         yes     yes     twostep's encrypted export (Argon2id + AES-256-GCM), every field
twostep-vault   yes             another twostep vault file (opened with its password), every field
aegis           yes     yes     Aegis JSON, plain or encrypted; groups, note, favourite, icon
2fas            yes     yes     2FAS .2fas, plain or encrypted, schema 1-4+; groups (export: first)
andotp          yes             andOTP .json / .json.aes (current and old scheme); tags
freeotp-plus    yes             FreeOTP+ JSON
freeotp         yes             FreeOTP 2 backup (externalBackup.xml / tokenBackup.xml); FreeOTP 1
                                and FreeOTP+ tokens.xml
stratum         yes             Stratum / Authenticator Pro backup (plain, encrypted, legacy
                                encrypted) or authenticator.db3; categories, custom icons
proton          yes             Proton Authenticator export, plain or password-protected; note
bitwarden       yes     yes     Bitwarden unencrypted JSON / CSV: note, favourite, folder
ente            yes             ente Auth encrypted export; tags, note, pinned
google          yes     yes     Google Authenticator otpauth-migration QR codes (images or URIs)
otpauth         yes     yes     otpauth:// URI list (incl. ente's plain export with codeDisplay)
authy           yes             Authy's Android token storage XML, plain or encrypted (PBKDF2+CBC)
totp-auth       yes             TOTP Authenticator backup (SHA-256 key, AES-CBC) or its prefs XML
battlenet       yes             Battle.net Authenticator's storage XML (masked secret, serial)
steam           yes             Steam Desktop Authenticator maFile / Steam app file; revocation code
duo             yes             Duo Mobile's internal accounts.json (TOTP and HOTP)
microsoft       yes             Microsoft Authenticator's PhoneFactor SQLite database
google-db       yes             Google Authenticator's internal SQLite database
authplus        yes             Authenticator Plus export zip (Accounts.txt) or zipped authplus.db
winauth         yes             WinAuth text export; Battle.net serial, Steam, custom icons
html                    yes     printable page, one QR code per account
==============  ======  ======  ==================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Final

from twostep.authenticator.entry import Entry

from . import (
    aegis,
    andotp,
    authenticator_plus,
    authy,
    battlenet,
    bitwarden,
    duo,
    ente,
    freeotp,
    freeotp_plus,
    google_db,
    google_migration,
    html_export,
    microsoft,
    otpauth_list,
    proton,
    steam,
    stratum,
    totp_authenticator,
    twofas,
    twostep_export,
    twostep_vault,
    winauth,
)
from ._json import is_broken_json
from .base import MAX_IMPORT_BYTES, Format, ImportResult, Problem, Progress
from .errors import (
    DamagedFileError,
    ExportRefusedError,
    FileTooLargeError,
    FormatError,
    MissingQRCodesError,
    PasswordRequiredError,
    UnrecognizedFormatError,
    UnsupportedFileError,
    WrongFormatError,
    WrongPasswordError,
)

__all__ = [
    "FORMATS",
    "MAX_IMPORT_BYTES",
    "DamagedFileError",
    "ExportRefusedError",
    "FileTooLargeError",
    "Format",
    "FormatError",
    "ImportResult",
    "MissingQRCodesError",
    "PasswordRequiredError",
    "Problem",
    "UnrecognizedFormatError",
    "UnsupportedFileError",
    "WrongFormatError",
    "WrongPasswordError",
    "check_size",
    "choose_format",
    "detect_format",
    "export_formats",
    "get_format",
    "import_formats",
    "read_files",
    "recognising",
]

#: Every format. Auto-detection tries each one's ``detect`` and takes the one that recognises
#: the file (order only matters for listings).
FORMATS: Final[tuple[Format, ...]] = (
    twostep_export.FORMAT,
    twostep_vault.FORMAT,
    aegis.FORMAT,
    ente.FORMAT,
    twofas.FORMAT,
    bitwarden.FORMAT,
    freeotp_plus.FORMAT,
    stratum.FORMAT,
    freeotp.FORMAT,
    proton.FORMAT,
    authy.FORMAT,
    totp_authenticator.FORMAT,
    battlenet.FORMAT,
    steam.FORMAT,
    duo.FORMAT,
    microsoft.FORMAT,
    google_db.FORMAT,
    authenticator_plus.FORMAT,
    winauth.FORMAT,  # before otpauth: a WinAuth list is also a plain list, read less fully
    google_migration.FORMAT,
    otpauth_list.FORMAT,
    andotp.FORMAT,
    html_export.FORMAT,
)


def import_formats() -> list[Format]:
    return [f for f in FORMATS if f.can_import]


def export_formats() -> list[Format]:
    return [f for f in FORMATS if f.can_export]


def get_format(name: str) -> Format:
    """The format called ``name`` (as given to ``--format``)."""
    for fmt in FORMATS:
        if fmt.name == name.strip().lower():
            return fmt
    known = ", ".join(f.name for f in FORMATS)
    raise UnrecognizedFormatError(f"there is no format called {name[:40]!r}; known: {known}")


def recognising(data: bytes) -> list[Format]:
    """Every importable format whose ``detect`` recognises ``data`` (normally one), less those
    that another recognising format refines (a WinAuth export is also an otpauth list)."""
    found = [f for f in FORMATS if f.detect is not None and f.read is not None and f.detect(data)]
    refined = {name for f in found for name in f.refines}
    return [f for f in found if f.name not in refined]


def detect_format(data: bytes) -> Format | None:
    """The one importable format that recognises ``data``, or None (none, or several)."""
    found = recognising(data)
    return found[0] if len(found) == 1 else None


def check_size(size: int, name: str = "the file") -> None:
    """Refuse files above :data:`MAX_IMPORT_BYTES` (call it before reading the file)."""
    if size > MAX_IMPORT_BYTES:
        raise FileTooLargeError(
            f"{name} is {size / 1024 / 1024:.1f} MB; no authenticator export is that large "
            f"(the limit is {MAX_IMPORT_BYTES // 1024 // 1024} MB), so it was not read"
        )


def _unrecognised(where: str, data: bytes) -> UnrecognizedFormatError:
    tried = ", ".join(f.name for f in import_formats())
    hint = ""
    if andotp.is_encrypted(data):
        hint = (
            " (an encrypted andOTP backup of the old scheme has nothing to recognise it by: "
            "import it with --format andotp)"
        )
    return UnrecognizedFormatError(
        f"{where} is not an export twostep recognises{hint}; formats tried: {tried}. "
        "If you know which app wrote it, name the format with --format NAME "
        "(`twostep-auth import --help` lists them)"
    )


def choose_format(files: Sequence[bytes], format_name: str | None = None) -> Format:
    """The format of ``files``: recognised, or ``format_name`` checked against the content.

    Every format's ``detect`` is tried on every file; a file no format recognises, or several
    do, is refused (never guessed: a guess ends in a password prompt for the wrong format).
    """
    many = len(files) > 1
    if format_name is not None:
        fmt = get_format(format_name)
        if not fmt.can_import:
            raise WrongFormatError(f"{fmt.title} can only be exported, not imported")
        for number, data in enumerate(files, 1):
            if not fmt.takes(data):
                where = f"file {number}" if many else "the file"
                if is_broken_json(data):
                    raise DamagedFileError(f"{where} is not valid JSON (truncated or damaged?)")
                guess = detect_format(data)
                hint = f"; it looks like {guess.title} (--format {guess.name})" if guess else ""
                raise WrongFormatError(f"{where} is not in the {fmt.title} format{hint}")
        return fmt
    found = []
    for number, data in enumerate(files, 1):
        where = f"file {number}" if many else "the file"
        candidates = recognising(data)
        if not candidates:
            if is_broken_json(data):
                raise DamagedFileError(f"{where} is not valid JSON (truncated or damaged?)")
            raise _unrecognised(where, data)
        if len(candidates) > 1:
            names = " or ".join(f"{f.title} (--format {f.name})" for f in candidates)
            raise UnrecognizedFormatError(
                f"{where} could be {names}: name the format with --format"
            )
        found.append(candidates[0])
    if len({f.name for f in found}) > 1:
        kinds = ", ".join(sorted({f.title for f in found}))
        raise WrongFormatError(
            f"the files are in different formats ({kinds}): import them one by one"
        )
    return found[0]


def read_files(
    files: Sequence[bytes],
    password: str | None = None,
    *,
    format_name: str | None = None,
    progress: Progress | None = None,
) -> tuple[Format, ImportResult]:
    """Recognise (or check) the format of ``files`` and read them as one import.

    Several files are one export (Google Authenticator QR codes) or simply read one after the
    other. Raises only :class:`FormatError` subclasses; :class:`PasswordRequiredError` means
    "ask for the password and call again".
    """
    if not files:
        raise DamagedFileError("no files given")
    for number, data in enumerate(files, 1):
        check_size(len(data), f"file {number}" if len(files) > 1 else "the file")
    fmt = choose_format(files, format_name)
    if len(files) == 1 or fmt.read_many is not None:
        if fmt.read_many is not None:
            return fmt, fmt.read_many(files, password, progress=progress)
        assert fmt.read is not None
        return fmt, fmt.read(files[0], password, progress=progress)
    entries: list[Entry] = []
    problems: list[Problem] = []
    notes: list[str] = []
    total = 0
    for number, data in enumerate(files, 1):
        assert fmt.read is not None
        result = fmt.read(data, password, progress=progress)
        entries.extend(result.entries)
        problems.extend(replace(p, unit=f"file {number} {p.unit}") for p in result.problems)
        notes.extend(f"file {number}: {note}" for note in result.notes)
        total += result.total
    return fmt, ImportResult(tuple(entries), tuple(problems), total, tuple(notes))
