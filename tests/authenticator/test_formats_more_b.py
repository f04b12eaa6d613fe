"""Import from Authy, TOTP Authenticator, Battle.net, Steam, Duo, Microsoft Authenticator,
Google Authenticator's database, Authenticator Plus and WinAuth (issue 19, part b).

Fixtures come from ``formats_data/builders_more_b.py`` (made the way each app stores its
accounts, never with twostep's code). For each format: every field the format carries is
checked, encrypted files refuse a wrong password and a changed file with the same error, cut
files give a clear error and import nothing, an import survives twostep's own export, and
detection recognises the file by its content and nothing else.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import json
import sqlite3
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

from twostep.authenticator import formats
from twostep.authenticator.entry import Entry
from twostep.authenticator.formats import (
    authenticator_plus,
    authy,
    battlenet,
    duo,
    google_db,
    microsoft,
    steam,
    totp_authenticator,
    twostep_export,
    winauth,
)
from twostep.authenticator.formats.errors import (
    FormatError,
    PasswordRequiredError,
    UnsupportedFileError,
    WrongFormatError,
    WrongPasswordError,
)


def _load(name: str, file: str) -> ModuleType:
    if name not in sys.modules:
        path = Path(__file__).with_name("formats_data") / file
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


B = _load("twostep_tests_formats_builders", "builders.py")
M = _load("twostep_tests_formats_builders_more_b", "builders_more_b.py")
OTP_ONLY = B.Carried()
CHEAP_KDF = {"algorithm": "argon2id", "time_cost": 1, "memory_kib": 64, "parallelism": 1}
WRONG = "wrong password, or the file was altered"


def assert_imports(result: formats.ImportResult, samples, carried=OTP_ONLY) -> None:
    assert result.problems == ()
    assert [B.fields(e) for e in result.entries] == [B.expected(s, carried) for s in samples]


def through_twostep(entries) -> list[Entry]:
    (data,) = twostep_export.write(entries, B.PASSWORD, kdf=CHEAP_KDF)
    return list(twostep_export.read(data, B.PASSWORD).entries)


def assert_round_trip(result: formats.ImportResult) -> None:
    again = through_twostep(result.entries)
    assert [(B.fields(e), e.created_at) for e in again] == [
        (B.fields(e), e.created_at) for e in result.entries
    ]


def flip(data: bytes, at: int) -> bytes:
    changed = bytearray(data)
    changed[at] ^= 0x01
    return bytes(changed)


# -- Authy -------------------------------------------------------------------------------------
def test_authy_plain_keeps_every_field():
    result = authy.read(M.authy_plain())
    assert_imports(result, M.AUTHY_SAMPLES)
    assert [e.created_at for e in result.entries] == [M.AUTHY_TIMESTAMP + n for n in range(3)]
    assert not authy.is_encrypted(M.authy_plain())
    assert_round_trip(result)


def test_authy_encrypted_opens_with_the_backups_password():
    data = M.authy_encrypted()
    assert authy.is_encrypted(data)
    result = authy.read(data, B.PASSWORD)
    assert_imports(result, M.AUTHY_SAMPLES)
    assert_round_trip(result)


def test_authy_wrong_password_and_tampering_are_one_error():
    data = M.authy_encrypted()
    with pytest.raises(PasswordRequiredError):
        authy.read(data)
    with pytest.raises(WrongPasswordError) as wrong:
        authy.read(data, B.WRONG_PASSWORD)
    tokens = M.authy_tokens()
    text = M.authy_encrypted().decode()
    sealed = json.loads(
        text.split('authenticator.key">')[1].split("</string>")[0].replace("&quot;", '"')
    )[0]["encryptedSecret"]
    raw = base64.b64decode(sealed)
    tampered = text.replace(sealed, base64.b64encode(flip(raw, len(raw) - 1)).decode())
    with pytest.raises(WrongPasswordError) as changed:
        authy.read(tampered.encode(), B.PASSWORD)
    assert str(wrong.value) == str(changed.value) == WRONG
    assert tokens[0]["decryptedSecret"] not in str(wrong.value)


def test_authy_own_tokens_are_10_second_totp_named_by_issuer():
    (entry,) = authy.read(M.authy_own_tokens()).entries
    a = entry.account
    assert (a.type.value, a.issuer, a.name, a.digits, a.period) == ("totp", "Twilio", "", 7, 10)
    assert a.secret.hex == "e49270f0d21f365c8408f8b475c5267c"
    assert entry.created_at == M.AUTHY_TIMESTAMP


def test_authy_timestamp_in_milliseconds_is_read_as_seconds():
    tokens = M.authy_tokens(M.AUTHY_SAMPLES[:1])
    tokens[0]["timestamp"] = M.AUTHY_TIMESTAMP * 1000 + 123
    data = M._prefs([("string", authy.KEYS[0], json.dumps(tokens))])
    assert authy.read(data).entries[0].created_at == M.AUTHY_TIMESTAMP


def test_authy_issuer_falls_back_to_the_name_prefix():
    tokens = M.authy_tokens(M.AUTHY_SAMPLES[:1])
    for key in ("originalIssuer", "originalName"):
        del tokens[0][key]
    tokens[0]["name"] = "Deno - Mason"
    data = M._prefs([("string", authy.KEYS[0], json.dumps(tokens))])
    (entry,) = authy.read(data).entries
    assert (entry.account.issuer, entry.account.name) == ("Deno", "Mason")


# -- TOTP Authenticator ------------------------------------------------------------------------
def test_totp_authenticator_backup_keeps_every_field():
    data = M.totpauth_backup()
    assert totp_authenticator.is_encrypted(data)
    result = totp_authenticator.read(data, B.PASSWORD)
    assert_imports(result, M.TOTPAUTH_SAMPLES, B.Carried(favorite=True))
    assert_round_trip(result)


def test_totp_authenticator_prefs_keep_every_field():
    result = totp_authenticator.read(M.totpauth_prefs())
    assert_imports(result, M.TOTPAUTH_SAMPLES, B.Carried(favorite=True))


def test_totp_authenticator_default_password_needs_none():
    data = M.totpauth_backup(password=totp_authenticator.DEFAULT_PASSWORD)
    result = totp_authenticator.read(data)
    assert_imports(result, M.TOTPAUTH_SAMPLES, B.Carried(favorite=True))
    assert result.notes


def test_totp_authenticator_wrong_password_and_tampering_are_one_error():
    data = M.totpauth_backup()
    with pytest.raises(PasswordRequiredError):
        totp_authenticator.read(data)
    with pytest.raises(WrongPasswordError) as wrong:
        totp_authenticator.read(data, B.WRONG_PASSWORD)
    raw = base64.b64decode(data)
    for at in (0, len(raw) // 2, len(raw) - 1):
        tampered = base64.b64encode(flip(raw, at))
        with pytest.raises(WrongPasswordError) as changed:
            totp_authenticator.read(tampered, B.PASSWORD)
        assert str(changed.value) == str(wrong.value) == WRONG


# -- Battle.net --------------------------------------------------------------------------------
@pytest.mark.parametrize("build", [M.battlenet_bma, M.battlenet_app], ids=["bma", "app"])
def test_battlenet_unmasks_secret_and_serial(build):
    result = battlenet.read(build())
    assert_imports(result, (M.BATTLENET_SAMPLE,))
    assert result.entries[0].account.secret.hex == M.BATTLENET_SECRET_HEX
    assert_round_trip(result)


def test_battlenet_mask_matches_the_apps():
    assert battlenet.mask("0b0d") == M._mask("0b0d")


# -- Steam -------------------------------------------------------------------------------------
def test_steam_mafile_old_layout():
    result = steam.read(M.steam_mafile())
    assert_imports(result, M.STEAM_SAMPLES[:1], B.Carried(note=True))
    assert_round_trip(result)


def test_steam_app_new_layout_holds_several_accounts():
    result = steam.read(M.steam_app())
    assert_imports(result, M.STEAM_SAMPLES, B.Carried(note=True))
    assert result.entries[0].account.generate(at=0) == result.entries[0].account.generate(at=1)
    assert len(result.entries[0].account.generate(at=0)) == 5


def test_steam_bad_shared_secret_is_one_problem():
    doc = json.loads(M.steam_app())
    first = next(iter(doc["accounts"].values()))
    first["shared_secret"] = "not base64!"
    result = steam.read(json.dumps(doc).encode())
    assert [(p.number, p.field) for p in result.problems] == [(1, "shared_secret")]
    assert len(result.entries) == 1


# -- Duo ---------------------------------------------------------------------------------------
def test_duo_totp_and_hotp_and_push_only_note():
    result = duo.read(M.duo_json(push_only=True))
    assert_imports(result, M.DUO_SAMPLES)
    assert result.total == 3
    assert result.notes == ("1 push-only Duo account has no codes; left out",)
    assert_round_trip(result)


# -- Microsoft Authenticator -------------------------------------------------------------------
def test_microsoft_reads_totp_and_microsoft_accounts_in_app_order():
    result = microsoft.read(M.microsoft_db(work_account=True))
    assert_imports(result, M.MICROSOFT_SAMPLES)
    assert result.notes
    assert "push" in result.notes[0]
    assert_round_trip(result)


def test_microsoft_key_store_encrypted_secret_is_a_problem():
    data = M.microsoft_db()
    with sqlite3.connect(":memory:") as connection:
        connection.deserialize(data)
        connection.execute(
            "UPDATE accounts SET oath_secret_key='', encrypted_oath_secret_key='AAAA' "
            "WHERE name='Deno'"
        )
        connection.commit()
        changed = connection.serialize()
    result = microsoft.read(changed)
    assert [(p.field, p.label) for p in result.problems] == [("secret", "Deno:Mason")]
    assert "key store" in result.problems[0].message
    assert len(result.entries) == 2


# -- Google Authenticator's database -----------------------------------------------------------
def test_google_db_keeps_type_counter_issuer_and_name():
    result = google_db.read(M.google_db())
    assert_imports(result, M.GOOGLE_SAMPLES)
    assert_round_trip(result)


# -- Authenticator Plus ------------------------------------------------------------------------
def test_authplus_export_zip_keeps_every_uri_field():
    data = M.authplus_export()
    assert authenticator_plus.is_encrypted(data)
    result = authenticator_plus.read(data, M.ZIP_PASSWORD)
    assert_imports(result, M.AUTHPLUS_SAMPLES)
    assert_round_trip(result)


def test_authplus_backup_database_opens_with_sqlcipher():
    data = M.authplus_backup_zip()
    assert authenticator_plus.is_encrypted(data)
    result = authenticator_plus.read(data, B.PASSWORD)
    assert_imports(result, M.AUTHPLUS_SAMPLES)
    assert_round_trip(result)


@pytest.mark.parametrize("kind", ["export", "backup"])
def test_authplus_wrong_password_and_tampering_are_one_error(kind):
    if kind == "export":
        data = M.authplus_export()
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("Accounts.txt")
            start = info.header_offset + 30 + len(info.filename) + len(info.extra)
        tampered = flip(data, start + 12 + info.compress_size // 2)  # after the 12-byte header
    else:
        data = M.authplus_backup_zip()
        database = M.authplus_db()
        tampered = M.authplus_backup_zip(database=flip(database, len(database) // 2))
    with pytest.raises(PasswordRequiredError):
        authenticator_plus.read(data)
    with pytest.raises(WrongPasswordError) as wrong:
        authenticator_plus.read(data, B.WRONG_PASSWORD)
    with pytest.raises(WrongPasswordError) as changed:
        authenticator_plus.read(tampered, B.PASSWORD)
    assert str(wrong.value) == str(changed.value) == WRONG


def test_authplus_without_the_sqlcipher_binding_says_how_to_get_it(monkeypatch):
    data = M.authplus_backup_zip()
    monkeypatch.setitem(sys.modules, "sqlcipher3", None)  # as if not installed
    with pytest.raises(UnsupportedFileError, match=r"twostep\[sqlcipher\]"):
        authenticator_plus.read(data, B.PASSWORD)


# -- WinAuth -----------------------------------------------------------------------------------
def test_winauth_keeps_serial_steam_and_custom_icons():
    result = winauth.read(M.winauth_txt())
    assert_imports(result, M.WINAUTH_SAMPLES, B.Carried(note=True, icon=True))
    battle, steam_entry = result.entries[3], result.entries[4]
    assert battle.account.extra == (("serial", "US221120503346"),)
    assert steam_entry.account.extra == (
        ("deviceid", "android:00000000-1111-2222-3333-444455556666"),
    )
    assert all(not e.icon for e in result.entries[1:])  # skin names are WinAuth's pictures
    assert_round_trip(result)
    assert [e.account.extra for e in through_twostep(result.entries)] == [
        e.account.extra for e in result.entries
    ]


def test_winauth_is_read_before_the_plain_list_but_a_plain_list_is_not_winauth():
    assert formats.detect_format(M.winauth_txt()).name == "winauth"
    plain = B.uri_list(B.SAMPLES[:3])
    assert not winauth.detect(plain)
    assert formats.detect_format(plain).name == "otpauth"


# -- every format: truncation and detection ----------------------------------------------------
CASES = [(name, kind, data) for name, files in M.all_fixtures().items() for kind, data in files]
IDS = [f"{n}-{k}" for n, k, _ in CASES]


@pytest.mark.parametrize(("name", "kind", "data"), CASES, ids=IDS)
def test_detected_by_content_and_by_no_other_new_format(name, kind, data):
    claimed = [f.name for f in formats.import_formats() if f.detect(data)]
    # a WinAuth list is also a valid plain otpauth list, read less fully: winauth goes first
    assert claimed == ([name, "otpauth"] if name == "winauth" else [name])
    assert formats.detect_format(data).name == name


CUT_CASES = [(n, k, d) for n, k, d in CASES if n != "winauth"]


@pytest.mark.parametrize(
    ("name", "kind", "data"), CUT_CASES, ids=[f"{n}-{k}" for n, k, _ in CUT_CASES]
)
@pytest.mark.parametrize("keep", [0.0, 0.3, 0.6, 0.9, 0.98])
def test_truncated_files_are_a_clear_error_and_import_nothing(name, kind, data, keep):
    cut = data[: int(len(data) * keep)]
    with pytest.raises(FormatError) as caught:
        formats.read_files([cut], B.PASSWORD, format_name=name)
    assert str(caught.value)
    for secret in [s.secret for s in B.SAMPLES] + [B.PASSWORD]:
        assert secret not in str(caught.value)


def test_a_cut_winauth_list_keeps_its_whole_lines_and_refuses_a_cut_first_line():
    lines = M.winauth_txt().splitlines(keepends=True)
    for keep in range(1, len(lines)):
        result = winauth.read(b"".join(lines[:keep]))
        assert [B.fields(e) for e in result.entries] == [
            B.expected(s, B.Carried(note=True, icon=True)) for s in M.WINAUTH_SAMPLES[:keep]
        ]
    for size in (10, 40, 60):
        with pytest.raises(FormatError):
            formats.read_files([lines[0][:size]], format_name="winauth")


NEAR_MISSES = {
    "android prefs without the app's key": M._prefs([("string", "some.other.key", "[]")]),
    "sqlite of another app": M._sqlite_bytes([("CREATE TABLE accounts (id INTEGER, x TEXT)", ())]),
    "zip without the app's file": M.zip_of({"Notes.txt": b"hello", "db": b"SQLite format 3"}),
    "json list of something": b'[{"name": "x", "value": 1}]',
    "json object of something": b'{"accounts": {"a": {"name": "x"}}}',
    "short base64 text": base64.b64encode(b"0123456789abcdef"),
    "plain otpauth list": B.uri_list(B.SAMPLES[:2]),
}


@pytest.mark.parametrize("data", NEAR_MISSES.values(), ids=list(NEAR_MISSES))
def test_near_misses_are_claimed_by_none_of_the_new_formats(data):
    new = {
        "authy",
        "totp-auth",
        "battlenet",
        "steam",
        "duo",
        "microsoft",
        "google-db",
        "authplus",
        "winauth",
    }
    assert [f.name for f in formats.import_formats() if f.name in new and f.detect(data)] == []


def test_a_forced_format_never_asks_for_a_password_for_another_file():
    for name in ("authy", "totp-auth", "authplus"):
        with pytest.raises(WrongFormatError):
            formats.read_files([B.andotp_plain()], None, format_name=name)
