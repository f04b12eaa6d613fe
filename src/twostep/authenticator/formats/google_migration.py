"""Google Authenticator's "Transfer accounts" export (formats.md §2.2).

Import reads ``otpauth-migration://offline?data=...`` URIs from text files, or the QR codes
themselves from images (PNG, JPEG, GIF, BMP, WebP; several codes per image are fine). Text files
may hold blank lines and ``#`` comment lines. One export is usually several QR codes; give all
of them (several files, or several lines) and they are put together in order. Several separate
exports are fine too (the app makes one per account when accounts are exported one by one):
each is put together on its own. An export with QR codes missing is reported with the missing
numbers and nothing is imported. An account
twostep cannot use (MD5, an unknown digit count) is reported by its place in the export and
name, and the others are imported. Images holding plain ``otpauth://`` QR codes (one account
each) are read too.

Export writes one PNG per QR code, at most 10 accounts each. Accounts Google Authenticator cannot
represent (Steam, periods other than 30 s, 7, 9 or 10 digits) are refused by name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Final

from twostep.authenticator.entry import Entry
from twostep.otp import (
    Account,
    InvalidMigrationError,
    InvalidParameterError,
    MigrationBatch,
    QRError,
    SkippedAccount,
    build_migration_uris,
    combine_batches,
    is_representable,
    make_qr_png,
    parse_migration_uri,
    read_qr,
    skipped_in_export,
)

from . import otpauth_list
from ._json import decode_prefix, decode_text
from .base import (
    Format,
    ImportResult,
    Problem,
    Progress,
    collect_entries,
    make_entry,
)
from .errors import (
    DamagedFileError,
    ExportRefusedError,
    MissingQRCodesError,
    WrongFormatError,
)

__all__ = ["FORMAT", "detect", "is_image", "read", "read_many", "write"]

TITLE: Final = "a Google Authenticator export (otpauth-migration:// URIs or QR code images)"
_MIGRATION: Final = "otpauth-migration://"
_IMAGE_MAGIC: Final = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM")


def is_image(data: bytes) -> bool:
    return data.startswith(_IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def _content(text: str) -> list[str]:
    """The lines that say something: no blank lines, no ``#`` comments."""
    stripped = (line.strip() for line in text.splitlines())
    return [line for line in stripped if line and not line.startswith("#")]


def detect(data: bytes) -> bool:
    if is_image(data):
        return True
    text = decode_prefix(data)
    lines = _content(text) if text is not None else []
    return bool(lines) and lines[0][: len(_MIGRATION)].lower() == _MIGRATION


def _uris_of(data: bytes, file_number: int, files: int) -> list[str]:
    where = f"file {file_number}" if files > 1 else "the file"
    if is_image(data):
        try:
            texts = read_qr(data)
        except QRError:
            raise DamagedFileError(f"{where} is not an image twostep can read") from None
        except Exception:  # Pillow's decoders raise assorted errors on damaged images
            raise DamagedFileError(f"{where} is a damaged image") from None
        if not texts:
            raise DamagedFileError(f"{where} has no QR code twostep can read")
        return texts
    text = decode_text(data)
    lines = _content(text) if text is not None else []
    if not lines or not lines[0].lower().startswith(_MIGRATION):
        raise WrongFormatError(f"{where} is not {TITLE}")
    return lines


def _group(batches: Sequence[tuple[int, MigrationBatch]]) -> list[list[MigrationBatch]]:
    """The QR codes of each export, by batch id, in the order the exports first appear.

    The same code given twice counts once. Two different one-code exports that carry the same
    batch id (a tool that does not pick a random one) are two exports, not a repeat; two
    different codes claiming one place of a larger export are a damaged file.
    """
    exports: dict[int, dict[int, MigrationBatch]] = {}
    alone: list[list[MigrationBatch]] = []
    order: list[int | list[MigrationBatch]] = []
    for number, batch in batches:
        export = exports.get(batch.batch_id)
        if export is None:
            export = exports[batch.batch_id] = {}
            order.append(batch.batch_id)
        known = export.setdefault(batch.batch_index, batch)
        if known == batch:
            continue
        if batch.batch_size == 1 and known.batch_size == 1:
            alone.append([batch])
            order.append(alone[-1])
            continue
        raise DamagedFileError(
            f"QR code {number} and another one both claim to be code {batch.batch_index + 1} "
            "of the same export, with different accounts"
        )
    return [list(exports[key].values()) if isinstance(key, int) else key for key in order]


def _combine(
    batches: Sequence[tuple[int, MigrationBatch]],
) -> tuple[list[Account], list[SkippedAccount]]:
    """The accounts of every export among ``batches`` ((QR code number, batch) pairs), and the
    accounts left out, numbered across all of them.

    Raises :class:`MissingQRCodesError` naming the missing QR codes of each incomplete export.
    """
    exports = _group(batches)
    accounts: list[Account] = []
    skipped: list[SkippedAccount] = []
    incomplete: list[str] = []
    missing_numbers: list[int] = []
    several = len(exports) > 1
    for number, group in enumerate(exports, 1):
        where = f"export {number} of {len(exports)}: " if several else ""
        try:
            found = combine_batches(group)
        except InvalidMigrationError as exc:
            message = str(exc).removeprefix("batch: ")
            if not exc.missing:
                raise DamagedFileError(where + message) from None
            incomplete.append(where + message)
            missing_numbers.extend(exc.missing)
            continue
        before = len(accounts) + len(skipped)
        skipped.extend(
            dataclasses.replace(s, number=before + s.number) for s in skipped_in_export(group)
        )
        accounts.extend(found)
    if incomplete:
        raise MissingQRCodesError(
            f"this Google Authenticator export is incomplete: {'; '.join(incomplete)}; "
            "give every QR code of the export (several files or lines)",
            missing_numbers,
        )
    return accounts, skipped


def read_many(
    files: Sequence[bytes], password: str | None = None, *, progress: Progress | None = None
) -> ImportResult:
    """All QR codes / URIs of one export, from any number of files, as one import."""
    if not files:
        raise DamagedFileError("no files given")
    uris = [uri for n, data in enumerate(files, 1) for uri in _uris_of(data, n, len(files))]
    batches: list[tuple[int, MigrationBatch]] = []
    plain: list[str] = []
    plain_numbers: list[int] = []
    problems: list[Problem] = []
    for number, uri in enumerate(uris, 1):
        scheme = uri.partition("://")[0].lower()
        if scheme == "otpauth":
            plain.append(uri)
            plain_numbers.append(number)
            continue
        if scheme != "otpauth-migration":
            problems.append(
                Problem(number, "uri", "is neither otpauth:// nor an export code", "", "QR code")
            )
            continue
        try:
            batch = parse_migration_uri(uri)
        except InvalidMigrationError as exc:
            raise DamagedFileError(f"QR code {number} cannot be read: {exc}") from None
        batches.append((number, batch))
    accounts, skipped_accounts = _combine(batches)
    problems.extend(
        Problem(left_out.number, left_out.field, left_out.reason, left_out.label, "account")
        for left_out in skipped_accounts
    )
    skipped = len(skipped_accounts)
    entries = [make_entry(account) for account in accounts]
    if plain:
        extra, plain_problems = collect_entries(
            plain,
            otpauth_list.entry_from_uri,
            label_of=otpauth_list.label_of,
            unit="QR code",
            numbers=plain_numbers,
        )
        entries.extend(extra)
        problems.extend(plain_problems)
    if progress is not None:
        progress(len(uris), len(uris))
    total = len(accounts) + skipped + len(plain)
    return ImportResult(tuple(entries), tuple(problems), total=total)


def read(
    data: bytes, password: str | None = None, *, progress: Progress | None = None
) -> ImportResult:
    if not detect(data):
        raise WrongFormatError(f"this file is not {TITLE}")
    return read_many([data], password, progress=progress)


def write(entries: Sequence[Entry], password: str | None = None) -> list[bytes]:
    """One PNG per QR code (at most 10 accounts each), in order."""
    try:
        uris = build_migration_uris([entry.account for entry in entries])
    except InvalidParameterError as exc:
        raise ExportRefusedError(str(exc).removeprefix("accounts: ")) from None
    return [make_qr_png(uri, scale=6) for uri in uris]


FORMAT: Final = Format(
    name="google",
    title="Google Authenticator export",
    summary="otpauth-migration:// QR codes (PNG/JPEG images, or the URIs as text); "
    "exports PNG files of at most 10 accounts each",
    suffix=".png",
    detect=detect,
    read=read,
    read_many=read_many,
    write=write,
    can_hold=lambda entry: is_representable(entry.account),
)
