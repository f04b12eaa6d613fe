"""QR codes: made by segno (PNG, SVG, terminal text), read back by zxing-cpp."""

from __future__ import annotations

import io
import random
import struct
import sys
import zlib
from pathlib import Path
from xml.etree import ElementTree

import pytest
from PIL import Image

from twostep.otp import (
    Account,
    Algorithm,
    OtpType,
    QRDependencyError,
    QRError,
    Secret,
    build_uri,
    make_qr_png,
    make_qr_svg,
    make_qr_text,
    read_qr,
)

SVG_NS = "{http://www.w3.org/2000/svg}"
ISSUERS = [
    "ACME",
    "Bücher.de",
    "日本銀行",
    "🔐 Vault & Co",
    "Ελληνικά",
    "עברית",
    "Ünïcödé Straße",
    "Air Canada",
    "a%20b",
    "x" * 100,
    "",
]
NAMES = ["alice@example.com", "bob", "Zoë O'Brien", "用户", "a#b?c&d=e", "n" * 200, "", "x:y"]
EXTRAS = [
    (),
    (("image", "https://example.com/logo.png"),),
    (("codeDisplay", '{"pinned":true,"tags":["work"]}'),),
    (("pin", "1234"), ("note", "ünïcode + spaces")),
]


def _varied_uris(count: int = 50) -> list[str]:
    rng = random.Random("qr")
    uris = []
    for index in range(count):
        issuer = ISSUERS[index % len(ISSUERS)]
        name = NAMES[index % len(NAMES)]
        if not issuer and ":" in name:
            name = name.replace(":", "-")
        account = Account(
            Secret(rng.randbytes(rng.choice([10, 20, 32, 64]))),
            type=rng.choice(list(OtpType)),
            issuer=issuer,
            name=name,
            algorithm=rng.choice(list(Algorithm)),
            digits=rng.randint(6, 10),
            period=rng.choice([30, 60, 15]),
            counter=rng.choice([0, 7, 2**64 - 1]),
            extra=EXTRAS[index % len(EXTRAS)],
        )
        uris.append(build_uri(account))
    # text that is not our own canonical form: non-ASCII characters, a raw '#', a long label
    uris[-3] = "otpauth://totp/Bücher:zoë#2?secret=jbswy3dpehpk3pxp&issuer=Bücher"
    uris[-2] = "otpauth://totp/" + "L" * 500 + "?secret=JBSWY3DPEHPK3PXP"
    uris[-1] = (
        "otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXhhbXBsZTAC"
    )
    return uris


URIS = _varied_uris()


def test_the_uris_are_varied() -> None:
    assert len(set(URIS)) == 50
    assert max(len(u) for u in URIS) > 500
    assert any(not u.isascii() for u in URIS)


@pytest.mark.parametrize("uri", URIS, ids=range(len(URIS)))
def test_png_round_trip(uri: str, tmp_path: Path) -> None:
    png = make_qr_png(uri)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert read_qr(png) == [uri]
    path = tmp_path / "qr.png"
    path.write_bytes(png)
    assert read_qr(path) == [uri]
    assert read_qr(str(path)) == [uri]
    with Image.open(io.BytesIO(png)) as image:
        assert read_qr(image) == [uri]


@pytest.mark.parametrize("mode", ["1", "L", "P", "RGB", "RGBA", "CMYK", "I"])
def test_any_image_mode_is_read(mode: str) -> None:
    uri = URIS[0]
    with Image.open(io.BytesIO(make_qr_png(uri))) as image:
        assert read_qr(image.convert(mode)) == [uri]


def test_a_photo_like_jpeg_is_read() -> None:
    uri = URIS[1]
    with Image.open(io.BytesIO(make_qr_png(uri, scale=6))) as image:
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="JPEG", quality=40)
    assert read_qr(buffer.getvalue()) == [uri]


def test_scale_and_border_change_the_image() -> None:
    small = make_qr_png(URIS[0], scale=2, border=1)
    large = make_qr_png(URIS[0], scale=10, border=4)
    with Image.open(io.BytesIO(small)) as a, Image.open(io.BytesIO(large)) as b:
        assert a.width < b.width
        assert a.width == a.height
    assert read_qr(large) == [URIS[0]]


def test_three_codes_in_one_image_are_all_read() -> None:
    uris = URIS[:3]
    images = [Image.open(io.BytesIO(make_qr_png(uri, scale=5))).convert("L") for uri in uris]
    width = sum(image.width for image in images) + 40 * 4
    height = max(image.height for image in images) + 80
    sheet = Image.new("L", (width, height), 255)
    x = 40
    for image in images:
        sheet.paste(image, (x, 40))
        x += image.width + 40
        image.close()
    found = read_qr(sheet)
    assert sorted(found) == sorted(uris)
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG")
    assert sorted(read_qr(buffer.getvalue())) == sorted(uris)


def test_the_same_code_twice_is_reported_once() -> None:
    image = Image.open(io.BytesIO(make_qr_png(URIS[0], scale=4))).convert("L")
    sheet = Image.new("L", (image.width * 2 + 60, image.height + 40), 255)
    sheet.paste(image, (20, 20))
    sheet.paste(image, (image.width + 40, 20))
    image.close()
    assert read_qr(sheet) == [URIS[0]]


def test_images_without_codes_give_nothing() -> None:
    assert read_qr(Image.new("RGB", (200, 200), "white")) == []
    rng = random.Random("noise")
    noise = Image.frombytes("L", (300, 300), rng.randbytes(300 * 300))
    assert read_qr(noise) == []


# -- SVG --------------------------------------------------------------------------------------
@pytest.mark.parametrize("uri", URIS[:10], ids=range(10))
def test_svg_is_a_well_formed_inline_element(uri: str) -> None:
    svg = make_qr_svg(uri, title="Scan me: ACME <alice>")
    assert svg.lstrip().startswith("<svg")
    assert "<?xml" not in svg
    root = ElementTree.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("class") == "qr"
    assert int(root.get("width", "0")) > 0
    assert root.get("width") == root.get("height")
    title = root.find(f"{SVG_NS}title")
    assert title is not None
    assert title.text == "Scan me: ACME <alice>"
    paths = root.findall(f"{SVG_NS}path")
    assert paths
    assert paths[0].get("d")


def test_svg_scale_sets_the_size() -> None:
    small = ElementTree.fromstring(make_qr_svg(URIS[0], scale=2))  # noqa: S314 - our own
    large = ElementTree.fromstring(make_qr_svg(URIS[0], scale=8))  # noqa: S314
    assert int(large.get("width", "0")) == 4 * int(small.get("width", "0"))


# -- terminal text ------------------------------------------------------------------------------
BLOCKS = {"█": (True, True), "▀": (True, False), "▄": (False, True), " ": (False, False)}


def _render(text: str, *, drawn_is_light: bool, scale: int = 4) -> Image.Image:
    """Draw terminal text as a screen would: each character is two modules stacked."""
    lines = text.split("\n")
    width, height = len(lines[0]), len(lines) * 2
    margin = 6  # the terminal's own background around the text is not part of the code
    image = Image.new("L", (width + 2 * margin, height + 2 * margin), 255)
    for y, line in enumerate(lines):
        for x, char in enumerate(line):
            for half, drawn in enumerate(BLOCKS[char]):
                light = drawn if drawn_is_light else not drawn
                image.putpixel((x + margin, 2 * y + half + margin), 255 if light else 0)
    return image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)


@pytest.mark.parametrize("uri", URIS[:8], ids=range(8))
def test_terminal_text_is_rectangular_and_scans(uri: str) -> None:
    text = make_qr_text(uri)
    lines = text.split("\n")
    assert len(lines) > 10
    assert len({len(line) for line in lines}) == 1
    assert set(text) <= {*BLOCKS, "\n"}
    # default: blocks are the light modules (a light-on-dark terminal)
    assert read_qr(_render(text, drawn_is_light=True)) == [uri]
    inverted = make_qr_text(uri, invert=True)
    assert read_qr(_render(inverted, drawn_is_light=False)) == [uri]


# -- errors -------------------------------------------------------------------------------------
def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0"))


@pytest.mark.parametrize(
    "source",
    [
        b"",
        b"not an image at all",
        b"GIF89a",
        make_qr_png("truncated")[:60],
        _png_header_only(8000, 8000),  # 64 megapixels: over our limit
        _png_header_only(100_000, 100_000),  # a decompression bomb for Pillow too
    ],
    ids=["empty", "text", "gif-header", "truncated-png", "64-megapixel", "bomb"],
)
def test_unreadable_images_raise_qr_error(source: bytes) -> None:
    with pytest.raises(QRError):
        read_qr(source)


def test_missing_files_directories_and_text_files_raise_qr_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.png"
    with pytest.raises(QRError) as caught:
        read_qr(missing)
    assert "nowhere.png" in str(caught.value)
    with pytest.raises(QRError):
        read_qr(tmp_path)
    text_file = tmp_path / "notes.txt"
    text_file.write_text("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP")
    with pytest.raises(QRError) as caught:
        read_qr(text_file)
    assert "JBSWY3DPEHPK3PXP" not in str(caught.value)


@pytest.mark.parametrize("text", ["", "x" * 5000, None, b"bytes"])
def test_unencodable_text_raises_qr_error(text: object) -> None:
    for make in (make_qr_png, make_qr_svg, make_qr_text):
        with pytest.raises(QRError):
            make(text)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("package", "call"),
    [
        ("segno", lambda: make_qr_png("x")),
        ("zxingcpp", lambda: read_qr(make_qr_png("x"))),
        ("PIL", lambda: read_qr(b"\x89PNG")),
    ],
)
def test_a_missing_qr_package_is_named(
    package: str, call: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The core itself needs none of them: only the QR functions say what to install."""
    monkeypatch.setitem(sys.modules, package, None)  # as if it were not installed
    with pytest.raises(QRDependencyError) as caught:
        call()  # type: ignore[operator]
    assert package.lower().replace("pil", "pillow").replace("zxingcpp", "zxing-cpp") in str(
        caught.value
    )
    assert isinstance(caught.value, ImportError)
