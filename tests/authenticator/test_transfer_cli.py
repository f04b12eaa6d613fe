"""``twostep-auth import`` / ``export`` through the real entry point, with a real vault.

The commands run as processes (``.venv/bin/twostep-auth``, stdin a pipe, no terminal) against a
vault made by ``init`` and unlocked by ``unlock`` (fixtures in conftest.py). The vault's content
is checked in-process through the services API, and its bytes are compared to prove that
failed or dry-run imports change nothing.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import stat
import sys
from pathlib import Path
from types import ModuleType

import pytest

from twostep.authenticator import export_cli, import_cli, services, transfer_terminal
from twostep.authenticator.formats import aegis, bitwarden, google_migration, otpauth_list, twofas
from twostep.otp import read_qr


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
SECRETS = [s.secret for s in B.SAMPLES]


def vault_fields() -> list[tuple]:
    return [B.fields(e) for e in services.open_vault().entries()]


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in [*SECRETS, "JBSWY3DP1EHPK3PXP", B.PASSWORD]:
            assert secret not in text
            assert secret.lower() not in text


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


# -- import -----------------------------------------------------------------------------------
def test_import_encrypted_aegis_with_preview(unlocked, tmp_path):
    path = write(tmp_path, "aegis.json", B.aegis_encrypted(B.aegis_content()))
    result = unlocked.run("import", path, "--password-stdin", input=B.PASSWORD + "\n")
    assert result.code == 0, result
    assert "Aegis: 8 accounts in the file" in result.out
    assert "8 new" in result.out
    assert "Imported 8 accounts" in result.out
    assert vault_fields() == [B.expected(s, ALL) for s in B.SAMPLES]
    assert_no_secret(result.out, result.err)


def test_second_import_skips_duplicates_and_reports_conflicts(unlocked, tmp_path):
    unlocked.ok("import", write(tmp_path, "list.txt", B.uri_list(B.SAMPLES[:3])))
    changed = B.Sample("totp", "Deno", "Mason", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    again = write(tmp_path, "again.txt", B.uri_list((*B.SAMPLES[:2], changed, B.SAMPLES[3])))
    result = unlocked.ok("import", again)
    lines = result.out.splitlines()
    assert "   1 new" in lines[1]
    assert "already in the vault" in result.out
    assert "Deno:Mason" in result.out.split("another secret")[1]
    assert "Imported 2 accounts" in result.out
    issuers = [f[1] for f in vault_fields()]
    assert issuers == ["Deno", "SPDX", "Airbnb", "Deno", "Issuu"]
    nothing = unlocked.ok("import", again)
    assert "Nothing to import." in nothing.out


def test_dry_run_changes_nothing(unlocked, tmp_path):
    before = unlocked.vault.read_bytes()
    result = unlocked.ok("import", "--dry-run", write(tmp_path, "a.2fas", B.twofas_plain()))
    assert "8 new" in result.out
    assert "Dry run: 8 accounts would be imported; nothing was saved." in result.out
    assert unlocked.vault.read_bytes() == before


BAD_FILES = {
    "wrong-password": ("aegis-encrypted", "not the password\n", 3, "wrong password"),
    "truncated-json": ("aegis-truncated", "", 1, "not valid JSON (truncated or damaged?)"),
    "damaged-encrypted": ("2fas-damaged", B.PASSWORD + "\n", 1, "not valid Base64"),
    "json-not-an-export": (b'{"notes": ["not", "an", "export"]}', "", 1, "not an export"),
    "empty": (b"", "", 1, "not an export"),
}


def _bad_file(kind: str | bytes) -> bytes:
    if kind == "aegis-encrypted":
        return B.aegis_encrypted(B.aegis_content())
    if kind == "aegis-truncated":
        return B.aegis_plain(B.aegis_content())[:-40]
    if kind == "2fas-damaged":
        doc = json.loads(B.twofas_encrypted())
        doc["servicesEncrypted"] = doc["servicesEncrypted"].replace(":", ":!!", 1)
        return json.dumps(doc).encode()
    assert isinstance(kind, bytes)
    return kind


@pytest.mark.parametrize("case", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_files_leave_the_vault_untouched(unlocked, tmp_path, case):
    kind, stdin, code, message = case
    unlocked.ok("import", write(tmp_path, "first.txt", B.uri_list(B.SAMPLES[:1])))
    before = unlocked.vault.read_bytes()
    path = write(tmp_path, "bad-file", _bad_file(kind))
    result = unlocked.run("import", path, "--password-stdin", input=stdin)
    assert result.code == code, result
    assert message in result.err
    assert unlocked.vault.read_bytes() == before
    assert_no_secret(result.out, result.err)


def test_wrong_format_forced_names_the_real_one(unlocked, tmp_path):
    path = write(tmp_path, "backup.json", B.andotp_plain())
    result = unlocked.run("import", "--format", "aegis", path)
    assert result.code == 1
    assert "is not in the Aegis format; it looks like andOTP (--format andotp)" in result.err


def test_an_unrecognised_binary_file_asks_no_password_and_says_how_to_pick_a_format(
    unlocked, tmp_path
):
    """A binary file of no known format used to be taken for andOTP (its old scheme has no
    header): password, then 'wrong password'. Now it is refused before any prompt, naming the
    formats tried. (Its first four bytes are no andOTP iteration count.)"""
    unknown = b"\x7fZZZ" + os.urandom(16 + 12 + 400)
    result = unlocked.run("import", write(tmp_path, "backup.bin", unknown), input="")
    assert result.code == 1, result
    assert "not an export twostep recognises" in result.err
    assert "formats tried: " in result.err
    assert "--format NAME" in result.err
    assert "password" not in result.err.lower()


def test_a_50_mb_file_is_refused_before_reading(unlocked, tmp_path):
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: no disk needed
    before = unlocked.vault.read_bytes()
    result = unlocked.run("import", str(path))
    assert result.code == 1
    assert "50.0 MB" in result.err
    assert "limit is 20 MB" in result.err
    assert unlocked.vault.read_bytes() == before


def test_one_invalid_secret_is_reported_and_the_rest_imported(unlocked, tmp_path):
    lines = [B.SAMPLES[0].uri(), "otpauth://totp/Broken:bob?secret=JBSWY3DP1EHPK3PXP"]
    result = unlocked.ok("import", write(tmp_path, "list.txt", "\n".join(lines).encode()))
    assert "1 could not be read" in result.out
    assert "line 2 (Broken:bob): secret: not valid base32" in result.out
    assert [f[1] for f in vault_fields()] == ["Deno"]
    assert_no_secret(result.out, result.err)


def test_nothing_readable_is_an_error(unlocked, tmp_path):
    path = write(tmp_path, "bad.txt", b"otpauth://totp/Broken:bob?secret=JBSWY3DP1EHPK3PXP\n")
    result = unlocked.run("import", path)
    assert result.code == 1
    assert "no account in the file could be read" in result.err


def test_google_export_as_several_images(unlocked, tmp_path):
    from twostep.authenticator.entry import Entry
    from twostep.otp import Account, Secret

    entries = [Entry(Account(Secret.generate(), issuer=f"S{i}", name="me")) for i in range(15)]
    paths = [
        write(tmp_path, f"ga-{n}.png", png) for n, png in enumerate(google_migration.write(entries))
    ]
    missing = unlocked.run("import", paths[1])
    assert missing.code == 1
    assert "QR code 1 of 2 is missing" in missing.err
    result = unlocked.ok("import", *paths)
    assert "Google Authenticator export: 15 accounts" in result.out
    assert [f[1] for f in vault_fields()] == [f"S{i}" for i in range(15)]


def test_google_export_with_an_md5_account_imports_the_rest(unlocked, tmp_path):
    from twostep.authenticator.entry import Entry
    from twostep.otp import Account, Secret

    from .conftest import with_md5_account

    entries = [Entry(Account(Secret.generate(), issuer=f"S{i}", name="me")) for i in range(12)]
    first, second = [read_qr(png)[0] for png in google_migration.write(entries)]
    second = with_md5_account(second, "Legacy", "old@example.com")
    path = write(tmp_path, "ga.txt", f"{first}\n{second}\n".encode())
    result = unlocked.ok("import", path)
    assert "Google Authenticator export: 13 accounts in the file" in result.out
    assert "  12 new" in result.out
    assert "1 could not be read" in result.out
    assert "account 13 (Legacy:old@example.com): algorithm: MD5 is not supported" in result.out
    assert [f[1] for f in vault_fields()] == [f"S{i}" for i in range(12)]


def test_locked_vault_without_password_fails_before_reading_the_file(vault, tmp_path):
    result = vault.run("import", write(tmp_path, "l.txt", B.uri_list()))
    assert result.code == 3
    assert "locked" in result.err


def test_passwords_from_stdin_vault_first_then_file(vault, tmp_path):
    path = write(tmp_path, "a.aes", B.andotp_encrypted(B.SAMPLES[:2]))
    result = vault.run(
        "import", path, "--password-stdin", input=f"correct horse battery staple\n{B.PASSWORD}\n"
    )
    assert result.code == 0, result
    assert "Imported 2 accounts" in result.out


def test_import_help_teaches_the_formats(env):
    out = env.ok("import", "--help").out
    for name in ("aegis", "2fas", "andotp", "freeotp-plus", "bitwarden", "ente", "google"):
        assert name in out
    assert "--dry-run" in out
    assert "20 MB" in out


# -- export -----------------------------------------------------------------------------------
@pytest.fixture
def filled(unlocked, tmp_path):
    path = write(tmp_path, "seed.json", B.aegis_plain(B.aegis_content()))
    unlocked.ok("import", path)
    return unlocked


def test_twostep_export_round_trips_through_a_new_vault(filled, tmp_path, monkeypatch):
    out = tmp_path / "backup.twostep.json"
    result = filled.run(
        "export", "-f", "twostep", "-o", str(out), "--password-stdin", input=B.PASSWORD + "\n"
    )
    assert result.code == 0, result
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert_no_secret(out.read_text(), result.out, result.err)
    original = vault_fields()
    other = tmp_path / "other.twostep"
    monkeypatch.setenv("TWOSTEP_VAULT", str(other))
    monkeypatch.delenv("TWOSTEP_SESSION")
    filled.vars["TWOSTEP_VAULT"] = str(other)
    filled.vars.pop("TWOSTEP_SESSION")
    filled.init()
    monkeypatch.setenv("TWOSTEP_SESSION", filled.unlock())
    result = filled.run("import", str(out), "--password-stdin", input=B.PASSWORD + "\n")
    assert result.code == 0, result
    assert vault_fields() == original


def test_aegis_export_encrypted_opens_in_the_aegis_reader(filled, tmp_path):
    out = tmp_path / "aegis.json"
    filled.ok("export", "-f", "aegis", "-o", str(out), "--password-stdin", input="exportpw\n")
    entries = aegis.read(out.read_bytes(), "exportpw").entries
    assert [B.fields(e) for e in entries] == vault_fields()


def test_plain_export_needs_confirmation(filled, tmp_path):
    out = tmp_path / "list.txt"
    refused = filled.run("export", "-f", "otpauth", "-o", str(out))
    assert refused.code == 2
    assert "--yes" in refused.err
    assert not out.exists()
    filled.ok("export", "-f", "otpauth", "-o", str(out), "--yes")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    again = otpauth_list.read(out.read_bytes()).entries
    assert [B.fields(e)[:8] for e in again] == [f[:8] for f in vault_fields()]


def test_export_never_overwrites_without_force(filled, tmp_path):
    out = tmp_path / "keep.html"
    out.write_text("precious")
    result = filled.run("export", "-f", "html", "-o", str(out), "--yes")
    assert result.code == 2
    assert out.read_text() == "precious"
    filled.ok("export", "-f", "html", "-o", str(out), "--yes", "--force")
    assert out.read_text().count("<svg") == len(B.SAMPLES)


def test_html_to_standard_output(filled):
    result = filled.ok("export", "-f", "html", "-o", "-", "--yes")
    assert result.out.startswith("<!DOCTYPE html>")


def test_google_export_refuses_by_name_or_skips(filled, tmp_path):
    refused = filled.run("export", "-f", "google", "-o", str(tmp_path / "ga.png"), "--yes")
    assert refused.code == 1
    assert "Boeing:Sophia" in refused.err
    assert "SPDX:James" in refused.err
    assert not list(tmp_path.glob("ga*.png"))
    result = filled.ok(
        "export", "-f", "google", "-o", str(tmp_path / "ga.png"), "--yes", "--skip-unsupported"
    )
    assert "Left out" in result.err
    (png,) = tmp_path.glob("ga*.png")
    (uri,) = read_qr(png)
    assert uri.startswith("otpauth-migration://")
    entries = google_migration.read(png.read_bytes()).entries
    assert [e.account.issuer for e in entries] == [s.issuer for s in B.GOOGLE_SAMPLES]


def test_2fas_export_encrypted_or_plain(filled, tmp_path):
    out = tmp_path / "backup.2fas"
    filled.ok("export", "-f", "2fas", "-o", str(out), "--password-stdin", input="exportpw\n")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert_no_secret(out.read_text())
    entries = twofas.read(out.read_bytes(), "exportpw").entries
    assert [B.fields(e)[:8] for e in entries] == [f[:8] for f in vault_fields()]
    plain = tmp_path / "plain.2fas"
    filled.ok("export", "-f", "2fas", "-o", str(plain), "--plain", "--yes")
    assert not twofas.is_encrypted(plain.read_bytes())
    assert len(twofas.read(plain.read_bytes()).entries) == len(B.SAMPLES)


def test_bitwarden_export_refuses_hotp_by_name_or_skips(filled, tmp_path):
    out = tmp_path / "bitwarden.json"
    refused = filled.run("export", "-f", "bitwarden", "-o", str(out), "--yes")
    assert refused.code == 1
    assert "Issuu:James" in refused.err
    assert not out.exists()
    result = filled.ok("export", "-f", "bitwarden", "-o", str(out), "--yes", "--skip-unsupported")
    assert "Left out (Bitwarden cannot hold them): Issuu:James" in result.err
    entries = bitwarden.read(out.read_bytes()).entries
    assert [e.account.label for e in entries] == [s.label for s in B.SAMPLES if s.type != "hotp"]
    plain = filled.run("export", "-f", "bitwarden", "-o", str(tmp_path / "x.json"), "--plain")
    assert plain.code == 2
    assert "--plain applies to --format aegis, 2fas only" in plain.err


def test_export_of_an_empty_vault(unlocked, tmp_path):
    result = unlocked.run("export", "-f", "html", "-o", str(tmp_path / "x.html"), "--yes")
    assert result.code == 1
    assert "empty" in result.err


# -- progress ---------------------------------------------------------------------------------
class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("terminal", "total", "drawn"), [(True, 300, True), (True, 10, False), (False, 300, False)]
)
def test_progress_bar_only_on_a_terminal_for_large_imports(monkeypatch, terminal, total, drawn):
    stream = _Terminal() if terminal else io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    progress = transfer_terminal._Progress(large_file=False)
    for done in range(1, total + 1):
        progress(done, total)
    assert (f"{total}/{total}" in stream.getvalue()) is drawn
    if drawn:
        assert stream.getvalue().count("\r") <= 101  # redrawn per percent, not per entry


def test_transfer_cli_imports_nothing_heavy():
    """`twostep-auth code` pays for this module's import: argparse definitions only."""
    code = (
        "import sys; import twostep.authenticator.transfer_cli; "
        "heavy = [m for m in ('cryptography', 'nacl', 'argon2', 'PIL', 'segno', "
        "'twostep.authenticator.formats') if m in sys.modules]; print(heavy)"
    )
    import subprocess

    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    ).stdout
    assert out.strip() == "[]"


def test_format_choices_match_the_registry():
    from twostep.authenticator import formats

    assert set(import_cli.IMPORT_FORMATS) == {f.name for f in formats.import_formats()}
    assert set(export_cli.EXPORT_FORMATS) == {f.name for f in formats.export_formats()}


def test_unknown_format_name_is_a_usage_error(env, tmp_path):
    result = env.run("import", "--format", "lastpass", write(tmp_path, "x.txt", b"x"))
    assert result.code == 2
    assert "invalid choice" in result.err
