"""Export to 2FAS and Bitwarden: each file checked against the format's own rules, then read back.

The rules are the apps' (2FAS Android ``BackupContent``/``BackupService``/``BackupCipherImpl``:
kotlinx JSON without nulls, PBKDF2-HMAC-SHA256 with 10,000 iterations and a 256-byte salt,
AES-GCM with a 12-byte IV, ``data:salt:iv`` in Base64; Bitwarden's unencrypted JSON export:
``encrypted``, ``folders``, login items with ``login.totp``). Decryption and URI parsing here use
the primitives directly (hashlib, cryptography, urllib), not twostep's readers, so a writer
that only agrees with twostep's own importer would fail.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from twostep.authenticator import formats
from twostep.authenticator.formats import aegis, bitwarden, twofas
from twostep.authenticator.formats.errors import ExportRefusedError, WrongPasswordError


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
BASE32 = re.compile(r"^[A-Z2-7]+$")  # upper case, unpadded
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _entries(samples=B.SAMPLES):
    """The samples as twostep entries (through an Aegis file, which carries every field)."""
    return list(aegis.read(B.aegis_plain(B.aegis_content(samples))).entries)


def _raw(base32: str) -> bytes:
    return base64.b32decode(base32 + "=" * (-len(base32) % 8))


def _b64(text: str) -> bytes:
    """Strict standard Base64 with padding, as 2FAS's encodeBase64 writes it."""
    assert len(text) % 4 == 0
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as exc:  # pragma: no cover - the assertion message
        raise AssertionError(f"not Base64: {exc}") from None


def _no_nulls(value) -> None:
    """kotlinx JSON with explicitNulls = false writes no null anywhere."""
    if isinstance(value, dict):
        for item in value.values():
            assert item is not None
            _no_nulls(item)
    elif isinstance(value, list):
        for item in value:
            _no_nulls(item)


# -- 2FAS ---------------------------------------------------------------------------------------
TWOFAS_TOP = {
    "services",
    "groups",
    "updatedAt",
    "schemaVersion",
    "appVersionCode",
    "appVersionName",
    "appOrigin",
}
SERVICE_KEYS = {"name", "secret", "updatedAt", "type", "serviceTypeID", "otp", "order"}
SERVICE_KEYS |= {"badge", "icon", "groupId"}
OTP_KEYS = {"link", "label", "account", "issuer", "digits", "period", "algorithm", "counter"}
OTP_KEYS |= {"tokenType", "source"}


def _check_2fas_services(services: list, groups: list, samples) -> None:
    group_ids = {g["id"]: g["name"] for g in groups}
    assert len(services) == len(samples)
    for position, (service, sample) in enumerate(zip(services, samples, strict=True)):
        assert set(service) <= SERVICE_KEYS
        assert {"name", "secret", "updatedAt", "otp", "order"} <= set(service)
        assert service["name"] == sample.issuer
        assert BASE32.match(service["secret"])
        assert _raw(service["secret"]) == sample.raw
        assert type(service["updatedAt"]) is int
        assert service["order"] == {"position": position}
        otp = service["otp"]
        assert set(otp) <= OTP_KEYS
        assert otp["account"] == sample.name
        assert otp["issuer"] == sample.issuer
        assert otp["tokenType"] == sample.type.upper()
        assert otp["tokenType"] in ("TOTP", "HOTP", "STEAM")
        assert otp["algorithm"] in ("SHA1", "SHA224", "SHA256", "SHA384", "SHA512")
        assert type(otp["digits"]) is int
        assert 5 <= otp["digits"] <= 8  # the digit counts 2FAS makes codes of
        assert type(otp["period"]) is int
        if sample.type == "steam":
            assert (otp["digits"], otp["algorithm"], otp["period"]) == (5, "SHA1", 30)
        else:
            assert (otp["algorithm"], otp["digits"]) == (sample.algorithm, sample.digits)
        if sample.type == "hotp":
            assert otp["counter"] == sample.counter
            assert type(otp["counter"]) is int
            assert otp["counter"] < 2**31
        else:
            assert "counter" not in otp
            if sample.type == "totp":
                assert otp["period"] == sample.period
        assert otp["source"] in ("Link", "Manual")
        icon = service["icon"]
        assert icon["selected"] in ("Brand", "Label", "IconCollection")
        assert set(icon["label"]) == {"text", "backgroundColor"}
        if sample.groups:
            assert group_ids[service["groupId"]] == sample.groups[0]
        else:
            assert "groupId" not in service
    for group in groups:
        assert set(group) == {"id", "name", "isExpanded", "updatedAt"}
        assert UUID.match(group["id"])
        assert type(group["isExpanded"]) is bool
        assert type(group["updatedAt"]) is int


def test_2fas_plain_export_has_the_apps_layout():
    (data,) = twofas.write(_entries())
    doc = json.loads(data)
    assert set(doc) == TWOFAS_TOP
    assert doc["schemaVersion"] == 4
    assert type(doc["updatedAt"]) is int
    assert doc["updatedAt"] > 1_600_000_000_000  # milliseconds
    assert (type(doc["appVersionCode"]), type(doc["appVersionName"])) == (int, str)
    _no_nulls(doc)
    _check_2fas_services(doc["services"], doc["groups"], B.SAMPLES)


def test_2fas_encrypted_export_uses_the_apps_key_derivation_and_layout():
    (data,) = twofas.write(_entries(), B.PASSWORD)
    doc = json.loads(data)
    assert set(doc) == TWOFAS_TOP | {"servicesEncrypted", "reference"}
    assert doc["services"] == []
    _no_nulls(doc)
    sealed, salt, iv = (_b64(part) for part in doc["servicesEncrypted"].split(":"))
    ref_sealed, ref_salt, ref_iv = (_b64(part) for part in doc["reference"].split(":"))
    assert len(salt) == 256  # BackupSaltGeneratorRandom
    assert (len(iv), len(ref_iv)) == (12, 12)
    assert ref_salt == salt  # one key for both, as BackupCipherImpl.encrypt makes it
    assert ref_iv != iv
    key = hashlib.pbkdf2_hmac("sha256", B.PASSWORD.encode(), salt, 10_000, 32)
    reference = AESGCM(key).decrypt(ref_iv, ref_sealed, None).decode()
    assert reference == twofas.REFERENCE
    assert len(reference) == 256
    services = json.loads(AESGCM(key).decrypt(iv, sealed, None))
    _check_2fas_services(services, doc["groups"], B.SAMPLES)


@pytest.mark.parametrize("password", [None, B.PASSWORD])
def test_2fas_export_reads_back_field_by_field(password):
    (data,) = twofas.write(_entries(), password)
    fmt, result = formats.read_files([data], password)
    assert fmt.name == "2fas"
    assert result.problems == ()
    carried = B.Carried(groups="one")
    assert [B.fields(e) for e in result.entries] == [B.expected(s, carried) for s in B.SAMPLES]


def test_2fas_encrypted_export_refuses_a_wrong_password():
    (data,) = twofas.write(_entries(B.SAMPLES[:1]), B.PASSWORD)
    with pytest.raises(WrongPasswordError):
        twofas.read(data, B.WRONG_PASSWORD)


def test_2fas_export_refuses_what_it_cannot_hold_by_name():
    nine = B.Sample("totp", "Bank", "me", B.SAMPLES[0].secret, digits=9)
    with pytest.raises(ExportRefusedError, match="Bank:me"):
        twofas.write(_entries((B.SAMPLES[0], nine)))


# -- Bitwarden --------------------------------------------------------------------------------
ITEM_KEYS = {
    "passwordHistory",
    "revisionDate",
    "creationDate",
    "deletedDate",
    "id",
    "organizationId",
    "folderId",
    "type",
    "reprompt",
    "name",
    "notes",
    "favorite",
    "login",
    "collectionIds",
}
LOGIN_KEYS = {"fido2Credentials", "uris", "username", "password", "totp"}
BITWARDEN_SAMPLES = tuple(s for s in B.SAMPLES if s.type != "hotp")


def _check_totp(totp: str, sample) -> None:
    if sample.type == "steam":
        assert totp.startswith("steam://")
        secret = totp.removeprefix("steam://")
        assert BASE32.match(secret)
        assert _raw(secret) == sample.raw
        return
    parts = urlsplit(totp)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    query = parse_qs(parts.query)
    assert BASE32.match(query["secret"][0])
    assert _raw(query["secret"][0]) == sample.raw
    assert query["issuer"] == [sample.issuer]
    issuer, _, name = unquote(parts.path.removeprefix("/")).partition(":")
    assert (issuer, name) == (sample.issuer, sample.name)
    assert query.get("algorithm", ["SHA1"]) == [sample.algorithm]
    assert int(query.get("digits", ["6"])[0]) == sample.digits
    assert int(query.get("period", ["30"])[0]) == sample.period


def test_bitwarden_export_has_the_apps_layout():
    (data,) = bitwarden.write(_entries(BITWARDEN_SAMPLES))
    doc = json.loads(data)
    assert set(doc) == {"encrypted", "folders", "items"}
    assert doc["encrypted"] is False
    folders = {f["id"]: f["name"] for f in doc["folders"]}
    for folder in doc["folders"]:
        assert set(folder) == {"id", "name"}
        assert UUID.match(folder["id"])
    assert len(doc["items"]) == len(BITWARDEN_SAMPLES)
    for item, sample in zip(doc["items"], BITWARDEN_SAMPLES, strict=True):
        assert set(item) == ITEM_KEYS
        assert item["type"] == 1  # login
        assert item["reprompt"] == 0
        assert UUID.match(item["id"])
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", item["revisionDate"])
        assert item["name"] == sample.issuer
        assert item["notes"] == (sample.note or None)
        assert item["favorite"] is sample.favorite
        if sample.groups:
            assert folders[item["folderId"]] == sample.groups[0]
        else:
            assert item["folderId"] is None
        login = item["login"]
        assert set(login) == LOGIN_KEYS
        assert login["username"] == sample.name
        assert (login["uris"], login["fido2Credentials"], login["password"]) == ([], [], None)
        _check_totp(login["totp"], sample)


def test_bitwarden_export_reads_back_field_by_field():
    (data,) = bitwarden.write(_entries(BITWARDEN_SAMPLES))
    fmt, result = formats.read_files([data])
    assert fmt.name == "bitwarden"
    assert result.problems == ()
    carried = B.Carried(groups="one", note=True, favorite=True)
    assert [B.fields(e) for e in result.entries] == [
        B.expected(s, carried) for s in BITWARDEN_SAMPLES
    ]


def test_bitwarden_export_refuses_hotp_by_name():
    with pytest.raises(ExportRefusedError) as caught:
        bitwarden.write(_entries())
    for sample in B.SAMPLES:
        assert (sample.label in str(caught.value)) is (sample.type == "hotp")
