"""Import (and export, where twostep writes the format) for each format, field by field.

Every foreign fixture is built from the spec by ``formats_data/builders.py``, with the primitives
the owning app uses; the round trips go import -> export -> import and compare every field the
format carries. Formats twostep only imports go through twostep's own export instead, which
carries every field.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from twostep.authenticator import formats
from twostep.authenticator.entry import Entry, Icon
from twostep.authenticator.formats import (
    aegis,
    andotp,
    bitwarden,
    ente,
    freeotp_plus,
    google_migration,
    otpauth_list,
    twofas,
    twostep_export,
)
from twostep.authenticator.formats.errors import (
    DamagedFileError,
    ExportRefusedError,
    MissingQRCodesError,
    PasswordRequiredError,
    UnsupportedFileError,
    WrongPasswordError,
)
from twostep.otp import (
    Account,
    Secret,
    build_migration_uris,
    make_qr_png,
    parse_uri,
    read_qr,
)


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
ALL = B.Carried(groups="all", note=True, favorite=True, icon=True)
OTP_ONLY = B.Carried()
CHEAP_KDF = {"algorithm": "argon2id", "time_cost": 1, "memory_kib": 64, "parallelism": 1}


def assert_imports(result: formats.ImportResult, samples, carried) -> None:
    assert result.problems == ()
    assert [B.fields(e) for e in result.entries] == [B.expected(s, carried) for s in samples]


def through_twostep(entries) -> list[Entry]:
    """Export as a twostep file and import it again (carries every field)."""
    (data,) = twostep_export.write(entries, B.PASSWORD, kdf=CHEAP_KDF)
    return list(twostep_export.read(data, B.PASSWORD).entries)


def assert_round_trip_via_twostep(result: formats.ImportResult) -> None:
    again = through_twostep(result.entries)
    assert [B.fields(e) for e in again] == [B.fields(e) for e in result.entries]


# -- Aegis ------------------------------------------------------------------------------------
def test_aegis_plain_v3_keeps_every_field():
    result = aegis.read(B.aegis_plain(B.aegis_content()))
    assert_imports(result, B.SAMPLES, ALL)
    assert result.total == len(B.SAMPLES)


def test_aegis_v2_keeps_the_single_group_name():
    result = aegis.read(B.aegis_plain(B.aegis_content(version=2)))
    assert_imports(result, B.SAMPLES, B.Carried(groups="one", note=True, favorite=True, icon=True))


def test_aegis_v1_sniffs_icon_type_without_icon_mime():
    result = aegis.read(B.aegis_plain(B.aegis_content(version=1)))
    assert_imports(result, B.SAMPLES, B.Carried(icon=True))


def test_aegis_encrypted_opens_with_the_password_slot():
    data = B.aegis_encrypted(B.aegis_content())
    assert aegis.is_encrypted(data)
    assert_imports(aegis.read(data, B.PASSWORD), B.SAMPLES, ALL)


def test_aegis_encrypted_wrong_or_missing_password():
    data = B.aegis_encrypted(B.aegis_content(B.SAMPLES[:1]))
    with pytest.raises(WrongPasswordError):
        aegis.read(data, B.WRONG_PASSWORD)
    with pytest.raises(PasswordRequiredError):
        aegis.read(data)


def test_aegis_tampered_database_is_a_wrong_password_error():
    doc = json.loads(B.aegis_encrypted(B.aegis_content(B.SAMPLES[:1])))
    raw = bytearray(base64.b64decode(doc["db"]))
    raw[5] ^= 1
    doc["db"] = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(WrongPasswordError):
        aegis.read(json.dumps(doc).encode(), B.PASSWORD)


def test_aegis_reports_motp_and_yandex_entries_and_coerces_md5():
    content = B.aegis_content(B.SAMPLES[:2])
    motp = {
        "type": "motp",
        "uuid": "0c0f47e4-5b67-4c9e-a1b5-d8a0bd4b0e19",
        "name": "mo",
        "issuer": "Legacy VPN",
        "info": {"secret": "ABCDEFGH", "algo": "MD5", "digits": 6, "period": 10, "pin": "1234"},
    }
    yandex = dict(motp, type="yandex", name="ya", issuer="Yandex")
    md5 = dict(content["entries"][0], uuid="7f6b6a0e-0a43-4b17-9a43-0e1a5b1b7c8e")
    md5["info"] = dict(md5["info"], algo="MD5")
    content["entries"] += [motp, yandex, md5]
    result = aegis.read(B.aegis_plain(content))
    assert [(p.number, p.field, p.label) for p in result.problems] == [
        (3, "type", "Legacy VPN:mo"),
        (4, "type", "Yandex:ya"),
    ]
    assert "mOTP" in result.problems[0].message
    assert "not supported" in result.problems[0].message
    assert len(result.entries) == 3
    assert result.entries[2].account.algorithm.value == "SHA1"


@pytest.mark.parametrize("encrypted", [False, True])
def test_aegis_round_trip(encrypted):
    first = aegis.read(B.aegis_plain(B.aegis_content()))
    password = B.PASSWORD if encrypted else None
    (data,) = aegis.write(first.entries, password, scrypt_n=16)
    again = aegis.read(data, password)
    assert [B.fields(e) for e in again.entries] == [B.fields(e) for e in first.entries]


def test_aegis_export_follows_the_spec_byte_layout():
    """Decrypt an exported file the way Aegis does, with no twostep code."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    entries = aegis.read(B.aegis_plain(B.aegis_content())).entries
    (data,) = aegis.write(entries, B.PASSWORD)
    doc = json.loads(data)
    assert doc["version"] == 1
    (slot,) = doc["header"]["slots"]
    assert slot["type"] == 1
    assert (slot["n"], slot["r"], slot["p"]) == (32768, 8, 1)
    assert len(bytes.fromhex(slot["salt"])) == 32
    assert len(bytes.fromhex(slot["key"])) == 32
    assert slot["repaired"] is True
    assert slot["is_backup"] is False
    key = Scrypt(salt=bytes.fromhex(slot["salt"]), length=32, n=32768, r=8, p=1).derive(
        B.PASSWORD.encode()
    )
    params = slot["key_params"]
    master = AESGCM(key).decrypt(
        bytes.fromhex(params["nonce"]), bytes.fromhex(slot["key"] + params["tag"]), None
    )
    db_params = doc["header"]["params"]
    sealed = base64.b64decode(doc["db"]) + bytes.fromhex(db_params["tag"])
    content = json.loads(AESGCM(master).decrypt(bytes.fromhex(db_params["nonce"]), sealed, None))
    assert content["version"] == 3
    first = content["entries"][0]
    assert first["info"] == {
        "secret": B.SAMPLES[0].secret,
        "algo": "SHA1",
        "digits": 6,
        "period": 30,
    }
    group_names = {g["uuid"]: g["name"] for g in content["groups"]}
    assert [group_names[g] for g in first["groups"]] == ["Work"]
    assert first["icon_mime"] == "image/png"
    assert first["favorite"] is True
    steam = content["entries"][6]
    assert steam["type"] == "steam"
    assert steam["info"]["digits"] == 5


# -- 2FAS -------------------------------------------------------------------------------------
@pytest.mark.parametrize("schema", [2, 3, 4, 5])
def test_2fas_plain_schema_versions(schema):
    result = twofas.read(B.twofas_plain(schema=schema))
    assert_imports(result, B.SAMPLES, B.Carried(groups="one"))


def test_2fas_schema_1_is_totp_with_defaults():
    samples = tuple(s for s in B.SAMPLES if s.type == "totp")
    result = twofas.read(B.twofas_plain(samples, schema=1))
    plain_totp = [B.Sample("totp", s.issuer, s.name, s.secret, groups=s.groups) for s in samples]
    assert_imports(result, plain_totp, B.Carried(groups="one"))


def test_2fas_encrypted_checks_the_reference():
    data = B.twofas_encrypted()
    assert twofas.is_encrypted(data)
    result = twofas.read(data, B.PASSWORD)
    assert_imports(result, B.SAMPLES, B.Carried(groups="one"))
    assert_round_trip_via_twostep(result)
    with pytest.raises(WrongPasswordError):
        twofas.read(data, B.WRONG_PASSWORD)
    with pytest.raises(PasswordRequiredError):
        twofas.read(data)


def test_2fas_wrong_password_is_caught_by_the_reference_first():
    """A damaged reference fails even with the right password: it is checked first."""
    doc = json.loads(B.twofas_encrypted(B.SAMPLES[:1]))
    sealed, salt, iv = doc["reference"].split(":")
    raw = bytearray(base64.b64decode(sealed))
    raw[0] ^= 1
    doc["reference"] = ":".join([base64.b64encode(bytes(raw)).decode(), salt, iv])
    with pytest.raises(WrongPasswordError):
        twofas.read(json.dumps(doc).encode(), B.PASSWORD)


# -- andOTP -----------------------------------------------------------------------------------
ANDOTP = B.Carried(groups="all")


def test_andotp_plain():
    assert_imports(andotp.read(B.andotp_plain()), B.SAMPLES, ANDOTP)


def test_andotp_encrypted_current_format():
    data = B.andotp_encrypted()
    result = andotp.read(data, B.PASSWORD)
    assert_imports(result, B.SAMPLES, ANDOTP)
    assert_round_trip_via_twostep(result)


def test_andotp_encrypted_old_format_falls_back():
    assert_imports(andotp.read(B.andotp_encrypted_old(), B.PASSWORD), B.SAMPLES, ANDOTP)


@pytest.mark.parametrize("build", [B.andotp_encrypted, B.andotp_encrypted_old])
def test_andotp_wrong_password(build):
    data = build(B.SAMPLES[:1])
    with pytest.raises(WrongPasswordError):
        andotp.read(data, B.WRONG_PASSWORD)
    with pytest.raises(PasswordRequiredError):
        andotp.read(data)


def test_andotp_old_labels_split_and_motp_reported():
    items = B.andotp_items(B.SAMPLES[:1])
    legacy = dict(items[0], label="Old Bank - olga")
    del legacy["issuer"]
    motp = dict(items[0], type="MOTP", issuer="VPN", label="m")
    result = andotp.read(json.dumps([*items, legacy, motp]).encode())
    assert [(e.account.issuer, e.account.name) for e in result.entries] == [
        ("Deno", "Mason"),
        ("Old Bank", "olga"),
    ]
    ((number, field, label),) = [(p.number, p.field, p.label) for p in result.problems]
    assert (number, field, label) == (3, "type", "VPN:m")


def test_andotp_openpgp_backup_is_refused_with_a_hint():
    data = b"-----BEGIN PGP MESSAGE-----\n\nhQEMA...\n-----END PGP MESSAGE-----\n"
    with pytest.raises(UnsupportedFileError, match="gpg"):
        formats.read_files([data])


# -- FreeOTP+ ---------------------------------------------------------------------------------
def test_freeotp_plus_signed_bytes_counter_offset_and_steam():
    result = freeotp_plus.read(B.freeotp_plus())
    assert_imports(result, B.SAMPLES, OTP_ONLY)
    assert_round_trip_via_twostep(result)


def test_freeotp_plus_missing_algo_digits_period_default():
    doc = json.loads(B.freeotp_plus(B.SAMPLES[:1]))
    for key in ("algo", "digits", "period"):
        del doc["tokens"][0][key]
    (entry,) = freeotp_plus.read(json.dumps(doc).encode()).entries
    account = entry.account
    assert (account.algorithm.value, account.digits, account.period) == ("SHA1", 6, 30)


# -- Bitwarden --------------------------------------------------------------------------------
BITWARDEN = B.Carried(groups="one", note=True, favorite=True)


@pytest.mark.parametrize("style", ["uri", "bare"])
def test_bitwarden_json(style):
    result = bitwarden.read(B.bitwarden_json(style=style))
    assert_imports(result, B.SAMPLES, BITWARDEN)
    assert result.notes == ("2 item(s) without a TOTP secret were left out",)
    assert_round_trip_via_twostep(result)


@pytest.mark.parametrize("style", ["uri", "bare"])
def test_bitwarden_csv(style):
    result = bitwarden.read(B.bitwarden_csv(style=style))
    assert_imports(result, B.SAMPLES, BITWARDEN)
    assert result.notes == ("1 item(s) without a TOTP secret were left out",)


def test_bitwarden_encrypted_export_is_refused_with_a_hint():
    data = json.dumps({"encrypted": True, "encKeyValidation_DO_NOT_EDIT": "2.x", "items": []})
    with pytest.raises(UnsupportedFileError, match="export the vault again"):
        bitwarden.read(data.encode())


# -- ente -------------------------------------------------------------------------------------
ENTE = B.Carried(groups="all", note=True, favorite=True)


def test_ente_encrypted_export():
    data = B.ente_encrypted()
    result = ente.read(data, B.PASSWORD)
    assert_imports(result, B.SAMPLES, ENTE)
    assert_round_trip_via_twostep(result)
    with pytest.raises(WrongPasswordError):
        ente.read(data, B.WRONG_PASSWORD)
    with pytest.raises(PasswordRequiredError):
        ente.read(data)


def test_ente_stream_without_final_chunk_is_truncated():
    import nacl.bindings as sodium
    import nacl.pwhash

    doc = json.loads(B.ente_encrypted(B.SAMPLES[:1]))
    salt = base64.b64decode(doc["kdfParams"]["salt"])
    key = nacl.pwhash.argon2id.kdf(32, B.PASSWORD.encode(), salt, opslimit=1, memlimit=8192)
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    header = sodium.crypto_secretstream_xchacha20poly1305_init_push(state, key)
    sealed = sodium.crypto_secretstream_xchacha20poly1305_push(
        state, b"otpauth://totp/a?secret=JBSWY3DP", None, 0
    )
    doc["encryptedData"] = base64.b64encode(sealed).decode()
    doc["encryptionNonce"] = base64.b64encode(header).decode()
    with pytest.raises(DamagedFileError, match="truncated"):
        ente.read(json.dumps(doc).encode(), B.PASSWORD)


def test_ente_refuses_absurd_kdf_limits_before_deriving():
    doc = json.loads(B.ente_encrypted(B.SAMPLES[:1]))
    doc["kdfParams"]["memLimit"] = 64 * 1024**3
    with pytest.raises(UnsupportedFileError):
        ente.read(json.dumps(doc).encode(), B.PASSWORD)


# -- otpauth:// lists and ente's plain export ------------------------------------------------
def test_uri_list_plain():
    result = otpauth_list.read(B.uri_list())
    assert_imports(result, B.SAMPLES, OTP_ONLY)


def test_ente_plain_code_display_and_trash():
    data = B.ente_plain(B.SAMPLES, trashed=B.SAMPLES[:1])
    result = otpauth_list.read(data)
    assert [B.fields(e) for e in result.entries] == [B.expected(s, ENTE) for s in B.SAMPLES]
    assert all(e.account.extra == () for e in result.entries)  # codeDisplay consumed
    ((number, field, label),) = [(p.number, p.field, p.label) for p in result.problems]
    assert (number, field, label) == (len(B.SAMPLES) + 1, "trashed", "Deno:Mason")


def test_ente_lower_case_sha512_vector():
    line = (
        "otpauth://hotp/WWE:Mason?algorithm=sha512&digits=8&issuer=WWE&period=30"
        "&secret=5VAML3X35THCEBVRLV24CGBKOY&counter=10300&codeDisplay=%7B%22pinned%22%3Afalse"
        "%2C%22trashed%22%3Afalse%2C%22lastUsedAt%22%3A0%2C%22tapCount%22%3A0%2C%22tags%22%3A%5B%5D%7D"
    )
    (entry,) = otpauth_list.read(line.encode()).entries
    assert B.fields(entry) == B.expected(B.SAMPLES[5], OTP_ONLY)


def test_uri_list_round_trip_keeps_groups_note_favourite_and_unknown_parameters():
    entries = [
        Entry(
            parse_uri(s.uri(extra="&image=https%3A%2F%2Fexample.com%2Fi.png")),
            groups=s.groups,
            note=s.note,
            favorite=s.favorite,
        )
        for s in B.SAMPLES
    ]
    (data,) = otpauth_list.write(entries)
    again = otpauth_list.read(data).entries
    assert [B.fields(e) for e in again] == [B.fields(e) for e in entries]
    assert [e.account.extra for e in again] == [e.account.extra for e in entries]
    plain_line = data.decode().splitlines()[1]  # SPDX: no groups/note/favourite
    assert "codeDisplay" not in plain_line


def test_uri_list_bad_lines_are_reported_by_line_number_and_the_rest_imported():
    lines = [
        "# exported by hand",
        B.SAMPLES[0].uri(),
        "otpauth://totp/Bad:base32?secret=JBSWY3DP1EHPK3PXP&issuer=Bad",
        "motp://Legacy:vpn?secret=0123456789abcdef",
        "",
        B.SAMPLES[1].uri(),
    ]
    result = otpauth_list.read("\n".join(lines).encode())
    assert [e.account.issuer for e in result.entries] == ["Deno", "SPDX"]
    assert [(p.unit, p.number, p.field, p.label) for p in result.problems] == [
        ("line", 3, "secret", "Bad:base32"),
        ("line", 4, "type", "Legacy:vpn"),
    ]
    assert "JBSWY3DP1EHPK3PXP" not in str(result.problems[0])


# -- Google Authenticator ---------------------------------------------------------------------
def test_google_public_vectors():
    (dim13,) = google_migration.read(B.GA_DIM13.encode()).entries
    account = dim13.account
    assert (account.issuer, account.name, account.secret.base32, account.type.value) == (
        "Example",
        "alice@google.com",
        "JBSWY3DPEHPK3PXP",
        "totp",
    )
    (deno,) = google_migration.read(B.GA_DENO.encode()).entries
    assert B.fields(deno) == B.expected(B.SAMPLES[0], OTP_ONLY)


def _google_uris(count: int) -> list[str]:
    accounts = [
        Account(Secret.from_base32(B.SAMPLES[0].secret), issuer=f"Issuer {i}", name=f"user{i}")
        for i in range(count)
    ]
    return build_migration_uris(accounts, per_code=10, batch_id=77)


def test_google_several_images_form_one_export():
    pngs = [make_qr_png(uri) for uri in _google_uris(23)]
    _, result = formats.read_files(list(reversed(pngs)))
    assert [e.account.issuer for e in result.entries] == [f"Issuer {i}" for i in range(23)]


def test_google_missing_codes_are_reported_by_number():
    uris = _google_uris(35)  # 4 codes
    text = "\n".join([uris[0], uris[2]]).encode()
    with pytest.raises(MissingQRCodesError) as caught:
        formats.read_files([text])
    assert caught.value.missing == [2, 4]
    assert "2, 4 of 4" in str(caught.value)


def test_google_image_with_a_plain_otpauth_qr_code():
    png = make_qr_png(B.SAMPLES[1].uri())
    fmt, result = formats.read_files([png])
    assert fmt.name == "google"
    assert [B.fields(e) for e in result.entries] == [B.expected(B.SAMPLES[1], OTP_ONLY)]


def test_google_image_without_qr_code():
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (64, 64), 255).save(buffer, format="PNG")
    with pytest.raises(DamagedFileError, match="no QR code"):
        formats.read_files([buffer.getvalue()])


def test_google_export_round_trip_in_batches_of_ten():
    entries = [Entry(Account(Secret.generate(), issuer=f"Svc{i}", name=f"u{i}")) for i in range(21)]
    entries += [Entry(parse_uri(s.uri())) for s in B.GOOGLE_SAMPLES]
    pngs = google_migration.write(entries)
    assert len(pngs) == 3
    texts = [text for png in pngs for text in read_qr(png)]
    assert all(t.startswith("otpauth-migration://") for t in texts)
    again = google_migration.read_many(pngs).entries
    assert [B.fields(e) for e in again] == [B.fields(e) for e in entries]


def test_google_export_refuses_what_it_cannot_represent_by_name():
    entries = [Entry(parse_uri(s.uri())) for s in B.SAMPLES]
    with pytest.raises(ExportRefusedError) as caught:
        google_migration.write(entries)
    message = str(caught.value)
    assert "SPDX:James" in message
    assert "Boeing:Sophia" in message
    assert "Deno:Mason" not in message


# -- twostep's own export ---------------------------------------------------------------------
def _full_entries() -> list[Entry]:
    entries = []
    for number, s in enumerate(B.SAMPLES):
        account = parse_uri(s.uri(extra="&image=x.png" if number == 0 else ""))
        icon = Icon(*s.icon) if s.icon else None
        entries.append(
            Entry(
                account,
                note=s.note,
                groups=s.groups,
                favorite=s.favorite,
                icon=icon,
                created_at=1_700_000_000.5 + number,
            )
        )
    return entries


def test_twostep_export_round_trip_keeps_everything():
    entries = _full_entries()
    (data,) = twostep_export.write(entries, B.PASSWORD, kdf=CHEAP_KDF)
    assert B.SAMPLES[0].secret not in data.decode()
    again = twostep_export.read(data, B.PASSWORD).entries
    assert list(again) == entries  # ids, created_at and unknown URI parameters included


def test_twostep_export_with_scrypt_and_default_kdf_parameters_recorded():
    (data,) = twostep_export.write(
        _full_entries()[:1], B.PASSWORD, kdf={"algorithm": "scrypt", "n": 16, "r": 8, "p": 1}
    )
    assert len(twostep_export.read(data, B.PASSWORD).entries) == 1
    assert twostep_export.DEFAULT_KDF["memory_kib"] >= 65536


def test_twostep_export_header_is_authenticated():
    (data,) = twostep_export.write(_full_entries()[:1], B.PASSWORD, kdf=CHEAP_KDF)
    doc = json.loads(data)
    doc["note"] = "added later"
    with pytest.raises(WrongPasswordError):
        twostep_export.read(json.dumps(doc).encode(), B.PASSWORD)
    with pytest.raises(WrongPasswordError):
        twostep_export.read(data, B.WRONG_PASSWORD)


def test_twostep_export_from_a_newer_version_is_refused():
    (data,) = twostep_export.write(_full_entries()[:1], B.PASSWORD, kdf=CHEAP_KDF)
    doc = dict(json.loads(data), version=2)
    with pytest.raises(UnsupportedFileError, match="newer"):
        twostep_export.read(json.dumps(doc).encode(), B.PASSWORD)


def test_twostep_export_needs_a_password():
    with pytest.raises(UnsupportedFileError):
        twostep_export.write(_full_entries(), None)


# -- a twostep vault file -------------------------------------------------------------------
def _vault_file(tmp_path, entries) -> bytes:
    from twostep.authenticator.vault import Vault
    from twostep.authenticator.vault.crypto import insecure_test_params

    path = tmp_path / "other.twostep"
    vault = Vault.create(path, B.PASSWORD, kdf=insecure_test_params(), now=1_700_000_000.0)
    vault.update(lambda current: current.extend(entries), now=1_700_000_001.0)
    return path.read_bytes()


def test_twostep_vault_file_import_keeps_everything(tmp_path):
    from twostep.authenticator.formats import twostep_vault

    entries = _full_entries()
    data = _vault_file(tmp_path, entries)
    fmt, result = formats.read_files([data], B.PASSWORD)
    assert fmt is twostep_vault.FORMAT
    assert list(result.entries) == entries
    with pytest.raises(WrongPasswordError):
        twostep_vault.read(data, B.WRONG_PASSWORD)
    damaged = bytearray(data)
    damaged[-20] ^= 1
    with pytest.raises(WrongPasswordError):
        twostep_vault.read(bytes(damaged), B.PASSWORD)
    with pytest.raises(PasswordRequiredError):
        twostep_vault.read(data)


# -- printable HTML ---------------------------------------------------------------------------
def test_html_page_has_one_qr_per_account_and_nothing_external():
    from twostep.authenticator.formats import html_export
    from twostep.otp import build_uri, make_qr_svg

    entries = _full_entries()
    entries[1] = entries[1].replace(note="<script>alert(1)</script>")
    (data,) = html_export.write(entries)
    page = data.decode()
    assert page.count("<svg") == len(entries)
    assert page.count('<section class="card">') == len(entries)
    first = entries[0].account
    expected_svg = make_qr_svg(build_uri(first), scale=4, title=f"QR code for {first.label}")
    assert expected_svg in page  # the code encodes the account's full URI
    assert "<script" not in page
    assert "&lt;script&gt;" in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in page
    assert "src=" not in page
    assert "<link" not in page
    assert "@media print" in page
    assert "break-inside: avoid" in page
    assert "Content-Security-Policy" in page
    secret = first.secret.base32
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page
