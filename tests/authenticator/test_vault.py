"""The vault file: encryption, authentication of every byte, versions, KDF, atomic storage."""

from __future__ import annotations

import json
import os
import shutil
import stat
import struct
from pathlib import Path

import pytest

from twostep.authenticator.entry import Entry
from twostep.authenticator.errors import (
    NoVaultError,
    VaultExistsError,
    VaultLockedError,
    WrongPasswordError,
)
from twostep.authenticator.vault import Vault
from twostep.authenticator.vault import crypto as vcrypto
from twostep.authenticator.vault.format import (
    CURRENT_VERSION,
    MAGIC,
    parse_vault_file,
)
from twostep.authenticator.vault.storage import backup_path
from twostep.otp import OtpType, Secret, parse_uri

from .conftest import DATA, PASSWORD, SECRET, URI

ALICE = Entry(parse_uri(URI))


def _cheap() -> vcrypto.KdfParams:
    return vcrypto.insecure_test_params()


def _regions(data: bytes) -> dict[str, tuple[int, int]]:
    """Byte ranges of each region of a v1 file (independent of the parser under test)."""
    (n,) = struct.unpack(">I", data[10:14])
    end = 14 + n
    return {
        "magic": (0, 8),
        "version": (8, 10),
        "header length": (10, 14),
        "header": (14, end),
        "wrap nonce": (end, end + 12),
        "wrapped key": (end + 12, end + 60),
        "nonce": (end + 60, end + 72),
        "ciphertext": (end + 72, len(data) - 16),
        "tag": (len(data) - 16, len(data)),
    }


@pytest.fixture
def vault_file(tmp_path: Path) -> Path:
    path = tmp_path / "v.twostep"
    vault = Vault.create(path, PASSWORD, kdf=_cheap())
    vault.update(lambda entries: entries.append(ALICE))
    return path


def test_create_then_unlock_returns_the_entries(vault_file: Path) -> None:
    entries = Vault.unlock(vault_file, PASSWORD).read_entries()
    assert entries == [entries[0]]
    assert entries[0].account == ALICE.account
    assert entries[0].id == ALICE.id


def test_file_contains_no_plaintext(vault_file: Path) -> None:
    data = vault_file.read_bytes()
    for needle in (SECRET.encode(), b"alice", b"ACME", Secret.from_base32(SECRET).raw):
        assert needle not in data
    assert data.startswith(MAGIC)
    assert stat.S_IMODE(vault_file.stat().st_mode) == 0o600


def test_wrong_password_is_refused(vault_file: Path) -> None:
    with pytest.raises(WrongPasswordError, match=r"^wrong password or damaged vault$"):
        Vault.unlock(vault_file, PASSWORD + "x")


@pytest.mark.parametrize(
    "region",
    [
        "magic",
        "version",
        "header length",
        "header",
        "wrap nonce",
        "wrapped key",
        "nonce",
        "ciphertext",
        "tag",
    ],
)
def test_a_flipped_byte_in_any_region_gives_the_wrong_password_error(
    vault_file: Path, region: str
) -> None:
    data = vault_file.read_bytes()
    start, end = _regions(data)[region]
    for position in sorted({start, (start + end) // 2, end - 1}):
        damaged = bytearray(data)
        damaged[position] ^= 0x01
        vault_file.write_bytes(bytes(damaged))
        with pytest.raises(WrongPasswordError) as caught:
            Vault.unlock(vault_file, PASSWORD)
        assert str(caught.value) == "wrong password or damaged vault"


@pytest.mark.parametrize("cut", [0, 5, 13, 100, -1, -16, -17])
def test_truncated_or_extended_file_gives_the_same_error(vault_file: Path, cut: int) -> None:
    data = vault_file.read_bytes()
    vault_file.write_bytes(data[:cut])
    with pytest.raises(WrongPasswordError, match=r"^wrong password or damaged vault$"):
        Vault.unlock(vault_file, PASSWORD)
    vault_file.write_bytes(data + b"\x00")
    with pytest.raises(WrongPasswordError, match=r"^wrong password or damaged vault$"):
        Vault.unlock(vault_file, PASSWORD)


def test_tampered_kdf_parameters_are_refused_before_deriving(vault_file: Path) -> None:
    """A header asking for 64 GiB of memory fails at once with the same error (no OOM)."""
    data = vault_file.read_bytes()
    start, end = _regions(data)["header"]
    header = json.loads(data[start:end])
    header["kdf"]["memory_kib"] = 64 * 1024 * 1024
    raw = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    vault_file.write_bytes(data[:10] + struct.pack(">I", len(raw)) + raw + data[end:])
    with pytest.raises(WrongPasswordError) as caught:
        Vault.unlock(vault_file, PASSWORD)
    assert "out of bounds" in caught.value.detail


def test_swapping_in_another_vaults_payload_is_detected(tmp_path: Path, vault_file: Path) -> None:
    other = tmp_path / "other.twostep"
    Vault.create(other, PASSWORD, kdf=_cheap())
    a, b = vault_file.read_bytes(), other.read_bytes()
    ra, rb = _regions(a), _regions(b)
    spliced = a[: ra["nonce"][0]] + b[rb["nonce"][0] :]
    vault_file.write_bytes(spliced)
    with pytest.raises(WrongPasswordError):
        Vault.unlock(vault_file, PASSWORD)


def test_fixture_vault_of_each_format_version_opens() -> None:
    """A vault written by each released format version still opens (after any format bump,
    keep the old fixture and add one for the new version: make_vault_vN.py)."""
    fixtures = sorted(DATA.glob("vault-v*.twostep"))
    assert [f.name for f in fixtures][:1] == ["vault-v1.twostep"]
    versions = {parse_vault_file(f.read_bytes()).version for f in fixtures}
    assert versions == set(range(1, CURRENT_VERSION + 1)), "a fixture per version"
    for fixture in fixtures:
        version = parse_vault_file(fixture.read_bytes()).version
        vault = Vault.unlock(fixture, f"fixture password v{version}")
        by_id = {e.id: e for e in vault.read_entries()}
        assert set(by_id) == {"a1", "b2", "c3", "d4"}
        alice = by_id["a1"]
        assert (alice.account.issuer, alice.account.name) == ("ACME", "alice@example.com")
        assert alice.account.secret == Secret.from_base32(SECRET)
        assert (alice.note, alice.groups, alice.favorite) == ("work", ("work",), True)
        bank = by_id["b2"].account
        assert (bank.type, bank.counter, bank.digits, bank.algorithm.value) == (
            OtpType.HOTP,
            7,
            8,
            "SHA256",
        )
        icon = by_id["b2"].icon
        assert icon is not None
        assert icon.data == b"\x89PNG fake"
        assert by_id["c3"].account.type is OtpType.STEAM
        dave = by_id["d4"].account
        assert (dave.issuer, dave.period, dave.extra) == ("Ünïcødé Issuer", 60, (("foo", "bar"),))


def test_fixture_vault_can_be_changed_and_reopened(tmp_path: Path) -> None:
    """An old-version file is rewritten in the current version by the first save."""
    copy = tmp_path / "old.twostep"
    shutil.copyfile(DATA / "vault-v1.twostep", copy)
    vault = Vault.unlock(copy, "fixture password v1")
    vault.update(lambda entries: entries.append(ALICE))
    again = Vault.unlock(copy, "fixture password v1").read_entries()
    assert len(again) == 5
    assert parse_vault_file(copy.read_bytes()).version == CURRENT_VERSION


def test_unknown_payload_fields_survive_a_save(vault_file: Path) -> None:
    """Fields a newer version adds to the payload are kept by this version's saves."""
    vault = Vault.unlock(vault_file, PASSWORD)
    from twostep.authenticator.vault.codec import encode_payload, entry_to_dict
    from twostep.authenticator.vault.core import read_layout

    # Simulate a newer writer: same keys, a payload with an extra top-level field.
    layout = read_layout(vault_file)
    plaintext = encode_payload(
        [entry_to_dict(ALICE)], generation=5, saved_at=1.0, previous={"future": {"x": 1}}
    )
    nonce, ciphertext = vcrypto.seal(vault.master_key, plaintext, layout.payload_aad)
    vault_file.write_bytes(layout.payload_aad + nonce + ciphertext)
    vault.update(lambda entries: entries.append(Entry(ALICE.account.replace(name="bob"))))
    payload = vault.read_payload()
    assert payload["future"] == {"x": 1}
    assert payload["generation"] == 6


def test_create_refuses_an_existing_vault(vault_file: Path) -> None:
    before = vault_file.read_bytes()
    with pytest.raises(VaultExistsError):
        Vault.create(vault_file, "other", kdf=_cheap())
    assert vault_file.read_bytes() == before


def test_missing_vault_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NoVaultError, match="twostep-auth init"):
        Vault.unlock(tmp_path / "nope.twostep", PASSWORD)


def test_each_save_keeps_the_previous_version_as_backup(vault_file: Path) -> None:
    vault = Vault.unlock(vault_file, PASSWORD)
    before = vault_file.read_bytes()
    vault.update(lambda entries: entries.clear())
    assert backup_path(vault_file).read_bytes() == before
    assert vault.read_entries() == []
    restored = Vault.unlock(backup_path(vault_file), PASSWORD).read_entries()
    assert [e.id for e in restored] == [ALICE.id]
    assert not [p for p in vault_file.parent.iterdir() if p.name.startswith(".tmp-")]


def test_failed_change_writes_nothing(vault_file: Path) -> None:
    vault = Vault.unlock(vault_file, PASSWORD)
    before = vault_file.read_bytes()

    def change(entries: list[Entry]) -> None:
        entries.clear()
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        vault.update(change)
    assert vault_file.read_bytes() == before


def test_every_save_uses_a_fresh_nonce(vault_file: Path) -> None:
    vault = Vault.unlock(vault_file, PASSWORD)
    nonces = set()
    for _ in range(5):
        vault.update(lambda entries: None)
        nonces.add(parse_vault_file(vault_file.read_bytes()).nonce)
    assert len(nonces) == 5


def test_change_password_rekeys_and_old_keys_stop_working(vault_file: Path) -> None:
    old = Vault.unlock(vault_file, PASSWORD)
    new = old.change_password("new password", kdf=_cheap())
    assert new.master_key != old.master_key
    assert new.key_id != old.key_id
    assert [e.id for e in Vault.unlock(vault_file, "new password").read_entries()] == [ALICE.id]
    with pytest.raises(WrongPasswordError):
        Vault.unlock(vault_file, PASSWORD)
    with pytest.raises(VaultLockedError, match="unlock again"):
        old.read_entries()


def test_real_kdf_parameters_are_argon2id_with_64_mib_and_calibrated_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(vcrypto.INSECURE_TEST_ENV, raising=False)
    path = tmp_path / "real.twostep"
    Vault.create(path, PASSWORD)
    params = vcrypto.KdfParams.from_header(parse_vault_file(path.read_bytes()).header["kdf"])
    assert params.name == "argon2id"
    assert params.memory_kib >= 64 * 1024
    assert params.passes >= vcrypto.MIN_PASSES
    assert len(params.salt) == 16
    assert Vault.unlock(path, PASSWORD).read_entries() == []


def test_change_password_never_lowers_the_kdf_cost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A vault made with weak parameters gets at least the calibrated ones on passwd, and a
    strong one keeps its own (raised, never lowered)."""
    path = tmp_path / "v.twostep"
    strong = vcrypto.KdfParams(memory_kib=96 * 1024, passes=9, lanes=1, salt=os.urandom(16))
    Vault.create(path, PASSWORD, kdf=strong)
    monkeypatch.delenv(vcrypto.INSECURE_TEST_ENV, raising=False)
    vault = Vault.unlock(path, PASSWORD)
    vault.change_password("second")
    after = vcrypto.KdfParams.from_header(parse_vault_file(path.read_bytes()).header["kdf"])
    assert after.memory_kib >= 96 * 1024
    assert after.passes >= 9
    assert after.salt != strong.salt

    weak_path = tmp_path / "weak.twostep"
    Vault.create(weak_path, PASSWORD, kdf=_cheap())
    Vault.unlock(weak_path, PASSWORD).change_password("second")
    raised = vcrypto.KdfParams.from_header(parse_vault_file(weak_path.read_bytes()).header["kdf"])
    assert raised.memory_kib >= 64 * 1024
    assert raised.passes >= vcrypto.MIN_PASSES
