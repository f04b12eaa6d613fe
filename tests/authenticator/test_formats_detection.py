"""Recognising files by what they hold, and reading text however it was saved.

- detection never guesses a format and then asks for a password: binary files of apps twostep
  has no reader for (FreeOTP 2, Stratum) and UTF-16 text are not taken for andOTP backups;
- andOTP's encrypted backup is recognised by its structure; the old scheme, which has none,
  only with ``--format andotp``;
- when nothing matches, the error names the formats tried and how to pick one;
- text exports with Windows line endings, a byte-order mark or in UTF-16 read like any other;
- Google Authenticator text exports: comments, blank lines, several one-QR exports.
"""

from __future__ import annotations

import importlib.util
import secrets
import struct
import sys
from pathlib import Path
from types import ModuleType

import pytest

from twostep.authenticator import formats
from twostep.authenticator.formats import andotp, google_migration
from twostep.authenticator.formats.errors import (
    MissingQRCodesError,
    UnrecognizedFormatError,
    WrongFormatError,
)
from twostep.otp import Account, Algorithm, Secret, build_migration_uris


def _load_builders() -> ModuleType:
    name = "twostep_tests_formats_builders"
    if name not in sys.modules:
        path = Path(__file__).with_name("formats_data") / "builders.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


B = _load_builders()
OTP_ONLY = B.Carried()


# -- files of apps twostep has no reader for here -----------------------------------------------
def freeotp2_backup() -> bytes:
    """The start of FreeOTP 2's externalBackup.xml: a Java-serialised HashMap<String, String>
    (stream magic, TC_OBJECT, class descriptor of java.util.HashMap), then opaque content."""
    name = b"java.util.HashMap"
    head = b"\xac\xed\x00\x05" + b"\x73\x72" + struct.pack(">H", len(name)) + name
    head += b"\x05\x07\xda\xc1\xc3\x16\x60\xd1\x03\x00\x02\x46\x00\x0aloadFactorI\x00\x09threshold"
    return head + b"\x78\x70\x3f\x40\x00\x00" + secrets.token_bytes(600)


def stratum_backup() -> bytes:
    """A Stratum (Authenticator Pro) encrypted backup: ``AUTHENTICATORPRO`` | salt(16) |
    IV(12) | AES-GCM ciphertext and tag."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, iv = secrets.token_bytes(16), secrets.token_bytes(12)
    sealed = AESGCM(secrets.token_bytes(32)).encrypt(iv, b'{"Authenticators":[]}' * 20, None)
    return b"AUTHENTICATORPRO" + salt + iv + sealed


def utf16_uri_list() -> bytes:
    return B.uri_list(B.SAMPLES[:3]).decode().replace("\n", "\r\n").encode("utf-16")


def _chosen(data: bytes) -> str | None:
    try:
        return formats.choose_format([data]).name
    except UnrecognizedFormatError:
        return None


@pytest.mark.parametrize(
    "data",
    [freeotp2_backup(), stratum_backup(), secrets.token_bytes(2000)],
    ids=["freeotp2", "stratum", "random"],
)
def test_binary_files_of_other_apps_are_not_taken_for_andotp(data):
    assert not andotp.detect(data)
    assert _chosen(data) != "andotp"


@pytest.mark.parametrize("data", [freeotp2_backup(), stratum_backup()], ids=["freeotp2", "stratum"])
def test_known_binary_backups_are_not_andotp_even_when_asked_for(data):
    with pytest.raises(WrongFormatError):
        formats.read_files([data], "a password", format_name="andotp")


def test_an_unrecognised_file_names_the_formats_tried_and_how_to_pick_one():
    data = b"\x01\x02 certainly not an export \xff" * 40
    with pytest.raises(UnrecognizedFormatError) as caught:
        formats.read_files([data])
    message = str(caught.value)
    assert "formats tried: " in message
    for fmt in formats.import_formats():
        assert fmt.name in message
    assert "--format NAME" in message


def test_andotp_current_scheme_is_recognised_by_its_structure():
    real = B.andotp_encrypted(B.SAMPLES[:1], iterations=150_000)  # andOTP's own range
    assert andotp.is_current_scheme(real)
    assert formats.choose_format([real]).name == "andotp"
    # the same bytes with an iteration count andOTP never writes are not recognised
    assert not andotp.detect(b"\x7f\xff\xff\xff" + real[4:])
    # nor with a salt and IV that are not random
    assert not andotp.detect(real[:4] + bytes(24) + real[28:])


def test_andotp_old_scheme_is_read_when_named_and_never_guessed():
    data = B.andotp_encrypted_old(B.SAMPLES[:2])
    while andotp.is_current_scheme(data):  # a random IV that starts like a header (rare)
        data = B.andotp_encrypted_old(B.SAMPLES[:2])
    with pytest.raises(UnrecognizedFormatError, match="--format andotp"):
        formats.read_files([data], B.PASSWORD)
    fmt, result = formats.read_files([data], B.PASSWORD, format_name="andotp")
    assert fmt.name == "andotp"
    assert [B.fields(e) for e in result.entries] == [
        B.expected(s, B.Carried(groups="all")) for s in B.SAMPLES[:2]
    ]


# -- text however it was saved -------------------------------------------------------------------
def _text_variants(text: str) -> dict[str, bytes]:
    windows = text.replace("\n", "\r\n")
    return {
        "crlf": windows.encode(),
        "bom": b"\xef\xbb\xbf" + text.encode(),
        "bom-crlf": b"\xef\xbb\xbf" + windows.encode(),
        "utf16": windows.encode("utf-16"),  # with its BOM, as Notepad writes it
        "utf16-le-no-bom": text.encode("utf-16-le"),
        "utf16-be": b"\xfe\xff" + text.encode("utf-16-be"),
    }


@pytest.mark.parametrize("variant", list(_text_variants("x")))
def test_uri_lists_read_the_same_whatever_the_encoding_and_line_ends(variant):
    samples = B.SAMPLES[:3]
    data = _text_variants(B.uri_list(samples).decode())[variant]
    fmt, result = formats.read_files([data])
    assert fmt.name == "otpauth"
    assert result.problems == ()
    assert [B.fields(e) for e in result.entries] == [B.expected(s, OTP_ONLY) for s in samples]


@pytest.mark.parametrize("variant", list(_text_variants("x")))
def test_google_text_exports_read_the_same_whatever_the_encoding(variant):
    data = _text_variants(B.GA_DENO + "\n")[variant]
    fmt, result = formats.read_files([data])
    assert fmt.name == "google"
    assert [B.fields(e) for e in result.entries] == [B.expected(B.SAMPLES[0], OTP_ONLY)]


@pytest.mark.parametrize("variant", list(_text_variants("x")))
def test_bitwarden_csv_reads_the_same_whatever_the_encoding(variant):
    samples = B.SAMPLES[:3]
    data = _text_variants(B.bitwarden_csv(samples).decode())[variant]
    fmt, result = formats.read_files([data])
    assert fmt.name == "bitwarden"
    assert [B.fields(e)[:4] for e in result.entries] == [
        B.expected(s, OTP_ONLY)[:4] for s in samples
    ]


@pytest.mark.parametrize("variant", ["bom", "utf16"])
def test_json_exports_with_a_bom_or_in_utf16_are_read(variant):
    text = B.twofas_plain(B.SAMPLES[:2]).decode()
    data = _text_variants(text)[variant]
    fmt, result = formats.read_files([data])
    assert fmt.name == "2fas"
    assert len(result.entries) == 2


# -- Google Authenticator text exports --------------------------------------------------------
def _accounts(count: int, start: int = 0) -> list[Account]:
    return [
        Account(Secret.from_base32(B.SAMPLES[0].secret), issuer=f"Issuer {i}", name=f"user{i}")
        for i in range(start, start + count)
    ]


def test_google_text_with_comments_and_blank_lines():
    uris = build_migration_uris(_accounts(15), batch_id=5)
    text = "# exported from my old phone\n\n" + uris[0] + "\n\n# second code\n" + uris[1] + "\n"
    fmt, result = formats.read_files([text.encode()])
    assert fmt.name == "google"
    assert [e.account.issuer for e in result.entries] == [f"Issuer {i}" for i in range(15)]


def test_google_separate_one_qr_exports_are_each_complete():
    """Exporting accounts one by one makes one export (batch id, size 1) per account."""
    lines = [build_migration_uris(_accounts(1, i), batch_id=100 + i)[0] for i in range(4)]
    _, result = formats.read_files(["\n".join(lines).encode()])
    assert [e.account.name for e in result.entries] == [f"user{i}" for i in range(4)]


def test_google_one_qr_exports_sharing_a_batch_id_are_not_taken_for_repeats():
    lines = [build_migration_uris(_accounts(1, i), batch_id=7)[0] for i in range(3)]
    lines.append(lines[0])  # the same code given twice counts once
    _, result = formats.read_files(["\n".join(lines).encode()])
    assert [e.account.name for e in result.entries] == ["user0", "user1", "user2"]


def test_google_an_incomplete_export_among_complete_ones_is_named():
    single = build_migration_uris(_accounts(1), batch_id=1)
    batch = build_migration_uris(_accounts(35, 1), batch_id=2)  # 4 codes
    text = "\n".join([single[0], batch[0], batch[2]]).encode()
    with pytest.raises(MissingQRCodesError) as caught:
        formats.read_files([text])
    assert caught.value.missing == [2, 4]
    assert "export 2 of 2: QR codes 2, 4 of 4 are missing" in str(caught.value)


def test_google_skipped_accounts_are_numbered_across_exports():
    ok = build_migration_uris(_accounts(2), batch_id=1)
    md5 = Account(Secret.from_base32(B.SAMPLES[0].secret), issuer="Old", name="md5")
    bad = build_migration_uris([md5], batch_id=2)[0]
    # turn the account's algorithm into MD5 (4) in the payload, as some exports carry
    batch = google_migration.parse_migration_uri(bad)
    assert batch.accounts[0].algorithm is Algorithm.SHA1
    tampered = _with_md5(bad)
    _, result = formats.read_files(["\n".join([*ok, tampered]).encode()])
    assert len(result.entries) == 2
    (problem,) = result.problems
    assert (problem.number, problem.field) == (3, "algorithm")


def _with_md5(uri: str) -> str:
    """The export URI with its (only) account's algorithm field set to MD5 (value 4)."""
    import base64
    from urllib.parse import quote, unquote

    data = bytearray(base64.b64decode(unquote(uri.partition("data=")[2])))
    # otp_parameters is field 1 (tag 0x0a); algorithm is field 4 inside it (tag 0x20)
    index = data.index(b"\x20\x01")
    data[index + 1] = 4
    return "otpauth-migration://offline?data=" + quote(base64.b64encode(bytes(data)).decode())
