"""Google Authenticator's export: ``otpauth-migration://offline?data=...`` (formats.md §2.2).

The payload is a small protobuf message; this module reads and writes its wire format directly
(no protobuf dependency). Several QR codes of one export form a batch; :func:`combine_batches`
checks that every index is present and reports the missing ones by number.

An account twostep cannot use (an MD5 algorithm, an unknown digit count or type, no secret)
does not spoil the rest of its QR code: it is left out and listed in ``MigrationBatch.skipped``
(where and why, never the secret), as Aegis reports such entries one by one.
:func:`skipped_in_export` numbers them across a whole export. A QR code whose framing or text is
damaged is refused whole (:class:`InvalidMigrationError`).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote, unquote

from .account import Account, Algorithm, OtpType
from .errors import InvalidMigrationError, InvalidParameterError
from .secret import Secret

__all__ = [
    "MAX_ACCOUNTS_PER_CODE",
    "MAX_BATCH_SIZE",
    "MigrationBatch",
    "SkippedAccount",
    "build_migration_uris",
    "combine_batches",
    "is_representable",
    "parse_migration_uri",
    "skipped_in_export",
]

MAX_ACCOUNTS_PER_CODE: Final = 10
#: Most QR codes one export may claim (GA's exports need one per 10 accounts or so); a bound keeps
#: a forged ``batch_size`` from making :func:`combine_batches` count to 2**64.
MAX_BATCH_SIZE: Final = 1000
_MAX_PAYLOAD: Final = 64 * 1024
_ALGORITHMS: Final = {
    0: Algorithm.SHA1,
    1: Algorithm.SHA1,
    2: Algorithm.SHA256,
    3: Algorithm.SHA512,
}
_ALGORITHM_CODES: Final = {Algorithm.SHA1: 1, Algorithm.SHA256: 2, Algorithm.SHA512: 3}
_DIGITS: Final = {0: 6, 1: 6, 2: 8}
_DIGIT_CODES: Final = {6: 1, 8: 2}


@dataclass(frozen=True, slots=True)
class SkippedAccount:
    """An account of an export that was left out: where it is, which field, why. No secret."""

    number: int  # 1-based: its place in its QR code (in the export: skipped_in_export)
    field: str  # "algorithm", "digits", "type", "secret", "counter"...
    reason: str
    label: str = ""  # issuer:name as far as the export gives them


@dataclass(frozen=True, slots=True)
class MigrationBatch:
    """The accounts of one export QR code and its place in the export; ``skipped``: the
    accounts of the code that twostep cannot use."""

    accounts: tuple[Account, ...]
    version: int = 1
    batch_size: int = 1
    batch_index: int = 0
    batch_id: int = 0
    skipped: tuple[SkippedAccount, ...] = ()

    @property
    def size(self) -> int:
        """How many accounts the code holds, the skipped ones included."""
        return len(self.accounts) + len(self.skipped)


# -- protobuf wire format ---------------------------------------------------------------------
def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise InvalidMigrationError("data", "truncated")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise InvalidMigrationError("data", "varint too long")


def _fields(data: bytes) -> Iterable[tuple[int, int | bytes]]:
    pos = 0
    while pos < len(data):
        tag, pos = _read_varint(data, pos)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, pos = _read_varint(data, pos)
            yield number, value
        elif wire == 2:
            length, pos = _read_varint(data, pos)
            if pos + length > len(data):
                raise InvalidMigrationError("data", "truncated")
            yield number, data[pos : pos + length]
            pos += length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            if pos + size > len(data):
                raise InvalidMigrationError("data", "truncated")
            pos += size
        else:
            raise InvalidMigrationError("data", f"unsupported protobuf wire type {wire}")


def _varint(value: int) -> bytes:
    if value < 0:
        value &= 2**64 - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field_varint(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _field_bytes(number: int, value: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(value)) + value


def _text(value: int | bytes, field: str) -> str:
    if not isinstance(value, bytes):
        raise InvalidMigrationError(field, "has the wrong wire type")
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidMigrationError(field, "is not valid UTF-8") from None


def _number(value: int | bytes, field: str) -> int:
    if isinstance(value, bytes):
        raise InvalidMigrationError(field, "has the wrong wire type")
    return value


class _Unusable(Exception):
    """An account that is well formed but that twostep cannot use (internal)."""

    def __init__(self, field: str, reason: str, label: str) -> None:
        super().__init__(reason)
        self.field, self.reason, self.label = field, reason, label


def _parse_account(data: bytes, index: int) -> Account:
    """One account; :class:`_Unusable` for one to skip, :class:`InvalidMigrationError` when the
    data itself is damaged (wrong wire types, text that is not UTF-8)."""
    where = f"account {index + 1}"
    raw_secret = b""
    name = issuer = ""
    algorithm = digits = kind = counter = 0
    for number, value in _fields(data):
        if number == 1:
            if not isinstance(value, bytes):
                raise InvalidMigrationError(f"{where} secret", "has the wrong wire type")
            raw_secret = value
        elif number == 2:
            name = _text(value, f"{where} name")
        elif number == 3:
            issuer = _text(value, f"{where} issuer")
        elif number == 4:
            algorithm = _number(value, f"{where} algorithm")
        elif number == 5:
            digits = _number(value, f"{where} digits")
        elif number == 6:
            kind = _number(value, f"{where} type")
        elif number == 7:
            counter = _number(value, f"{where} counter")
    if issuer and name.startswith(f"{issuer}:"):
        name = name[len(issuer) + 1 :]
    elif not issuer and ":" in name:
        issuer, _, name = name.partition(":")
    label = f"{issuer}:{name}" if issuer else name
    if not raw_secret:
        raise _Unusable("secret", "missing", label)
    if algorithm == 4:
        raise _Unusable("algorithm", "MD5 is not supported (SHA1, SHA256, SHA512 are)", label)
    if algorithm not in _ALGORITHMS:
        raise _Unusable("algorithm", f"unknown algorithm number {algorithm}", label)
    if digits not in _DIGITS:
        raise _Unusable("digits", f"unknown digit count number {digits} (6 or 8 are)", label)
    if kind not in (0, 1, 2):
        raise _Unusable("type", f"unknown type number {kind} (TOTP or HOTP are)", label)
    try:
        return Account(
            secret=Secret(raw_secret),
            type=OtpType.HOTP if kind == 1 else OtpType.TOTP,
            issuer=issuer,
            name=name,
            algorithm=_ALGORITHMS[algorithm],
            digits=_DIGITS[digits],
            counter=counter if kind == 1 else 0,
        )
    except (InvalidParameterError, ValueError) as exc:
        field = getattr(exc, "field", "") or "account"
        reason = str(exc).removeprefix(f"{field}: ")
        raise _Unusable(field, reason, label) from None


def parse_migration_uri(text: str) -> MigrationBatch:
    """Read one ``otpauth-migration://offline?data=...`` URI (one QR code of an export)."""
    if not isinstance(text, str):
        raise InvalidMigrationError("uri", "expected text")
    text = text.strip()
    scheme, sep, rest = text.partition("://")
    if not sep or scheme.lower() != "otpauth-migration":
        raise InvalidMigrationError("scheme", "must be otpauth-migration://")
    _, _, query = rest.partition("?")
    data_text = None
    for part in query.split("&"):
        key, _, encoded = part.partition("=")
        if key == "data":
            data_text = unquote(encoded)
            break
    if data_text is None:
        raise InvalidMigrationError("data", "missing")
    if len(data_text) > _MAX_PAYLOAD:
        raise InvalidMigrationError("data", "too long")
    data_text = data_text.replace(" ", "+").replace("-", "+").replace("_", "/").rstrip("=")
    try:
        payload = base64.b64decode(data_text + "=" * (-len(data_text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidMigrationError("data", "is not valid base64") from None
    accounts: list[Account] = []
    skipped: list[SkippedAccount] = []
    version, batch_size, batch_index, batch_id = 1, 1, 0, 0
    for number, value in _fields(payload):
        if number == 1:
            if not isinstance(value, bytes):
                raise InvalidMigrationError("data", "has the wrong wire type")
            index = len(accounts) + len(skipped)
            try:
                accounts.append(_parse_account(value, index))
            except _Unusable as exc:
                skipped.append(SkippedAccount(index + 1, exc.field, exc.reason, exc.label))
        elif number == 2:
            version = _number(value, "version")
        elif number == 3:
            batch_size = _number(value, "batch_size")
        elif number == 4:
            batch_index = _number(value, "batch_index")
        elif number == 5:
            batch_id = _number(value, "batch_id")
    batch_size = max(batch_size, 1)
    if batch_size > MAX_BATCH_SIZE:
        raise InvalidMigrationError("batch_size", f"is larger than {MAX_BATCH_SIZE}")
    if batch_index >= batch_size:
        raise InvalidMigrationError("batch_index", "is not below batch_size")
    return MigrationBatch(
        tuple(accounts), version, batch_size, batch_index, batch_id, skipped=tuple(skipped)
    )


def combine_batches(batches: Sequence[MigrationBatch]) -> list[Account]:
    """The accounts of a whole export, in index order.

    Raises :class:`InvalidMigrationError` if the codes come from different exports, or if some are
    missing: ``exc.missing`` lists the missing 1-based QR code numbers.
    """
    if not batches:
        raise InvalidMigrationError("batch", "no export QR codes")
    ids = {b.batch_id for b in batches}
    sizes = {b.batch_size for b in batches}
    if len(ids) > 1 or len(sizes) > 1:
        raise InvalidMigrationError("batch", "the QR codes come from different exports")
    size = sizes.pop()
    by_index = {b.batch_index: b for b in batches}
    missing = [i + 1 for i in range(size) if i not in by_index]
    if missing:
        numbers = ", ".join(str(i) for i in missing)
        raise InvalidMigrationError(
            "batch",
            f"QR code {numbers} of {size} is missing"
            if len(missing) == 1
            else f"QR codes {numbers} of {size} are missing",
            missing=missing,
        )
    return [a for i in range(size) for a in by_index[i].accounts]


def skipped_in_export(batches: Sequence[MigrationBatch]) -> list[SkippedAccount]:
    """The skipped accounts of a whole export (as :func:`combine_batches` takes it), each
    numbered by its place in the export: the accounts of the codes before it come first."""
    out: list[SkippedAccount] = []
    before = 0
    for batch in sorted(batches, key=lambda b: b.batch_index):
        out.extend(dataclasses.replace(s, number=before + s.number) for s in batch.skipped)
        before += batch.size
    return out


def is_representable(account: Account) -> bool:
    """Whether Google Authenticator's export format can carry ``account``'s codes.

    Unknown URI parameters (``account.extra``) are never carried: the format has no place for them.
    """
    return (
        account.type in (OtpType.TOTP, OtpType.HOTP)
        and account.digits in _DIGIT_CODES
        and (account.type is OtpType.HOTP or account.period == 30)
    )


def build_migration_uris(
    accounts: Sequence[Account],
    *,
    batch_id: int | None = None,
    per_code: int = MAX_ACCOUNTS_PER_CODE,
) -> list[str]:
    """Encode ``accounts`` as export URIs, ``per_code`` accounts per QR code.

    Refuses (``InvalidParameterError`` naming them by label) accounts the format cannot represent:
    Steam, periods other than 30 s, digits other than 6 or 8.
    """
    bad = [a.label or "(unnamed)" for a in accounts if not is_representable(a)]
    if bad:
        raise InvalidParameterError(
            "accounts",
            "Google Authenticator cannot represent: "
            + ", ".join(bad)
            + " (only TOTP/HOTP with 6 or 8 digits and a 30 s period)",
        )
    if not 1 <= per_code <= MAX_ACCOUNTS_PER_CODE:
        raise InvalidParameterError("per_code", f"must be from 1 to {MAX_ACCOUNTS_PER_CODE}")
    if batch_id is None:
        batch_id = secrets.randbelow(2**31 - 1) + 1
    elif type(batch_id) is not int or not 0 <= batch_id < 2**31:
        raise InvalidParameterError("batch_id", "must be a whole number from 0 to 2**31-1")
    chunks = [accounts[i : i + per_code] for i in range(0, len(accounts), per_code)] or [[]]
    uris = []
    for index, chunk in enumerate(chunks):
        payload = b"".join(_field_bytes(1, _encode_account(a)) for a in chunk)
        payload += _field_varint(2, 1) + _field_varint(3, len(chunks))
        payload += _field_varint(4, index) + _field_varint(5, batch_id)
        data = base64.b64encode(payload).decode("ascii")
        uris.append(f"otpauth-migration://offline?data={quote(data, safe='')}")
    return uris


def _encode_account(account: Account) -> bytes:
    out = _field_bytes(1, account.secret.raw)
    name = account.name
    if account.issuer and name.startswith(f"{account.issuer}:"):
        # Readers drop an "issuer:" prefix from the name (GA writes names that way), so a name
        # that really starts with it must carry the prefix twice to come back unchanged.
        name = f"{account.issuer}:{name}"
    out += _field_bytes(2, name.encode())
    if account.issuer:
        out += _field_bytes(3, account.issuer.encode())
    out += _field_varint(4, _ALGORITHM_CODES[account.algorithm])
    out += _field_varint(5, _DIGIT_CODES[account.digits])
    out += _field_varint(6, 1 if account.type is OtpType.HOTP else 2)
    if account.type is OtpType.HOTP:
        out += _field_varint(7, account.counter)
    return out
