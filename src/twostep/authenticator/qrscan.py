"""Accounts from QR codes: in image files, or on the screen (how a desktop user "scans").

Every QR code found is considered: ``otpauth://`` codes give one account each; Google
Authenticator export codes (``otpauth-migration://``) give their accounts once all QR codes of
the export are present (the parts can be spread over several images); other QR codes (web links
and so on) are ignored with a note. Decoding uses the OTP core (:func:`twostep.otp.read_qr`);
the screen is grabbed with ``mss`` (every monitor, as one image).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from twostep.authenticator.errors import AuthenticatorError
from twostep.otp import (
    Account,
    MigrationBatch,
    OTPError,
    QRError,
    combine_batches,
    parse_migration_uri,
    parse_uri,
    read_qr,
    skipped_in_export,
)

__all__ = ["NoQRCodeError", "ScanResult", "accounts_from_texts", "scan_images", "scan_screen"]


class NoQRCodeError(AuthenticatorError):
    """No QR code holding an OTP account was found."""


@dataclass(frozen=True, slots=True)
class ScanResult:
    accounts: tuple[Account, ...]
    notes: tuple[str, ...] = ()


def accounts_from_texts(texts: Iterable[str], *, where: str) -> ScanResult:
    """Accounts from decoded QR texts; :class:`NoQRCodeError` if none holds an account."""
    accounts: list[Account] = []
    notes: list[str] = []
    batches: list[MigrationBatch] = []
    seen = 0
    for text in texts:
        seen += 1
        scheme = text.split(":", 1)[0].strip().lower()
        try:
            if scheme == "otpauth":
                accounts.append(parse_uri(text))
            elif scheme == "otpauth-migration":
                batches.append(parse_migration_uri(text))
            else:
                notes.append("ignored a QR code that is not an otpauth:// code")
        except OTPError as exc:
            notes.append(f"ignored an unreadable otpauth QR code ({exc})")
    if batches:
        accounts.extend(combine_batches(batches))  # InvalidMigrationError names missing parts
        for left_out in skipped_in_export(batches):
            label = f" ({left_out.label})" if left_out.label else ""
            notes.append(
                f"left out account {left_out.number}{label} of the Google Authenticator export: "
                f"{left_out.field}: {left_out.reason}"
            )
    if not accounts:
        found = f"{seen} QR code(s), none with an OTP account" if seen else "no QR code"
        raise NoQRCodeError(f"{found} in {where}", detail="; ".join(notes))
    return ScanResult(tuple(accounts), tuple(notes))


def scan_images(paths: Sequence[str | os.PathLike[str]]) -> ScanResult:
    """Every account in the QR codes of the image files ``paths``."""
    texts: list[str] = []
    for path in paths:
        texts.extend(read_qr(path))
    names = ", ".join(os.fspath(p) for p in paths)
    return accounts_from_texts(texts, where=names)


def grab_screen() -> Any:
    """A PIL image of all monitors together; :class:`AuthenticatorError` if there is no screen."""
    try:
        import mss
        from PIL import Image
    except ImportError as exc:  # pragma: no cover - dependencies
        raise AuthenticatorError(f"--screen needs the {exc.name!r} package") from None
    try:
        with mss.mss() as grabber:
            shot = grabber.grab(grabber.monitors[0])  # monitor 0: the union of all monitors
            return Image.frombytes("RGB", shot.size, shot.bgra, "raw", "BGRX")
    except Exception as exc:  # mss raises ScreenShotError, and others without a display
        raise AuthenticatorError(
            "cannot grab the screen (no graphical display? DISPLAY or WAYLAND_DISPLAY unset)",
            detail=f"{type(exc).__name__}: {exc}",
        ) from None


def scan_screen() -> ScanResult:
    """Every account in the QR codes visible on the screen now."""
    image = grab_screen()
    try:
        texts = read_qr(image)
    except QRError as exc:  # pragma: no cover - a grabbed image is always readable
        raise AuthenticatorError(str(exc)) from None
    return accounts_from_texts(texts, where="the screen")
