"""Google Authenticator's export (``otpauth-migration://``, formats.md §2.2): decode, encode,
batches."""

from __future__ import annotations

import base64
import random
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twostep.otp import (
    Account,
    Algorithm,
    InvalidMigrationError,
    InvalidParameterError,
    InvalidURIError,
    MigrationBatch,
    OtpType,
    Secret,
    build_migration_uris,
    combine_batches,
    is_representable,
    parse_migration_uri,
    skipped_in_export,
)

from .strategies import migration_accounts

EXAMPLE_DIM13 = (
    "otpauth-migration://offline?data="
    "CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXhhbXBsZTAC"
)
EXAMPLE_DENO = (
    "otpauth-migration://offline?data="
    "CiUKEOSScPDSHzZchAj4tHXFJnwSBU1hc29uGgREZW5vIAEoATACEAEYASAAKNIJ"
)


# -- a protobuf writer of our own, to forge payloads ------------------------------------------
def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, value: int | bytes) -> bytes:
    if isinstance(value, int):
        return _varint(number << 3) + _varint(value)
    return _varint(number << 3 | 2) + _varint(len(value)) + value


def _otp(
    secret: bytes = b"Hello!\xde\xad\xbe\xef", name: bytes = b"alice", **fields: int | bytes
) -> bytes:
    numbers = {"issuer": 3, "algorithm": 4, "digits": 5, "type": 6, "counter": 7}
    out = _field(1, secret) + _field(2, name)
    for key, value in fields.items():
        out += _field(numbers[key], value)
    return out


def _uri(payload: bytes) -> str:
    return "otpauth-migration://offline?data=" + quote(base64.b64encode(payload).decode(), safe="")


# -- the worked examples of formats.md §2.2 ----------------------------------------------------
def test_decodes_the_dim13_example() -> None:
    batch = parse_migration_uri(EXAMPLE_DIM13)
    assert batch == MigrationBatch(
        accounts=(
            Account(
                Secret.from_base32("JBSWY3DPEHPK3PXP"),
                type=OtpType.TOTP,
                issuer="Example",
                name="alice@google.com",  # the "Example:" prefix of the name is dropped
            ),
        ),
        version=1,
        batch_size=1,
        batch_index=0,
        batch_id=0,
    )


def test_decodes_and_reencodes_the_deno_example_exactly() -> None:
    batch = parse_migration_uri(EXAMPLE_DENO)
    (account,) = batch.accounts
    assert (account.issuer, account.name, account.type) == ("Deno", "Mason", OtpType.TOTP)
    assert (account.algorithm, account.digits, account.period) == (Algorithm.SHA1, 6, 30)
    assert account.secret.bits == 128
    assert (batch.version, batch.batch_size, batch.batch_index, batch.batch_id) == (1, 1, 0, 1234)
    assert build_migration_uris([account], batch_id=1234) == [EXAMPLE_DENO]


def test_decoding_is_lenient_about_base64() -> None:
    data = EXAMPLE_DENO.split("data=")[1]
    payload = base64.b64decode(data)
    urlsafe = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    expected = parse_migration_uri(EXAMPLE_DENO)
    assert parse_migration_uri(f"otpauth-migration://offline?data={urlsafe}") == expected
    # a '+' that became a space on the way (pasted URL, form encoding)
    plus = next(
        uri
        for uri in (_uri(_field(1, _otp(secret=bytes([i]) * 21))) for i in range(256))
        if "%2B" in uri
    )
    spaced = plus.replace("%2B", " ")
    assert parse_migration_uri(spaced) == parse_migration_uri(plus)
    assert parse_migration_uri("  OTPAUTH-MIGRATION://offline?data=" + data + "  ") == expected


def test_name_with_issuer_prefix_and_no_issuer_is_split() -> None:
    (account,) = parse_migration_uri(_uri(_field(1, _otp(name=b"ACME:bob")))).accounts
    assert (account.issuer, account.name) == ("ACME", "bob")


def test_enum_values_are_mapped() -> None:
    payload = b"".join(
        _field(1, _otp(name=f"n{i}".encode(), algorithm=a, digits=d, type=t, counter=7))
        for i, (a, d, t) in enumerate([(0, 0, 0), (1, 1, 1), (2, 2, 2), (3, 1, 1)])
    )
    accounts = parse_migration_uri(_uri(payload)).accounts
    assert [(a.algorithm, a.digits, a.type, a.counter) for a in accounts] == [
        (Algorithm.SHA1, 6, OtpType.TOTP, 0),
        (Algorithm.SHA1, 6, OtpType.HOTP, 7),
        (Algorithm.SHA256, 8, OtpType.TOTP, 0),
        (Algorithm.SHA512, 6, OtpType.HOTP, 7),
    ]


# -- round trips --------------------------------------------------------------------------------
@settings(max_examples=150, deadline=None)
@given(
    st.lists(migration_accounts(), max_size=25),
    st.integers(1, 10),
    st.integers(0, 2**31 - 1),
    st.randoms(use_true_random=False),
)
def test_round_trip_through_batches(
    accounts: list[Account], per_code: int, batch_id: int, rng: random.Random
) -> None:
    uris = build_migration_uris(accounts, batch_id=batch_id, per_code=per_code)
    assert len(uris) == max(1, -(-len(accounts) // per_code))
    batches = [parse_migration_uri(uri) for uri in uris]
    for index, batch in enumerate(batches):
        assert (batch.batch_index, batch.batch_size) == (index, len(uris))
        assert batch.batch_id == batch_id
        assert batch.version == 1
        assert len(batch.accounts) <= per_code
    rng.shuffle(batches)  # scanned in any order
    assert combine_batches(batches) == accounts


def test_a_name_starting_with_its_issuer_survives() -> None:
    account = Account(Secret(b"k" * 20), issuer="ACME", name="ACME:alice")
    (uri,) = build_migration_uris([account])
    assert combine_batches([parse_migration_uri(uri)]) == [account]


def test_random_batch_ids_are_used_when_none_is_given() -> None:
    account = Account(Secret(b"k" * 20), name="a")
    ids = {parse_migration_uri(build_migration_uris([account])[0]).batch_id for _ in range(5)}
    assert len(ids) > 1
    assert all(0 < i < 2**31 for i in ids)


# -- batches ------------------------------------------------------------------------------------
def _batches(count: int, batch_id: int = 77) -> list[MigrationBatch]:
    accounts = [Account(Secret(bytes([i + 1]) * 20), name=f"user{i}") for i in range(count)]
    uris = build_migration_uris(accounts, batch_id=batch_id, per_code=1)
    return [parse_migration_uri(uri) for uri in uris]


@pytest.mark.parametrize(
    ("keep", "missing", "message"),
    [
        ([0, 1, 3, 4], [3], "QR code 3 of 5 is missing"),
        ([1, 2, 3], [1, 5], "QR codes 1, 5 of 5 are missing"),
        ([4], [1, 2, 3, 4], "QR codes 1, 2, 3, 4 of 5 are missing"),
    ],
)
def test_combine_batches_reports_missing_codes(
    keep: list[int], missing: list[int], message: str
) -> None:
    batches = _batches(5)
    with pytest.raises(InvalidMigrationError) as caught:
        combine_batches([batches[i] for i in keep])
    assert caught.value.missing == missing
    assert caught.value.field == "batch"
    assert message in str(caught.value)


def test_combine_batches_refuses_mixed_exports() -> None:
    with pytest.raises(InvalidMigrationError) as caught:
        combine_batches([_batches(2, batch_id=1)[0], _batches(2, batch_id=2)[1]])
    assert "different exports" in str(caught.value)
    assert caught.value.missing == []


def test_combine_batches_refuses_nothing() -> None:
    with pytest.raises(InvalidMigrationError):
        combine_batches([])


def test_a_duplicate_scan_is_harmless() -> None:
    batches = _batches(3)
    assert len(combine_batches([*batches, batches[1]])) == 3


# -- what the format cannot carry ---------------------------------------------------------------
@pytest.mark.parametrize(
    "account",
    [
        Account(Secret(b"k" * 20), type=OtpType.STEAM, issuer="Steam", name="gabe"),
        Account(Secret(b"k" * 20), issuer="Slow", name="p60", period=60),
        Account(Secret(b"k" * 20), issuer="Seven", name="d7", digits=7),
        Account(Secret(b"k" * 20), issuer="Ten", name="d10", digits=10),
    ],
    ids=["steam", "period", "digits7", "digits10"],
)
def test_unrepresentable_accounts_are_refused_by_name(account: Account) -> None:
    fine = Account(Secret(b"f" * 20), issuer="Fine", name="ok")
    assert is_representable(fine)
    assert not is_representable(account)
    with pytest.raises(InvalidParameterError) as caught:
        build_migration_uris([fine, account])
    assert caught.value.field == "accounts"
    assert account.label in str(caught.value)
    assert "Fine" not in str(caught.value)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"per_code": 0}, "per_code"), ({"per_code": 11}, "per_code"), ({"batch_id": -1}, "batch_id")],
)
def test_build_checks_its_options(kwargs: dict[str, int], field: str) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        build_migration_uris([Account(Secret(b"k" * 20))], **kwargs)
    assert caught.value.field == field


# -- malformed exports ------------------------------------------------------------------------
SECRET = b"\x01SECRET-BYTES\x02"
MALFORMED = [
    ("otpauth://offline?data=CiUK", "scheme"),
    ("otpauth-migration:/offline?data=CiUK", "scheme"),
    ("", "scheme"),
    ("otpauth-migration://offline", "data"),
    ("otpauth-migration://offline?dat=CiUK", "data"),
    ("otpauth-migration://offline?data=%%%%", "data"),
    ("otpauth-migration://offline?data=" + "A" * 70_000, "data"),
    ("otpauth-migration://offline?data=Cg", "data"),  # tag, then nothing
    (_uri(_field(1, 5)), "data"),  # otp_parameters as a varint
    (_uri(b"\x0b"), "data"),  # wire type 3 (groups)
    (_uri(b"\x08" + b"\xff" * 11), "data"),  # varint too long
    (_uri(_field(1, _otp(secret=SECRET)[:-3])), "data"),  # truncated account
    (_uri(_field(1, _otp(secret=SECRET, name=b"\xff\xfe"))), "account 1 name"),
    (_uri(_field(1, _otp(secret=SECRET, issuer=b"\xc3"))), "account 1 issuer"),
    (_uri(_field(1, _otp(secret=SECRET, name=5))), "account 1 name"),  # type: ignore[arg-type]
    (_uri(_field(1, _otp(secret=SECRET)) + _field(3, 2) + _field(4, 2)), "batch_index"),
    (_uri(_field(1, _otp(secret=SECRET)) + _field(3, 2**62)), "batch_size"),
    (_uri(_field(1, _otp(secret=SECRET)) + _field(3, b"x")), "batch_size"),
]


@pytest.mark.parametrize(("uri", "field"), MALFORMED)
def test_malformed_exports_raise_invalid_migration(uri: str, field: str) -> None:
    with pytest.raises(InvalidMigrationError) as caught:
        parse_migration_uri(uri)
    assert caught.value.field == field
    assert isinstance(caught.value, InvalidURIError)
    message = str(caught.value)
    for form in (SECRET.hex(), base64.b32encode(SECRET).decode().rstrip("="), "SECRET-BYTES"):
        assert form not in message


# -- accounts twostep cannot use: left out, the rest of the code kept --------------------------
UNUSABLE = [
    (_field(2, b"Shop:no-secret"), "secret", "Shop:no-secret"),
    (_otp(secret=SECRET, name=b"md5", issuer=b"Old", algorithm=4), "algorithm", "Old:md5"),
    (_otp(secret=SECRET, name=b"Odd:x", algorithm=9), "algorithm", "Odd:x"),
    (_otp(secret=SECRET, digits=3), "digits", "alice"),
    (_otp(secret=SECRET, type=3), "type", "alice"),
    (_otp(secret=SECRET, type=1, counter=2**64 + 5), "counter", "alice"),
]


@pytest.mark.parametrize(("account", "field", "label"), UNUSABLE)
def test_an_unusable_account_is_left_out_and_the_others_kept(
    account: bytes, field: str, label: str
) -> None:
    good = _otp(secret=b"Hello!\xde\xad\xbe\xef", name=b"bob", issuer=b"Example")
    batch = parse_migration_uri(_uri(_field(1, good) + _field(1, account) + _field(1, good)))
    assert [a.name for a in batch.accounts] == ["bob", "bob"]
    assert batch.size == 3
    (left_out,) = batch.skipped
    assert (left_out.number, left_out.field, left_out.label) == (2, field, label)
    assert left_out.reason
    for form in (SECRET.hex(), base64.b32encode(SECRET).decode().rstrip("="), "SECRET-BYTES"):
        assert form not in repr(left_out)


def test_md5_is_named_in_the_reason() -> None:
    batch = parse_migration_uri(_uri(_field(1, _otp(secret=SECRET, algorithm=4))))
    assert batch.accounts == ()
    assert "MD5" in batch.skipped[0].reason


def test_skipped_accounts_are_numbered_across_the_export() -> None:
    good, md5 = _otp(name=b"ok"), _otp(secret=SECRET, name=b"md5", algorithm=4)
    parts = [
        _field(1, good) + _field(1, good) + _field(3, 3) + _field(4, 0) + _field(5, 7),
        _field(1, md5) + _field(1, good) + _field(3, 3) + _field(4, 1) + _field(5, 7),
        _field(1, good) + _field(1, md5) + _field(3, 3) + _field(4, 2) + _field(5, 7),
    ]
    batches = [parse_migration_uri(_uri(p)) for p in reversed(parts)]  # any order
    assert len(combine_batches(batches)) == 4
    assert [(s.number, s.label) for s in skipped_in_export(batches)] == [(3, "md5"), (6, "md5")]


def test_non_text_is_refused() -> None:
    with pytest.raises(InvalidMigrationError):
        parse_migration_uri(b"otpauth-migration://offline?data=CiUK")  # type: ignore[arg-type]
