"""QR codes: make them (segno) as PNG, SVG or terminal text, and read them from images (zxing-cpp).

The packages are imported only when a function here is called, so the rest of the OTP core stays
standard-library only; a missing package raises :class:`QRDependencyError` saying what to install.
"""

from __future__ import annotations

import io
import os
from typing import TYPE_CHECKING, Any

from .errors import QRDependencyError, QRError

if TYPE_CHECKING:  # pragma: no cover
    from PIL.Image import Image

__all__ = ["make_qr", "make_qr_png", "make_qr_svg", "make_qr_text", "read_qr"]

_MAX_IMAGE_BYTES = 50 * 1024 * 1024
_MAX_PIXELS = 60_000_000


def _segno() -> Any:
    try:
        import segno
    except ImportError as exc:  # pragma: no cover - segno is a dependency
        raise QRDependencyError("making QR codes needs the 'segno' package") from exc
    return segno


def make_qr(text: str) -> Any:
    """The segno QR code object for ``text`` (error correction M, never a Micro QR)."""
    if not isinstance(text, str) or not text:
        raise QRError("qr: nothing to encode")
    segno = _segno()  # outside the try: a missing package must stay a QRDependencyError
    try:
        return segno.make(text, error="m", micro=False, boost_error=True)
    except Exception as exc:  # segno raises DataOverflowError (a ValueError) and others
        raise QRError(f"qr: cannot encode ({type(exc).__name__})") from None


def make_qr_png(text: str, *, scale: int = 8, border: int = 4) -> bytes:
    """PNG bytes of the QR code for ``text``."""
    buffer = io.BytesIO()
    make_qr(text).save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()


def make_qr_svg(text: str, *, scale: int = 6, border: int = 4, title: str = "QR code") -> str:
    """An inline ``<svg>`` element (no XML declaration) for ``text``, with an accessible title."""
    buffer = io.BytesIO()
    make_qr(text).save(
        buffer,
        kind="svg",
        scale=scale,
        border=border,
        xmldecl=False,
        svgns=True,
        title=title,
        svgclass="qr",
        lineclass=None,
    )
    return buffer.getvalue().decode("utf-8")


def make_qr_text(text: str, *, border: int = 2, invert: bool = False) -> str:
    """The QR code as lines of half-block characters, two modules per character cell.

    Dark modules are drawn as blanks on a light block background by default (``invert=False``),
    which is what phone cameras read best from a dark terminal.
    """
    matrix = [list(row) for row in make_qr(text).matrix]
    size = len(matrix)
    width = size + 2 * border
    padded = [[0] * width for _ in range(border)]
    padded += [[0] * border + [1 if m else 0 for m in row] + [0] * border for row in matrix]
    padded += [[0] * width for _ in range(border + (size + 2 * border) % 2)]
    lines = []
    for y in range(0, len(padded), 2):
        top, bottom = padded[y], padded[y + 1]
        line = []
        for t, b in zip(top, bottom, strict=True):
            if invert:
                t, b = 1 - t, 1 - b
            # light = drawn block; dark = blank
            line.append({(0, 0): "█", (1, 1): " ", (0, 1): "▀", (1, 0): "▄"}[(t, b)])
        lines.append("".join(line))
    return "\n".join(lines)


def _open_image(source: str | os.PathLike[str] | bytes | Image) -> Any:
    try:
        from PIL import Image as PILImage
        from PIL import UnidentifiedImageError
    except ImportError as exc:  # pragma: no cover - pillow is a dependency
        raise QRDependencyError("reading QR codes needs the 'pillow' package") from exc
    if isinstance(source, PILImage.Image):
        return source
    try:
        if isinstance(source, bytes | bytearray):
            if len(source) > _MAX_IMAGE_BYTES:
                raise QRError("qr: the image is larger than 50 MB")
            image = PILImage.open(io.BytesIO(source))
        else:
            source = os.fspath(source)
            if os.path.getsize(source) > _MAX_IMAGE_BYTES:
                raise QRError("qr: the image is larger than 50 MB")
            image = PILImage.open(source)
        if image.width * image.height > _MAX_PIXELS:
            raise QRError("qr: the image has too many pixels")
        image.load()
    except FileNotFoundError:
        raise QRError(f"qr: no such file: {os.fsdecode(source)}") from None
    except IsADirectoryError:
        raise QRError(f"qr: is a directory: {os.fsdecode(source)}") from None
    except PermissionError:
        raise QRError(f"qr: cannot read {os.fsdecode(source)}: permission denied") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, QRError):
            raise
        raise QRError("qr: not an image file Pillow can read") from None
    except PILImage.DecompressionBombError:
        raise QRError("qr: the image has too many pixels") from None
    return image


def read_qr(source: str | os.PathLike[str] | bytes | Image) -> list[str]:
    """The texts of every QR code in an image (a path, the file's bytes or a PIL image).

    Returns an empty list when the image holds no QR code; raises :class:`QRError` when the source
    is not a readable image.
    """
    try:
        import zxingcpp
    except ImportError as exc:  # pragma: no cover - zxing-cpp is a dependency
        raise QRDependencyError("reading QR codes needs the 'zxing-cpp' package") from exc
    image = _open_image(source)
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    formats: Any = zxingcpp.BarcodeFormat.QRCode
    found = zxingcpp.read_barcodes(image, formats=formats)
    if not found and image.mode != "L":
        found = zxingcpp.read_barcodes(image.convert("L"), formats=formats)
    texts: list[str] = []
    for barcode in found:
        text = barcode.text
        if text not in texts:
            texts.append(text)
    return texts
