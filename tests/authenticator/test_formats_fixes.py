"""What real files showed: issuers with ':' and FreeOTP+ HOTP counters."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from twostep.authenticator import formats
from twostep.authenticator.formats import otpauth_list
from twostep.otp import OtpType, parse_uri


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
COLON = B.Sample("totp", "Corp: Team", "alice", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
COLON_HOTP = B.Sample("hotp", "A:B:C", "x:y", "KUVJJOM753IHTNDSZVCNKL7GII", counter=4)


# -- an issuer holding ':' ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("aegis", lambda samples: B.aegis_plain(B.aegis_content(samples))),
        ("2fas", B.twofas_plain),
        ("andotp", B.andotp_plain),
        ("bitwarden", B.bitwarden_json),
        ("otpauth", B.uri_list),
    ],
)
def test_an_issuer_with_a_colon_is_imported_as_it_is(name, build):
    samples = (COLON, COLON_HOTP)
    fmt, result = formats.read_files([build(samples)])
    assert fmt.name == name
    assert result.problems == ()
    got = [B.fields(e)[:3] for e in result.entries]
    assert got == [("totp", "Corp: Team", "alice"), ("hotp", "A:B:C", "x:y")]


def test_an_issuer_with_a_colon_survives_every_export():
    _, result = formats.read_files([B.aegis_plain(B.aegis_content((COLON, COLON_HOTP)))])
    for out in formats.export_formats():
        if out.name in ("html",) or out.read is None:
            continue
        password = B.PASSWORD if out.encryption == "required" else None
        held = [e for e in result.entries if out.can_hold is None or out.can_hold(e)]
        assert held, out.name
        files = out.write(held, password)
        again = formats.read_files(files, password, format_name=out.name)[1]
        assert [(e.account.issuer, e.account.name) for e in again.entries] == [
            (e.account.issuer, e.account.name) for e in held
        ], out.name


def test_a_uri_list_carries_the_colon_percent_encoded():
    entry = formats.read_files([B.uri_list((COLON,))])[1].entries[0]
    uri = otpauth_list.uri_of(entry)
    assert uri.startswith("otpauth://totp/Corp%3A%20Team:alice?")
    assert parse_uri(uri).issuer == "Corp: Team"


# -- FreeOTP+ HOTP counters -----------------------------------------------------------------------
def test_freeotp_plus_hotp_imports_the_next_counter():
    """FreeOTP+ stores the counter of the last code shown (its URI export writes that + 1, and
    the code it shows next is for that + 1). twostep's vault stores the counter of the next
    code, so the import takes stored + 1: the first code twostep gives is the one FreeOTP+
    would have shown next, never one the server has already accepted."""
    sample = B.Sample("hotp", "VPN", "me", "KUVJJOM753IHTNDSZVCNKL7GII", counter=10)
    data = B.freeotp_plus((sample,))
    stored = json.loads(data)["tokens"][0]["counter"]
    assert stored == 9  # what FreeOTP+ keeps: one less than the next counter
    (entry,) = formats.read_files([data])[1].entries
    assert entry.account.type is OtpType.HOTP
    assert entry.account.counter == stored + 1
    # the code twostep shows first is FreeOTP+'s next code, not the last one it showed
    import pyotp

    reference = pyotp.HOTP(sample.secret)
    first = entry.account.generate(counter=entry.account.counter)
    assert first == reference.at(stored + 1)
    assert first != reference.at(stored)
    # and twostep's URI of it says the same counter FreeOTP+'s own URI export would write
    assert "counter=10" in otpauth_list.uri_of(entry)
