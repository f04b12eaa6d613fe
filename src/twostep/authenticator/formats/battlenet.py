"""Battle.net Authenticator's internal storage on Android (shared_prefs XML).

Two generations of the app, both keeping the secret XOR-masked with one fixed 56-byte key and
written as hex:

- the old Battle.net Authenticator (``com.blizzard.bma``), ``com.blizzard.bma.AUTH_STORE.xml``:
  ``com.blizzard.bma.AUTH_STORE.HASH`` unmasks to the 40 hex digits of the 20-byte secret
  followed by the 14-character serial (``US123456789012``);
- the Battle.net app (``com.blizzard.messenger``), ``..._preferences.xml``:
  ``...AUTHENTICATOR_DEVICE_SECRET`` (40 hex digits once unmasked) and
  ``...AUTHENTICATOR_SERIAL`` (``US-1234-5678-9012``).

Battle.net codes are TOTP, SHA1, 8 digits, 30 s. Kept: the secret, the serial (as the account
name, issuer "Battle.net"). Not kept: the clock offset and region (twostep uses the real time;
the region is the serial's prefix). The restore code is not in these files.
"""

from __future__ import annotations

from typing import Final

from twostep.authenticator.entry import Entry
from twostep.otp import Account, InvalidSecretError, Secret

from ._android_prefs import PrefValue, parse_prefs, sniff_prefs
from .base import (
    EntryError,
    Format,
    ImportResult,
    Progress,
    collect_entries,
    ensure_detected,
    make_entry,
)
from .errors import DamagedFileError

__all__ = ["FORMAT", "MASK", "detect", "mask", "read"]

TITLE: Final = "Battle.net Authenticator's storage (com.blizzard.bma.AUTH_STORE.xml)"
#: The fixed key both apps XOR their stored values with (public: it is in every app copy).
MASK: Final = bytes.fromhex(
    "398e27fc50276a656065b0e525f4c06c04c61075286b8e7aeda59da9813b5dd6"
    "c80d2fb38068773fa59ba47c17ca6c6479015c1d5b8b8f6b9a"
)
BMA_HASH: Final = "com.blizzard.bma.AUTH_STORE.HASH"
APP_SECRET: Final = "com.blizzard.messenger.AUTHENTICATOR_DEVICE_SECRET"  # noqa: S105 (a key name)
APP_SERIAL: Final = "com.blizzard.messenger.AUTHENTICATOR_SERIAL"
ISSUER: Final = "Battle.net"


def mask(text: str) -> str:
    """XOR ``text`` (ASCII, at most 56 characters) with :data:`MASK`, as hex; also unmasks."""
    raw = text.encode("ascii")
    return bytes(a ^ b for a, b in zip(raw, MASK, strict=False)).hex()


def _unmask(value: PrefValue, what: str) -> str:
    if not isinstance(value, str):
        raise EntryError(what, "is not text")
    try:
        raw = bytes.fromhex(value.strip())
    except ValueError:
        raise EntryError(what, "is not hexadecimal") from None
    if len(raw) > len(MASK):
        raise EntryError(what, "is longer than the Battle.net mask")
    plain = bytes(a ^ b for a, b in zip(raw, MASK, strict=False))
    try:
        return plain.decode("ascii")
    except UnicodeDecodeError:
        raise EntryError(what, "does not unmask to text (damaged?)") from None


def detect(data: bytes) -> bool:
    prefs = sniff_prefs(data)
    return prefs is not None and (BMA_HASH in prefs or APP_SECRET in prefs)


def _serial(text: str) -> str:
    """``US123456789012`` -> ``US-1234-5678-9012`` (already dashed serials are kept)."""
    text = text.strip()
    if len(text) == 14 and "-" not in text:
        return f"{text[:2]}-{text[2:6]}-{text[6:10]}-{text[10:]}"
    return text


def _entry(prefs: dict[str, PrefValue]) -> Entry:
    if BMA_HASH in prefs:
        plain = _unmask(prefs[BMA_HASH], "secret")
        secret_hex, serial = plain[:40], plain[40:]
    else:
        secret_hex = _unmask(prefs[APP_SECRET], "secret")
        serial = _unmask(prefs[APP_SERIAL], "serial") if APP_SERIAL in prefs else ""
    if len(secret_hex) != 40:
        raise EntryError("secret", "is not 20 bytes")
    try:
        secret = Secret.from_hex(secret_hex)
    except InvalidSecretError:
        raise EntryError("secret", "does not unmask to hexadecimal (damaged?)") from None
    account = Account(secret=secret, issuer=ISSUER, name=_serial(serial), digits=8, period=30)
    return make_entry(account)


def read(
    data: bytes, password: str | None = None, *, progress: Progress | None = None
) -> ImportResult:
    ensure_detected(data, detect, TITLE)
    prefs = parse_prefs(data)
    if not prefs.get(BMA_HASH) and not prefs.get(APP_SECRET):
        raise DamagedFileError("the Battle.net secret in the file is empty")
    entries, problems = collect_entries(
        [prefs], _entry, label_of=lambda _: ISSUER, progress=progress
    )
    return ImportResult(tuple(entries), tuple(problems), total=1)


FORMAT: Final = Format(
    name="battlenet",
    title="Battle.net Authenticator",
    summary="Battle.net Authenticator's Android storage (AUTH_STORE.xml or the Battle.net app)",
    suffix=".xml",
    detect=detect,
    read=read,
)
