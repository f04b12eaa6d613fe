"""The Account value, the public API and its error family, and the standard-library-only rule."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

import twostep.otp
from twostep.otp import (
    Account,
    Algorithm,
    InvalidCodeError,
    InvalidMigrationError,
    InvalidParameterError,
    InvalidSecretError,
    InvalidURIError,
    MalformedCodeError,
    OTPError,
    OtpType,
    QRDependencyError,
    QRError,
    ReusedCodeError,
    Secret,
    build_uri,
    parse_uri,
)

SECRET = Secret(b"account-test-secret!")


def test_defaults() -> None:
    account = Account(SECRET)
    assert (account.type, account.issuer, account.name) == (OtpType.TOTP, "", "")
    assert (account.algorithm, account.digits, account.period, account.counter) == (
        Algorithm.SHA1,
        6,
        30,
        0,
    )
    assert account.extra == ()
    assert account.label == ""


def test_label_and_normalisation() -> None:
    account = Account(SECRET, issuer="  ACME Corp ", name="\talice@example.com ")
    assert (account.issuer, account.name) == ("ACME Corp", "alice@example.com")
    assert account.label == "ACME Corp:alice@example.com"
    assert Account(SECRET, name="bob").label == "bob"
    assert Account(SECRET, issuer="A", name="x:y").name == "x:y"  # ':' allowed after an issuer


def test_type_specific_fields_are_normalised() -> None:
    steam = Account(SECRET, type=OtpType.STEAM, algorithm="SHA512", digits=8, period=60, counter=9)
    assert (steam.algorithm, steam.digits, steam.period, steam.counter) == (
        Algorithm.SHA1,
        5,
        30,
        0,
    )
    totp = Account(SECRET, counter=12)
    assert totp.counter == 0
    hotp = Account(SECRET, type=OtpType.HOTP, period=60, counter=12)
    assert (hotp.period, hotp.counter) == (30, 12)
    assert Account(SECRET, type="hotp", counter=3) == hotp.replace(counter=3)  # type: ignore[arg-type]
    assert Account(SECRET, algorithm="sha-256").algorithm is Algorithm.SHA256  # type: ignore[arg-type]


def test_accounts_that_mean_the_same_are_equal() -> None:
    keepass = Account(SECRET, extra=(("encoder", "steam"),))
    assert keepass == Account(SECRET, type=OtpType.STEAM)
    assert Account(SECRET, extra=((" x ", "1"),)).extra == (("x", "1"),)
    assert Account(SECRET, issuer=" A ") == Account(SECRET, issuer="A")
    assert len({Account(SECRET), Account(SECRET), Account(SECRET, name="other")}) == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"secret": b"raw bytes"}, "secret"),
        ({"secret": "JBSWY3DPEHPK3PXP"}, "secret"),
        ({"type": "yaotp"}, "type"),
        ({"algorithm": "MD5"}, "algorithm"),
        ({"digits": 5}, "digits"),
        ({"digits": 11}, "digits"),
        ({"digits": "6"}, "digits"),
        ({"period": 0}, "period"),
        ({"period": -1}, "period"),
        ({"period": 2**32 + 1}, "period"),
        ({"type": OtpType.HOTP, "counter": -1}, "counter"),
        ({"type": OtpType.HOTP, "counter": 2**64}, "counter"),
        ({"name": "A:B"}, "name"),  # a ':' in the name needs an issuer before it
        ({"issuer": "x" * 513}, "issuer"),
        ({"name": "x" * 513}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"name": "a\x1b[31mb"}, "name"),
        ({"issuer": "a\nb"}, "issuer"),
        ({"issuer": "\ud800"}, "issuer"),  # a lone surrogate
        ({"issuer": None}, "issuer"),
        ({"extra": (("secret", "X"),)}, "extra"),
        ({"extra": (("Digits", "8"),)}, "extra"),
        ({"extra": ((" ", "x"),)}, "extra"),
    ],
)
def test_invalid_accounts_are_refused_naming_the_field(
    changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        Account(**{"secret": SECRET, **changes})  # type: ignore[arg-type]
    assert caught.value.field == field
    with pytest.raises(InvalidParameterError):  # replace() validates too
        Account(SECRET).replace(**changes)


def test_accounts_are_frozen() -> None:
    account = Account(SECRET)
    with pytest.raises(dataclasses.FrozenInstanceError):
        account.digits = 8  # type: ignore[misc]


def test_longest_labels_are_accepted() -> None:
    account = Account(SECRET, issuer="i" * 512, name="n" * 512)
    assert parse_uri(build_uri(account)) == account


def test_time_based_accounts_need_the_time() -> None:
    for kind in (OtpType.TOTP, OtpType.STEAM):
        account = Account(SECRET, type=kind)
        with pytest.raises(InvalidParameterError) as caught:
            account.generate()
        assert caught.value.field == "at"
        with pytest.raises(InvalidParameterError):
            account.verify("123456")
        assert account.is_time_based


def test_hotp_accounts_use_their_counter_unless_told() -> None:
    account = Account(SECRET, type=OtpType.HOTP, counter=5)
    assert not account.is_time_based
    assert account.generate() == account.generate(counter=5) == account.generate(at=999)
    assert account.generate(counter=6) != account.generate()
    assert account.verify(account.generate(counter=8), look_ahead=3) == 8
    with pytest.raises(InvalidCodeError):
        account.verify(account.generate(counter=4), look_ahead=3)


def test_account_time_step_uses_its_period() -> None:
    assert Account(SECRET, period=60).time_step(125) == 2


# -- the public API ---------------------------------------------------------------------------
def test_public_names_are_exported_and_exist() -> None:
    expected = {
        "Secret", "OtpType", "Algorithm", "Account", "parse_uri", "build_uri",
        "parse_migration_uri", "MigrationBatch", "combine_batches", "build_migration_uris",
        "is_representable", "generate_totp", "verify_totp", "generate_hotp", "verify_hotp",
        "time_step", "seconds_remaining", "find_drift", "Drift", "normalize_code",
        "make_qr_png", "make_qr_svg", "make_qr_text", "read_qr", "OTPError",
        "InvalidSecretError", "InvalidParameterError", "InvalidURIError", "InvalidMigrationError",
        "InvalidCodeError", "MalformedCodeError", "ReusedCodeError", "QRError",
        "QRDependencyError",
    }  # fmt: skip
    assert expected <= set(twostep.otp.__all__)
    for name in twostep.otp.__all__:
        assert hasattr(twostep.otp, name), name
    assert len(set(twostep.otp.__all__)) == len(twostep.otp.__all__)


def test_the_error_family() -> None:
    family = [
        InvalidSecretError,
        InvalidParameterError,
        InvalidURIError,
        InvalidMigrationError,
        InvalidCodeError,
        MalformedCodeError,
        ReusedCodeError,
        QRError,
        QRDependencyError,
    ]
    for error in family:
        assert issubclass(error, OTPError)
        assert issubclass(error, ValueError)
        assert error.__name__.endswith("Error")
        assert error.__doc__
    assert issubclass(InvalidMigrationError, InvalidURIError)
    assert issubclass(MalformedCodeError, InvalidCodeError)
    assert issubclass(ReusedCodeError, InvalidCodeError)
    assert issubclass(QRDependencyError, QRError)
    assert issubclass(QRDependencyError, ImportError)
    assert InvalidURIError("label", "bad").field == "label"
    assert str(InvalidParameterError("digits", "too many")) == "digits: too many"
    assert ReusedCodeError(7).step == 7
    assert InvalidMigrationError("batch", "x", missing=[2]).missing == [2]
    assert InvalidMigrationError("data", "x").missing == []


def test_the_core_imports_only_the_standard_library() -> None:
    """QR support imports segno / zxing-cpp / Pillow lazily; nothing else outside the stdlib."""
    script = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import twostep.otp\n"
        "from twostep.otp import parse_uri, generate_totp\n"
        "generate_totp(b'k' * 20, 59)\n"
        "parse_uri('otpauth://totp/a?secret=JBSWY3DPEHPK3PXP')\n"
        "new = {name.split('.')[0] for name in set(sys.modules) - before}\n"
        "print(' '.join(sorted(new - set(sys.stdlib_module_names) - {'twostep'})))\n"
        "print(' '.join(sorted(n for n in sys.modules if n.startswith('twostep.')"
        " and not n.startswith('twostep.otp'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    outside_stdlib, other_twostep = done.stdout.split("\n")[:2]
    assert outside_stdlib == ""
    assert other_twostep == ""


def test_an_issuer_may_hold_a_colon_and_survives_uris_and_export_codes() -> None:
    """Aegis allows 'Company: Team' as an issuer; twostep keeps it everywhere."""
    from twostep.otp import build_migration_uris, build_uri, combine_batches, parse_migration_uri
    from twostep.otp import parse_uri as parse

    account = Account(Secret.from_base32("JBSWY3DPEHPK3PXP"), issuer="Corp: Team", name="a:b")
    uri = build_uri(account)
    assert uri.startswith("otpauth://totp/Corp%3A%20Team:a%3Ab?")
    assert parse(uri) == account
    (code,) = build_migration_uris([account])
    assert combine_batches([parse_migration_uri(code)]) == [account]
