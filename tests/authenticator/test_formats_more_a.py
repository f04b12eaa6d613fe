"""Import from Stratum / Authenticator Pro, FreeOTP (2.x backup, tokens.xml) and Proton
Authenticator, field by field.

The sample files in ``formats_data/more_a/`` were made by ``formats_data/make_more_a.py`` with
each app's own primitives (see the README there); variants are built on the fly with the same
builders. Round trips go through twostep's own export, which carries every field.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import sqlite3
import struct
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twostep.authenticator import formats
from twostep.authenticator.formats import _javaser, andotp, freeotp, proton, stratum, twostep_export
from twostep.authenticator.formats.errors import (
    DamagedFileError,
    FormatError,
    PasswordRequiredError,
    UnrecognizedFormatError,
    UnsupportedFileError,
    WrongPasswordError,
)

HERE = Path(__file__).parent / "formats_data"


def _load(name: str) -> ModuleType:
    module_name = f"twostep_tests_formats_{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, HERE / f"{name}.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


B = _load("builders")  # the same module object the other format tests use
M = _load("builders_more_a")
CHEAP_KDF = {"algorithm": "argon2id", "time_cost": 1, "memory_kib": 64, "parallelism": 1}
WRONG = "wrong password, or the file was altered"


def sample_file(name: str) -> bytes:
    return (HERE / "more_a" / name).read_bytes()


def fields(result: formats.ImportResult) -> list[tuple]:
    assert result.problems == ()
    return [B.fields(e) for e in result.entries]


def round_trip(result: formats.ImportResult) -> None:
    """Export with twostep's own export, read it back: every field is equal."""
    (data,) = twostep_export.write(result.entries, B.PASSWORD, kdf=CHEAP_KDF)
    again = twostep_export.read(data, B.PASSWORD)
    assert [B.fields(e) for e in again.entries] == [B.fields(e) for e in result.entries]


def assert_detected(data: bytes, name: str) -> None:
    assert formats.detect_format(data).name == name
    assert [f.name for f in formats.import_formats() if f.detect(data)] == [name]
    assert not andotp.detect(data)


def assert_truncations_fail_cleanly(data: bytes, name: str, keeps=(0.3, 0.5, 0.9, 0.99)) -> None:
    for keep in keeps:
        cut = data[: int(len(data) * keep)]
        for format_name in (None, name):
            with pytest.raises(FormatError) as caught:
                formats.read_files([cut], B.PASSWORD, format_name=format_name)
            assert B.PASSWORD not in str(caught.value)


# -- Stratum / Authenticator Pro --------------------------------------------------------------
def stratum_expected(samples=B.SAMPLES) -> list[tuple]:
    """Groups and PNG icons are carried; notes, favourites and SVG icons are not."""
    return [
        B.expected(s, B.Carried(groups="all", icon=s.icon is not None and s.icon[0] == "image/png"))
        for s in samples
    ]


STRATUM_FILES = [
    "stratum-plain.authpro",
    "stratum-encrypted.authpro",
    "authenticatorpro-legacy.authpro",
    "stratum-authenticator.db3",
]


@pytest.mark.parametrize("name", STRATUM_FILES)
def test_stratum_files_keep_every_field(name):
    data = sample_file(name)
    fmt, result = formats.read_files([data], B.PASSWORD)
    assert fmt.name == "stratum"
    assert fields(result) == stratum_expected()
    assert result.total == len(B.SAMPLES)
    kinds = {e.account.type.value for e in result.entries}
    assert kinds == {"totp", "hotp", "steam"}
    assert result.entries[0].icon is not None
    assert result.entries[0].icon.mime == "image/png"


@pytest.mark.parametrize("name", STRATUM_FILES)
def test_stratum_files_are_detected_as_stratum_only(name):
    assert_detected(sample_file(name), "stratum")


@pytest.mark.parametrize("name", STRATUM_FILES)
def test_stratum_round_trip_through_twostep_export(name):
    round_trip(formats.read_files([sample_file(name)], B.PASSWORD)[1])


@pytest.mark.parametrize("name", STRATUM_FILES[1:3])
def test_stratum_encrypted_wrong_missing_password_and_tampering_are_told_alike(name):
    data = sample_file(name)
    assert stratum.is_encrypted(data)
    with pytest.raises(PasswordRequiredError):
        stratum.read(data)
    with pytest.raises(WrongPasswordError) as wrong:
        stratum.read(data, B.WRONG_PASSWORD)
    tampered = bytearray(data)
    tampered[-20] ^= 0x01
    with pytest.raises(WrongPasswordError) as altered:
        stratum.read(bytes(tampered), B.PASSWORD)
    assert str(wrong.value) == str(altered.value) == WRONG


@pytest.mark.parametrize("name", STRATUM_FILES)
def test_stratum_truncated_files_give_a_format_error_and_nothing_else(name):
    assert_truncations_fail_cleanly(sample_file(name), "stratum")


def test_stratum_header_alone_is_a_damaged_file_and_asks_no_password():
    for header in (b"AUTHENTICATORPRO", b"AuthenticatorPro"):
        data = header + b"\x00" * 20
        assert formats.detect_format(data).name == "stratum"
        assert not stratum.is_encrypted(data)
        for password in (None, B.PASSWORD):
            with pytest.raises(DamagedFileError, match="truncated"):
                stratum.read(data, password)


def test_stratum_reports_motp_yandex_and_unknown_algorithm_per_entry():
    doc = M.stratum_doc(B.SAMPLES[:2])
    motp = dict(doc["Authenticators"][0], Type=3, Issuer="VPN", Pin="1234", Secret="ABCDEFGH")
    yandex = dict(doc["Authenticators"][0], Type=5, Issuer="Yandex", Secret="ABCDEFGHIJ")
    odd = dict(doc["Authenticators"][1], Algorithm=7, Issuer="Odd", Secret="ABCDEFGHIJKL")
    doc["Authenticators"] += [motp, yandex, odd]
    result = stratum.read(json.dumps(doc).encode())
    assert [(e.account.issuer, e.account.name) for e in result.entries] == [
        ("Deno", "Mason"),
        ("SPDX", "James"),
    ]
    assert [(p.number, p.field, p.label) for p in result.problems] == [
        (3, "type", "VPN:Mason"),
        (4, "type", "Yandex:Mason"),
        (5, "algorithm", "Odd:James"),
    ]
    assert "mOTP" in result.problems[0].message
    assert "not supported" in result.problems[1].message


def test_stratum_built_in_icon_names_and_unknown_categories_are_left_out():
    doc = M.stratum_doc(B.SAMPLES[1:2])
    doc["Authenticators"][0]["Icon"] = "google"
    doc["AuthenticatorCategories"].append(
        {"CategoryId": "deadbeef", "AuthenticatorSecret": B.SAMPLES[1].secret, "Ranking": 0}
    )
    (entry,) = stratum.read(json.dumps(doc).encode()).entries
    assert entry.icon is None
    assert entry.groups == ()


def test_stratum_database_of_another_app_is_not_taken_for_stratum(tmp_path):
    path = tmp_path / "other.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE accounts (issuer TEXT, secret TEXT)")
    db.commit()
    db.close()
    data = path.read_bytes()
    assert not stratum.detect(data)
    assert formats.detect_format(data) is None


# -- FreeOTP ----------------------------------------------------------------------------------
FREEOTP_FILES = ["freeotp-externalBackup.xml", "freeotp-tokenBackup.xml", "freeotp-tokens.xml"]


def freeotp_expected(samples=B.SAMPLES) -> list[tuple]:
    return [B.expected(s, B.Carried()) for s in samples]


@pytest.mark.parametrize("name", ["freeotp-externalBackup.xml", "freeotp-tokenBackup.xml"])
def test_freeotp_2_backup_keeps_every_field(name):
    data = sample_file(name)
    assert freeotp.is_encrypted(data)
    fmt, result = formats.read_files([data], B.PASSWORD)
    assert fmt.name == "freeotp"
    assert fields(result) == freeotp_expected()
    assert {e.account.type.value for e in result.entries} == {"totp", "hotp", "steam"}


def test_freeotp_tokens_xml_keeps_every_field_in_token_order():
    data = sample_file("freeotp-tokens.xml")
    assert not freeotp.is_encrypted(data)
    fmt, result = formats.read_files([data])
    assert fmt.name == "freeotp"
    # the file lists the tokens in reverse; tokenOrder puts them back, counters get their +1
    assert fields(result) == freeotp_expected()


def test_freeotp_tokens_not_in_token_order_come_last():
    named = [(f"{s.issuer}:{s.name}", M.freeotp_token(s, v2=False)) for s in B.SAMPLES[:3]]
    data = M.freeotp_xml_of(named).replace(b"&quot;Deno:Mason&quot;,", b"")
    result = freeotp.read(data)
    assert [e.account.issuer for e in result.entries] == ["SPDX", "Airbnb", "Deno"]


@pytest.mark.parametrize("name", FREEOTP_FILES)
def test_freeotp_files_are_detected_as_freeotp_only(name):
    assert_detected(sample_file(name), "freeotp")


@pytest.mark.parametrize("name", FREEOTP_FILES)
def test_freeotp_round_trip_through_twostep_export(name):
    round_trip(formats.read_files([sample_file(name)], B.PASSWORD)[1])


@pytest.mark.parametrize("name", FREEOTP_FILES)
def test_freeotp_truncated_files_give_a_format_error_and_nothing_else(name):
    assert_truncations_fail_cleanly(sample_file(name), "freeotp")


def test_freeotp_truncated_backup_is_damaged_before_any_password_is_asked():
    data = sample_file("freeotp-externalBackup.xml")
    cut = data[: len(data) // 2]
    assert freeotp.detect(cut)
    assert not freeotp.is_encrypted(cut)  # the command asks no password for it
    with pytest.raises(DamagedFileError, match="truncated"):
        freeotp.read(cut)


def _tampered_backup(target: str) -> bytes:
    pairs = M.freeotp_backup_pairs(B.SAMPLES[:2], iterations=10)
    changed = []
    for key, value in pairs:
        if target == "master" and key == "masterKey":
            doc = json.loads(value)
            doc["mEncryptedKey"]["mCipherText"][0] ^= 1
            value = json.dumps(doc)
        elif target == "token" and key == pairs[1][0]:
            sealed = json.loads(json.loads(value)["key"])
            sealed["mCipherText"][3] ^= 1
            value = json.dumps({"key": json.dumps(sealed)})
        changed.append((key, value))
    return M.java_string_map(changed)


def test_freeotp_wrong_password_and_tampering_are_told_alike():
    messages = set()
    for data in (
        M.freeotp_backup(B.SAMPLES[:2], iterations=10),
        M.freeotp_backup_xml(B.SAMPLES[:2], iterations=10),
    ):
        with pytest.raises(PasswordRequiredError):
            freeotp.read(data)
        with pytest.raises(WrongPasswordError) as wrong:
            freeotp.read(data, B.WRONG_PASSWORD)
        messages.add(str(wrong.value))
    for target in ("master", "token"):
        with pytest.raises(WrongPasswordError) as altered:
            freeotp.read(_tampered_backup(target), B.PASSWORD)
        messages.add(str(altered.value))
    assert messages == {WRONG}


def test_freeotp_backup_with_sha1_kdf_and_null_or_missing_parameters_uses_defaults():
    pairs = M.freeotp_backup_pairs(B.SAMPLES[1:2], iterations=10, kdf="SHA1")
    token = json.loads(pairs[0][1])
    token.update(algo=None)
    del token["digits"], token["period"]
    pairs[0] = (pairs[0][0], json.dumps(token))
    (entry,) = freeotp.read(M.java_string_map(pairs), B.PASSWORD).entries
    a = entry.account
    assert (a.issuer, a.name, a.algorithm.value, a.digits, a.period) == (
        "SPDX",
        "James",
        "SHA1",
        6,
        30,
    )
    assert a.secret.base32 == B.SAMPLES[1].secret


def test_freeotp_backup_with_an_unknown_kdf_is_unsupported():
    pairs = M.freeotp_backup_pairs(B.SAMPLES[:1], iterations=10)
    master = json.loads(pairs[-1][1])
    master["mAlgorithm"] = "PBKDF2withHmacMD5"
    pairs[-1] = ("masterKey", json.dumps(master))
    with pytest.raises(UnsupportedFileError):
        freeotp.read(M.java_string_map(pairs), B.PASSWORD)


def test_freeotp_token_without_its_description_is_one_problem():
    pairs = M.freeotp_backup_pairs(B.SAMPLES[:2], iterations=10)
    del pairs[0]  # the first token's "-token" JSON
    result = freeotp.read(M.java_string_map(pairs), B.PASSWORD)
    assert [e.account.issuer for e in result.entries] == ["SPDX"]
    assert [(p.number, p.field) for p in result.problems] == [(1, "token")]


def test_java_stream_reader_handles_java_utf8_and_back_references():
    text = "nul\x00 and 😀 and é"
    data = M.java_string_map([("a", text)])
    assert _javaser.read_string_map(data, "x") == [("a", text)]
    # the value as a back-reference to the key (handles: 0 descriptor, 1 map, 2 "a")
    ref = M.java_string_map([("a", "b")]).replace(b"\x74\x00\x01b", b"\x71\x00\x7e\x00\x02")
    assert _javaser.read_string_map(ref, "x") == [("a", "a")]


def test_java_streams_of_other_classes_are_not_freeotp():
    other = M.java_string_map([("a", "b")]).replace(b"java.util.HashMap", b"java.util.TreeMap")
    assert not freeotp.detect(other)
    with pytest.raises(DamagedFileError):
        _javaser.read_string_map(other, "the file")
    assert formats.detect_format(other) is None


def test_java_stream_with_a_huge_declared_size_is_refused_without_allocating():
    data = bytearray(M.java_string_map([("a", "b")]))
    at = data.index(b"\x77\x08") + 6
    data[at : at + 4] = struct.pack(">i", 2**31 - 1)
    with pytest.raises(DamagedFileError):
        _javaser.read_string_map(bytes(data), "the file")


def test_other_apps_shared_preferences_are_not_freeotp():
    for pairs in (
        [("masterKey", "hunter2"), ("theme", "dark")],
        [("tokenOrder", "3"), ("secret", '{"secret": "x"}')],
    ):
        data = M.shared_preferences_xml(pairs)
        assert not freeotp.detect(data)
        assert formats.detect_format(data) is None
    cut = M.shared_preferences_xml([("masterKey", "hunter2"), ("theme", "dark")])[:80]
    assert formats.detect_format(cut) is None


def test_xml_with_a_doctype_is_never_parsed():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE map [<!ENTITY a "aaaaaaaaaa">]>'
        b'<map><string name="tokenOrder">&a;</string></map>'
    )
    assert not freeotp.detect(bomb)
    with pytest.raises(UnrecognizedFormatError):
        formats.read_files([bomb])


FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
_BACKUP = M.freeotp_backup(B.SAMPLES[:2], iterations=1)


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(_BACKUP) - 1), st.integers(1, 255)), max_size=4))
def test_freeotp_backup_with_flipped_bytes_reads_or_fails_cleanly(flips):
    data = bytearray(_BACKUP)
    for at, mask in flips:
        data[at] ^= mask
    message = None
    try:
        result = freeotp.read(bytes(data), B.PASSWORD)
    except FormatError as exc:
        message, result = str(exc), None
    if result is None:
        assert message
    else:
        assert len(result.entries) + len(result.problems) == result.total


# -- Proton Authenticator ---------------------------------------------------------------------
PROTON_SAMPLES = M.proton_samples(B.SAMPLES)


def proton_expected() -> list[tuple]:
    """Notes are carried; a Steam entry has no issuer in the file, so it is "Steam"."""
    rows = []
    for s in PROTON_SAMPLES:
        row = list(B.expected(s, B.Carried(note=True)))
        if s.type == "steam":
            row[1] = "Steam"
        rows.append(tuple(row))
    return rows


@pytest.mark.parametrize("name", ["proton-plain.json", "proton-encrypted.json"])
def test_proton_exports_keep_every_field(name):
    fmt, result = formats.read_files([sample_file(name)], B.PASSWORD)
    assert fmt.name == "proton"
    assert fields(result) == proton_expected()
    assert {e.account.type.value for e in result.entries} == {"totp", "steam"}


@pytest.mark.parametrize("name", ["proton-plain.json", "proton-encrypted.json"])
def test_proton_exports_are_detected_as_proton_only(name):
    assert_detected(sample_file(name), "proton")


@pytest.mark.parametrize("name", ["proton-plain.json", "proton-encrypted.json"])
def test_proton_round_trip_through_twostep_export(name):
    round_trip(formats.read_files([sample_file(name)], B.PASSWORD)[1])


@pytest.mark.parametrize("name", ["proton-plain.json", "proton-encrypted.json"])
def test_proton_truncated_exports_give_a_format_error_and_nothing_else(name):
    assert_truncations_fail_cleanly(sample_file(name), "proton")


def test_proton_wrong_missing_password_and_tampering_are_told_alike():
    data = sample_file("proton-encrypted.json")
    assert proton.is_encrypted(data)
    with pytest.raises(PasswordRequiredError):
        proton.read(data)
    with pytest.raises(WrongPasswordError) as wrong:
        proton.read(data, B.WRONG_PASSWORD)
    doc = json.loads(data)
    sealed = bytearray(base64.b64decode(doc["content"]))
    sealed[30] ^= 1
    doc["content"] = base64.b64encode(bytes(sealed)).decode()
    with pytest.raises(WrongPasswordError) as altered:
        proton.read(json.dumps(doc).encode(), B.PASSWORD)
    assert str(wrong.value) == str(altered.value) == WRONG


def test_proton_needs_the_associated_data():
    """Sealed without Proton's associated data, the content does not open: it is checked."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    doc = json.loads(sample_file("proton-encrypted.json"))
    salt = base64.b64decode(doc["salt"])
    key = M.hash_secret_raw(
        B.PASSWORD.encode(),
        salt,
        time_cost=2,
        memory_cost=19456,
        parallelism=1,
        hash_len=32,
        type=M.Type.ID,
    )
    nonce = b"\x01" * 12
    doc["content"] = base64.b64encode(
        nonce + AESGCM(key).encrypt(nonce, M.proton_plain(PROTON_SAMPLES), None)
    ).decode()
    with pytest.raises(WrongPasswordError):
        proton.read(json.dumps(doc).encode(), B.PASSWORD)


def test_proton_unknown_version_is_unsupported():
    doc = json.loads(sample_file("proton-plain.json"))
    doc["version"] = 2
    with pytest.raises(UnsupportedFileError, match="version"):
        proton.read(json.dumps(doc).encode())


def test_proton_bad_entries_are_problems_with_labels():
    doc = json.loads(M.proton_plain(PROTON_SAMPLES[:1]))
    steam = {"uri": "steam://not base64!", "entry_type": "Steam", "name": "gabe"}
    odd = {"uri": PROTON_SAMPLES[0].uri(), "entry_type": "Hotp", "name": "x"}
    doc["entries"] += [{"id": "1", "content": steam}, {"id": "2", "content": odd}]
    result = proton.read(json.dumps(doc).encode())
    assert len(result.entries) == 1
    assert [(p.number, p.field, p.label) for p in result.problems] == [
        (2, "uri", "gabe"),
        (3, "entry_type", "Deno:x"),
    ]


def test_other_json_exports_are_not_taken_for_proton():
    for data in (B.andotp_plain(B.SAMPLES[:2]), B.twofas_plain(B.SAMPLES[:2]), B.ente_plain()):
        assert not proton.detect(data)
    assert not proton.detect(b'{"version": 1, "salt": "AAAA"}')


# -- through the real command -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "title", "count"),
    [
        ("stratum-encrypted.authpro", "Stratum / Authenticator Pro", 8),
        ("freeotp-externalBackup.xml", "FreeOTP", 8),
        ("proton-encrypted.json", "Proton Authenticator", 5),
    ],
)
def test_twostep_auth_import_reads_each_encrypted_kind(unlocked, tmp_path, name, title, count):
    path = tmp_path / name
    path.write_bytes(sample_file(name))
    result = unlocked.run("import", str(path), "--password-stdin", input=B.PASSWORD + "\n")
    assert result.code == 0, result
    assert f"{title}: {count} accounts in the file" in result.out
    assert f"Imported {count} accounts" in result.out


def test_twostep_auth_import_wrong_password_saves_nothing(unlocked, tmp_path):
    path = tmp_path / "backup.authpro"
    path.write_bytes(sample_file("authenticatorpro-legacy.authpro"))
    before = unlocked.vault.read_bytes()
    result = unlocked.run("import", str(path), "--password-stdin", input=B.WRONG_PASSWORD + "\n")
    assert result.code == 3, result
    assert "wrong password" in result.err
    assert unlocked.vault.read_bytes() == before


def test_import_help_names_the_new_formats(env):
    out = env.ok("import", "--help").out
    for name in ("stratum", "freeotp ", "proton", "authenticator.db3", "externalBackup.xml"):
        assert name in out
