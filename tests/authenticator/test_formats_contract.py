"""The contract every registered format keeps, checked the same way for all of them.

- it recognises its own files, and no other format's;
- asked to read another format's file, it says so (WrongFormatError), it does not guess;
- encrypted files: no password -> PasswordRequiredError, wrong one -> WrongPasswordError;
- one bad entry is one problem (entry number, field), the others are imported;
- no error message and no problem ever contains a secret or a password;
- truncated files give a documented error, never a crash.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import pkgutil
import secrets
import sys
from pathlib import Path
from types import ModuleType

import pytest

from twostep.authenticator import formats
from twostep.authenticator.formats import _crypto, twostep_export
from twostep.authenticator.formats.errors import (
    FormatError,
    PasswordRequiredError,
    WrongFormatError,
    WrongPasswordError,
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


def _load_more_a() -> ModuleType:
    name = "twostep_tests_formats_builders_more_a"
    if name not in sys.modules:
        path = Path(__file__).with_name("formats_data") / "builders_more_a.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


M = _load_more_a()
CHEAP_KDF = {"algorithm": "argon2id", "time_cost": 1, "memory_kib": 64, "parallelism": 1}
BAD_SECRET = "JBSWY3DP1EHPK3PXP"  # '1' is not Base32


def _twostep_export(items: list[dict]) -> bytes:
    """A twostep export with arbitrary entry JSON (the writer only takes valid entries)."""
    kdf = dict(CHEAP_KDF, salt=base64.b64encode(secrets.token_bytes(16)).decode())
    nonce = secrets.token_bytes(12)
    doc = {
        "format": "twostep-export",
        "version": 1,
        "kdf": kdf,
        "cipher": {"algorithm": "AES-256-GCM", "nonce": base64.b64encode(nonce).decode()},
    }
    key = twostep_export._derive(B.PASSWORD, kdf)
    sealed = _crypto.aes_gcm_seal(
        key, nonce, json.dumps({"entries": items}).encode(), twostep_export._aad(doc)
    )
    doc["data"] = base64.b64encode(sealed).decode()
    return json.dumps(doc).encode()


def _twostep_items(samples) -> list[dict]:
    return [
        {
            "type": s.type,
            "issuer": s.issuer,
            "name": s.name,
            "secret": s.secret,
            "algorithm": s.algorithm,
            "digits": s.digits,
            "period": s.period,
            "counter": s.counter,
        }
        for s in samples
    ]


def _vault_file(items: list[dict]) -> bytes:
    import tempfile

    from twostep.authenticator.vault import Vault
    from twostep.authenticator.vault.codec import entry_from_dict
    from twostep.authenticator.vault.crypto import insecure_test_params

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "v.twostep"
        vault = Vault.create(path, B.PASSWORD, kdf=insecure_test_params(), now=1.0)
        entries = [entry_from_dict(dict(item, id=str(n), extra=[])) for n, item in enumerate(items)]
        vault.update(lambda current: current.extend(entries), now=2.0)
        return path.read_bytes()


def _fixtures() -> dict[str, list[tuple[str, bytes]]]:
    fixtures = B.all_fixtures()
    fixtures.update(M.all_fixtures(B.SAMPLES[:3]))
    fixtures["twostep"] = [("encrypted", _twostep_export(_twostep_items(B.SAMPLES[:3])))]
    fixtures["twostep-vault"] = [("vault", _vault_file(_twostep_items(B.SAMPLES[:3])))]
    return fixtures


FIXTURES = _fixtures()
CASES = [(name, kind, data) for name, files in FIXTURES.items() for kind, data in files]
ENCRYPTED = [(n, k, d) for n, k, d in CASES if formats.get_format(n).is_encrypted(d)]
CASE_IDS = [f"{n}-{k}" for n, k, _ in CASES]
LEAKABLE = [s.secret for s in B.SAMPLES] + [BAD_SECRET, B.PASSWORD, B.WRONG_PASSWORD]


def assert_no_leak(text: str) -> None:
    for secret in LEAKABLE:
        assert secret not in text
        assert secret.lower() not in text


def test_registry_holds_every_format_module_once():
    package = Path(formats.__file__).parent
    modules = [m.name for m in pkgutil.iter_modules([str(package)]) if not m.name.startswith("_")]
    with_format = [
        name
        for name in modules
        if hasattr(importlib.import_module(f"twostep.authenticator.formats.{name}"), "FORMAT")
    ]
    assert len(with_format) == len(formats.FORMATS)
    assert len({f.name for f in formats.FORMATS}) == len(formats.FORMATS)
    for fmt in formats.FORMATS:
        assert fmt.can_import == (fmt.detect is not None)
        assert fmt.summary
        assert fmt.title


def test_every_import_format_has_fixtures_here():
    assert {f.name for f in formats.import_formats()} == set(FIXTURES)


def test_export_formats_are_the_promised_ones():
    assert {f.name for f in formats.export_formats()} == {
        "twostep",
        "aegis",
        "2fas",
        "bitwarden",
        "otpauth",
        "google",
        "html",
    }


@pytest.mark.parametrize(("name", "kind", "data"), CASES, ids=CASE_IDS)
def test_detects_its_own_files_and_no_other_format_claims_them(name, kind, data):
    assert formats.get_format(name).detect(data)
    claimed = [f.name for f in formats.import_formats() if f.detect(data)]
    # a WinAuth export is also a plain otpauth list (read less fully): winauth is tried first
    assert claimed == ([name, "otpauth"] if name == "winauth" else [name])
    assert formats.detect_format(data).name == name


@pytest.mark.parametrize(("name", "kind", "data"), CASES, ids=CASE_IDS)
def test_reads_its_own_files(name, kind, data):
    fmt, result = formats.read_files([data], B.PASSWORD)
    assert fmt.name == name
    assert result.problems == ()
    assert 0 < len(result.entries) <= result.total  # Bitwarden counts its non-TOTP items too


@pytest.mark.parametrize(("name", "kind", "data"), CASES, ids=CASE_IDS)
def test_other_formats_refuse_the_file_by_name(name, kind, data):
    for fmt in formats.import_formats():
        if fmt.name == name or (name, fmt.name) == ("winauth", "otpauth"):
            continue
        with pytest.raises(WrongFormatError) as caught:
            fmt.read(data, B.PASSWORD)
        assert_no_leak(str(caught.value))
        with pytest.raises(WrongFormatError, match=f"--format {name}"):
            formats.read_files([data], B.PASSWORD, format_name=fmt.name)


@pytest.mark.parametrize(
    ("name", "kind", "data"), ENCRYPTED, ids=[f"{n}-{k}" for n, k, _ in ENCRYPTED]
)
def test_encrypted_files_need_the_right_password(name, kind, data):
    fmt = formats.get_format(name)
    with pytest.raises(PasswordRequiredError) as missing:
        fmt.read(data, None)
    with pytest.raises(WrongPasswordError) as wrong:
        fmt.read(data, B.WRONG_PASSWORD)
    assert_no_leak(str(missing.value))
    assert_no_leak(str(wrong.value))
    assert "wrong password" in str(wrong.value)


def test_every_encrypted_format_is_covered():
    assert {n for n, _, _ in ENCRYPTED} == {
        "aegis",
        "2fas",
        "andotp",
        "ente",
        "twostep",
        "twostep-vault",
        "stratum",
        "freeotp",
        "proton",
        "authy",
        "totp-auth",
        "authplus",
    }


# -- one bad entry ----------------------------------------------------------------------------
def _with_bad_second(samples):
    bad = B.Sample("totp", "Broken", "bob", BAD_SECRET)
    return (samples[0], bad, samples[1])


def _bad_files() -> list[tuple[str, bytes]]:
    s = _with_bad_second(B.SAMPLES)
    good = (s[0], s[2])
    freeotp = json.loads(B.freeotp_plus(good))
    broken_token = dict(freeotp["tokens"][0], issuerExt="Broken", issuerInt="Broken", label="bob")
    broken_token["secret"] = [300, 1, 2]
    freeotp["tokens"].insert(1, broken_token)
    stratum = M.stratum_doc(good)
    broken = dict(stratum["Authenticators"][0], Issuer="Broken", Username="bob", Secret=BAD_SECRET)
    stratum["Authenticators"].insert(1, broken)
    tokens_xml = M.freeotp_xml_of(
        [
            ("Deno:Mason", M.freeotp_token(good[0], v2=False)),
            (
                "Broken:bob",
                dict(
                    M.freeotp_token(good[0], v2=False),
                    issuerInt="Broken",
                    issuerExt="Broken",
                    label="bob",
                    secret=[300, 1, 2],
                ),
            ),
            ("SPDX:James", M.freeotp_token(good[1], v2=False)),
        ]
    )
    return [
        ("aegis", B.aegis_plain(B.aegis_content(s))),
        ("aegis", B.aegis_encrypted(B.aegis_content(s))),
        ("2fas", B.twofas_plain(s)),
        ("2fas", B.twofas_encrypted(s)),
        ("andotp", B.andotp_plain(s)),
        ("andotp", B.andotp_encrypted(s)),
        ("freeotp-plus", json.dumps(freeotp).encode()),
        ("bitwarden", B.bitwarden_json(s)),
        ("bitwarden", B.bitwarden_csv(s)),
        ("ente", B.ente_encrypted(plaintext=B.ente_plain(s))),
        ("stratum", json.dumps(stratum).encode()),
        ("freeotp", tokens_xml),
        ("proton", M.proton_plain(s)),
        ("otpauth", B.uri_list(s)),
        ("otpauth", B.ente_plain(s)),
        ("twostep", _twostep_export(_twostep_items(s))),
    ]


BAD_FILES = _bad_files()


@pytest.mark.parametrize(
    ("name", "data"), BAD_FILES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(BAD_FILES)]
)
def test_one_bad_secret_is_one_problem_and_never_shown(name, data):
    fmt, result = formats.read_files([data], B.PASSWORD)
    assert fmt.name == name
    assert [(e.account.issuer, e.account.name) for e in result.entries] == [
        ("Deno", "Mason"),
        ("SPDX", "James"),
    ]
    (problem,) = result.problems
    # the Bitwarden fixtures start with items that are not TOTP logins (2 in JSON, 1 in CSV)
    leading = 0 if name != "bitwarden" else 1 if data.startswith(b"folder") else 2
    assert problem.number == 2 + leading
    assert problem.field == "secret"
    assert problem.label == "Broken:bob"
    assert_no_leak(str(problem))
    assert_no_leak(repr(problem))


# -- truncation -------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "kind", "data"), CASES, ids=CASE_IDS)
@pytest.mark.parametrize("keep", [0.0, 0.1, 0.5, 0.9, 0.99])
def test_truncated_files_give_a_documented_error(name, kind, data, keep):
    cut = data[: int(len(data) * keep)]
    try:
        _, result = formats.read_files([cut], B.PASSWORD, format_name=name)
    except FormatError as exc:
        assert_no_leak(str(exc))
    else:  # a text list cut at a line end is still a (shorter) list
        assert name in ("otpauth", "google", "bitwarden", "winauth")
        assert len(result.entries) <= result.total
        for problem in result.problems:
            assert_no_leak(str(problem))


def test_unknown_content_and_mixed_files_are_refused():
    with pytest.raises(formats.UnrecognizedFormatError, match="--format"):
        formats.read_files([b'{"hello": "world"}'])
    with pytest.raises(WrongFormatError, match="different formats"):
        formats.read_files([B.uri_list(), B.andotp_plain()])
    with pytest.raises(formats.UnrecognizedFormatError, match="no format called"):
        formats.get_format("lastpass")


def test_files_above_the_limit_are_refused_unread():
    huge = b"otpauth://totp/a?secret=JBSWY3DPEHPK3PXP\n" * (formats.MAX_IMPORT_BYTES // 40 + 1)
    assert len(huge) > formats.MAX_IMPORT_BYTES
    with pytest.raises(formats.FileTooLargeError, match="20 MB"):
        formats.read_files([huge])
    _, result = formats.read_files([huge[: 1000 * 41]])
    assert len(result.entries) == 1000


@pytest.mark.parametrize("padding", range(4))
def test_detection_survives_a_character_cut_at_the_sniffing_limit(padding):
    line = "otpauth://totp/Z%C3%BCrich:%C3%BC?secret=JBSWY3DPEHPK3PXP&issuer=Zürich ü\n"
    data = ("#" * padding + "\n" + line * 1200).encode()
    assert len(data) > 65536
    assert formats.detect_format(data).name == "otpauth"


def test_common_binary_files_are_not_taken_for_andotp_backups():
    import io

    from PIL import Image

    for kind in ("TIFF", "ICO"):
        buffer = io.BytesIO()
        Image.new("RGB", (8, 8)).save(buffer, format=kind)
        assert formats.detect_format(buffer.getvalue()) is None
    heic_like = b"\x00\x00\x00\x18ftypheic" + bytes(range(200, 256)) * 4
    assert formats.detect_format(heic_like) is None
