"""Every ``twostep-auth`` command through the real entry point, with a real vault on disk.

Codes are checked against oathtool (a reference we did not write).
"""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from twostep.authenticator.vault import Vault
from twostep.otp import (
    Account,
    Secret,
    build_migration_uris,
    build_uri,
    make_qr_png,
    parse_uri,
    read_qr,
)

from .conftest import PASSWORD, SECRET, URI, Env, with_md5_account

AT = 2_000_000_000  # a fixed time: codes are compared with oathtool's
GH_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ"


def oathtool(*args: str) -> str:
    return subprocess.run(
        ["oathtool", *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def totp(secret: str, at: int = AT, *extra: str) -> str:
    return oathtool("--totp", "-b", secret, "-N", f"@{at}", *extra)


@pytest.fixture
def filled(unlocked: Env) -> Env:
    """An unlocked vault with three entries: ACME Co (alice), GitHub (alice, bob)."""
    unlocked.ok("add", "--uri", URI)
    unlocked.ok("add", "--issuer", "GitHub", "--account", "alice", "--secret", GH_SECRET)
    unlocked.ok(
        "add",
        "--issuer",
        "GitHub",
        "--account",
        "bob",
        "--secret",
        Secret.generate().base32,
        "--note",
        "the work laptop",
        "--group",
        "work",
    )
    return unlocked


# -- help -----------------------------------------------------------------------------------------
def test_help_teaches_with_examples_and_documents_exit_codes(env: Env) -> None:
    result = env.ok("--help")
    for text in ("first steps:", 'eval "$(twostep-auth unlock)"', "exit codes:", "TWOSTEP_VAULT"):
        assert text in result.out
    for code in ("0", "1", "2", "3", "4", "5", "6", "7"):
        assert f"\n  {code} " in result.out


def test_every_command_is_listed_and_has_examples(env: Env) -> None:
    from twostep.authenticator.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    top = env.ok("--help").out
    for name in sub.choices:  # type: ignore[attr-defined]
        assert name in top
        assert "examples:" in env.ok(name, "--help").out


def test_usage_errors_exit_2_without_traceback(env: Env) -> None:
    for args in (["frobnicate"], ["code", "--digits", "x"], []):
        result = env.run(*args)
        assert result.code == 2, args
        assert "Traceback" not in result.err


# -- init / unlock / lock -------------------------------------------------------------------------
def test_init_creates_a_private_vault_and_refuses_a_second_one(env: Env) -> None:
    result = env.ok("init", "--password-stdin", input=PASSWORD + "\n")
    assert str(env.vault) in result.out
    assert stat.S_IMODE(env.vault.stat().st_mode) == 0o600
    assert Vault.unlock(env.vault, PASSWORD).read_entries() == []
    again = env.run("init", "--password-stdin", input="other\n")
    assert again.code == 6
    assert "already exists" in again.err
    assert Vault.unlock(env.vault, PASSWORD).read_entries() == []


def test_a_vault_with_test_key_derivation_says_so_until_passwd_makes_it_strong(env: Env) -> None:
    # The tests' TWOSTEP_TEST_INSECURE_KDF=1 gives new vaults the cheapest Argon2id settings; a
    # user who had it set must hear that the vault file is cheap to attack, and how to fix it.
    made = env.ok("init", "--password-stdin", input=PASSWORD + "\n")
    assert "cheap to guess" in made.err
    assert "twostep-auth passwd" in made.err
    assert "cheap to guess" in env.ok("unlock", "--password-stdin", input=PASSWORD + "\n").err
    real = {"TWOSTEP_TEST_INSECURE_KDF": "0"}
    changed = env.ok(
        "passwd", "--password-stdin", input=f"{PASSWORD}\nnew {PASSWORD}\n", extra=real
    )
    assert "cheap to guess" not in changed.err
    params = Vault.unlock(env.vault, f"new {PASSWORD}").kdf_params()
    assert params.memory_kib >= 64 * 1024
    assert params.passes >= 3
    unlocked = env.ok("unlock", "--password-stdin", input=f"new {PASSWORD}\n", extra=real)
    assert "cheap to guess" not in unlocked.err


def test_init_refuses_an_empty_password(env: Env) -> None:
    result = env.run("init", "--password-stdin", input="\n")
    assert result.code == 2
    assert "must not be empty" in result.err
    assert not env.vault.exists()


def test_init_without_terminal_or_stdin_option_says_how(env: Env) -> None:
    result = env.run("init")
    assert result.code == 2
    assert "--password-stdin" in result.err


def test_default_vault_location_is_under_xdg_data_home(env: Env) -> None:
    del env.vars["TWOSTEP_VAULT"]
    env.ok("init", "--password-stdin", input=PASSWORD + "\n")
    assert (Path(env.vars["XDG_DATA_HOME"]) / "twostep" / "vault.twostep").is_file()


def test_commands_need_a_vault(env: Env) -> None:
    result = env.run("list", "--password-stdin", input=PASSWORD + "\n")
    assert result.code == 4
    assert "twostep-auth init" in result.err


def test_locked_vault_without_password_exits_3_with_a_hint(vault: Env) -> None:
    result = vault.run("list")
    assert result.code == 3
    assert 'eval "$(twostep-auth unlock)"' in result.err


def test_wrong_password_exits_3_without_traceback(vault: Env) -> None:
    result = vault.run("unlock", "--password-stdin", input="nope\n")
    assert result.code == 3
    assert result.err.strip() == "twostep-auth: wrong password or damaged vault"
    assert result.out == ""


def test_debug_adds_the_traceback(vault: Env) -> None:
    result = vault.run("unlock", "--password-stdin", "--debug", input="nope\n")
    assert result.code == 3
    assert "Traceback" in result.err
    assert "WrongPasswordError" in result.err


def test_password_on_stdin_works_for_any_command(vault: Env) -> None:
    vault.ok("add", "--uri", URI, "--password-stdin", input=PASSWORD + "\n")
    listed = vault.ok("list", "--password-stdin", input=PASSWORD + "\n")
    assert "alice@example.com" in listed.out


def test_unlock_prints_an_export_line_and_the_session_replaces_the_password(vault: Env) -> None:
    result = vault.ok("unlock", "--password-stdin", input=PASSWORD + "\n")
    line = result.out.strip()
    assert line.startswith("export TWOSTEP_SESSION=")
    token = line.split("=", 1)[1]
    # The token is an id and a random key: never the master key itself.
    master = Vault.unlock(vault.vault, PASSWORD).master_key
    assert master.hex() not in token
    assert base64.urlsafe_b64encode(master).decode().rstrip("=") not in token
    assert base64.b64encode(master).decode().rstrip("=") not in token
    vault.vars["TWOSTEP_SESSION"] = token
    assert vault.run("list").code == 0
    # Session files are private.
    (session_file,) = vault.sessions.iterdir()
    assert stat.S_IMODE(session_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(vault.sessions.stat().st_mode) == 0o700
    assert master not in session_file.read_bytes()


def test_lock_revokes_the_session(unlocked: Env) -> None:
    result = unlocked.ok("lock")
    assert result.out.strip() == "unset TWOSTEP_SESSION"
    assert list(unlocked.sessions.iterdir()) == []
    after = unlocked.run("list")
    assert after.code == 3
    assert "expired or was locked" in after.err


def test_lock_all_revokes_every_session_of_the_vault(unlocked: Env) -> None:
    first = unlocked.vars["TWOSTEP_SESSION"]
    unlocked.unlock()
    assert len(list(unlocked.sessions.iterdir())) == 2
    unlocked.ok("lock", "--all")
    for token in (first, unlocked.vars["TWOSTEP_SESSION"]):
        assert unlocked.run("list", extra={"TWOSTEP_SESSION": token}).code == 3


def test_idle_session_expires(unlocked: Env) -> None:
    assert unlocked.run("list").code == 0
    (session_file,) = unlocked.sessions.iterdir()
    old = session_file.stat().st_mtime - 16 * 60  # 16 minutes without use
    os.utime(session_file, (old, old))
    result = unlocked.run("list")
    assert result.code == 3
    assert "expired" in result.err
    assert not session_file.exists()


def test_using_the_session_keeps_it_alive(unlocked: Env) -> None:
    (session_file,) = unlocked.sessions.iterdir()
    old = session_file.stat().st_mtime - 10 * 60
    os.utime(session_file, (old, old))
    assert unlocked.run("list").code == 0
    assert session_file.stat().st_mtime > old + 9 * 60


def test_a_forged_token_is_refused(unlocked: Env) -> None:
    session_id = unlocked.vars["TWOSTEP_SESSION"].split(".")[1]
    forged = f"tss1.{session_id}.{base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip('=')}"
    for token in (forged, "garbage", "tss1.zz.zz"):
        result = unlocked.run("list", extra={"TWOSTEP_SESSION": token})
        assert result.code == 3, token
        assert "Traceback" not in result.err


def test_passwd_changes_password_and_locks_sessions(unlocked: Env) -> None:
    unlocked.ok("add", "--uri", URI)
    unlocked.ok("passwd", "--password-stdin", input=f"{PASSWORD}\nnew secret words\n")
    assert unlocked.run("list").code == 3  # the session was revoked
    assert unlocked.run("unlock", "--password-stdin", input=PASSWORD + "\n").code == 3
    unlocked.unlock("new secret words")
    assert "alice@example.com" in unlocked.ok("list").out


def test_passwd_with_wrong_current_password_changes_nothing(vault: Env) -> None:
    before = vault.vault.read_bytes()
    result = vault.run("passwd", "--password-stdin", input="wrong\nnew one\n")
    assert result.code == 3
    assert vault.vault.read_bytes() == before


# -- add ------------------------------------------------------------------------------------------
def test_add_uri_then_code_matches_oathtool(unlocked: Env) -> None:
    result = unlocked.ok("add", "--uri", URI)
    assert "Added ACME Co:alice@example.com (TOTP, 6 digits, 30 s)." in result.out
    code = unlocked.ok("code", "acme", "--at", str(AT))
    assert code.out.strip() == totp(SECRET)
    assert "s left" in code.err


def test_add_an_issuer_with_a_colon(unlocked: Env) -> None:
    unlocked.ok("add", "--issuer", "Corp: Team", "--account", "me", "--secret", GH_SECRET)
    (item,) = json.loads(unlocked.ok("list", "--json").out)
    assert (item["issuer"], item["account"]) == ("Corp: Team", "me")
    code = unlocked.ok("code", "Corp: Team:me", "--at", str(AT)).out.strip()
    assert code == oathtool("--totp", "-b", GH_SECRET, "-N", f"@{AT}")
    uri = f"otpauth://totp/X%3AY:you?secret={GH_SECRET}&issuer=X%3AY"
    added = unlocked.ok("add", "--uri", uri)
    assert "Added X:Y:you" in added.out


def test_add_refuses_a_duplicate_unless_forced(unlocked: Env) -> None:
    unlocked.ok("add", "--uri", URI)
    again = unlocked.run("add", "--uri", URI)
    assert again.code == 6
    assert "already in the vault" in again.err
    assert "--force" in again.err
    assert len(json.loads(unlocked.ok("list", "--json").out)) == 1
    unlocked.ok("add", "--uri", URI, "--force")
    assert len(json.loads(unlocked.ok("list", "--json").out)) == 2


@pytest.mark.parametrize(
    ("options", "oath"),
    [
        ([], ["--totp"]),
        (["--digits", "8"], ["--totp", "--digits=8"]),
        (["--algorithm", "sha256", "--period", "60"], ["--totp=sha256", "--time-step-size=60s"]),
        (["--algorithm", "SHA512", "--digits", "7"], ["--totp=sha512", "--digits=7"]),
    ],
)
def test_add_by_hand_with_parameters(unlocked: Env, options: list[str], oath: list[str]) -> None:
    unlocked.ok("add", "--issuer", "Bank", "--account", "me", "--secret", GH_SECRET, *options)
    code = unlocked.ok("code", "bank", "--at", str(AT)).out.strip()
    assert code == oathtool(*oath, "-b", GH_SECRET, "-N", f"@{AT}")


def test_add_hotp_and_each_code_advances_the_saved_counter(unlocked: Env) -> None:
    unlocked.ok(
        "add",
        "--issuer",
        "VPN",
        "--account",
        "me",
        "--secret",
        GH_SECRET,
        "--type",
        "hotp",
        "--counter",
        "5",
    )
    codes = [unlocked.ok("code", "vpn").out.strip() for _ in range(3)]
    expected = oathtool("--hotp", "-b", GH_SECRET, "-c", "5", "-w", "2").split()
    assert codes == expected
    assert json.loads(unlocked.ok("list", "--json").out)[0]["counter"] == 8
    refused = unlocked.run("code", "vpn", "--next")
    assert refused.code == 2
    assert "--next" in refused.err
    assert json.loads(unlocked.ok("list", "--json").out)[0]["counter"] == 8


def test_add_steam(unlocked: Env) -> None:
    unlocked.ok(
        "add", "--issuer", "Steam", "--account", "me", "--secret", GH_SECRET, "--type", "steam"
    )
    code = unlocked.ok("code", "steam", "--at", str(AT)).out.strip()
    assert len(code) == 5
    assert code == Account(Secret.from_base32(GH_SECRET), type="steam").generate(AT)  # type: ignore[arg-type]


def test_add_rejects_bad_input_without_echoing_the_secret(unlocked: Env) -> None:
    bad = "NOT-VALID-BASE32-1890"
    result = unlocked.run("add", "--issuer", "X", "--account", "y", "--secret", bad)
    assert result.code == 1
    assert "secret" in result.err
    assert bad not in result.err
    assert "Traceback" not in result.err
    digits = unlocked.run("add", "--issuer", "X", "--secret", GH_SECRET, "--digits", "11")
    assert digits.code == 1
    assert "digits" in digits.err
    uri = unlocked.run("add", "--uri", "https://example.com/")
    assert uri.code == 1


def test_add_needs_exactly_one_source(unlocked: Env, tmp_path: Path) -> None:
    assert unlocked.run("add").code == 2
    assert unlocked.run("add", "--uri", URI, "--screen").code == 2
    assert unlocked.run("add", "--uri", URI, "--issuer", "X").code == 2


def test_add_from_qr_image_with_several_codes(unlocked: Env, tmp_path: Path) -> None:
    from PIL import Image

    other = "otpauth://hotp/Shop:carol?secret=JBSWY3DPEHPK3PXP&counter=3&issuer=Shop"
    pngs = [make_qr_png(URI, scale=4), make_qr_png(other, scale=4), make_qr_png("https://x.org/")]
    images = [Image.open(__import__("io").BytesIO(p)) for p in pngs]
    canvas = Image.new(
        "RGB", (sum(i.width for i in images) + 40, max(i.height for i in images)), "white"
    )
    x = 0
    for image in images:
        canvas.paste(image, (x, 0))
        x += image.width + 20
        image.close()
    path = tmp_path / "codes.png"
    canvas.save(path)
    result = unlocked.ok("add", "--qr", str(path))
    assert "Added ACME Co:alice@example.com" in result.out
    assert "Added Shop:carol (HOTP, 6 digits, counter 3)." in result.out
    assert "not an otpauth" in result.err
    listed = {(e["issuer"], e["account"]) for e in json.loads(unlocked.ok("list", "--json").out)}
    assert listed == {("ACME Co", "alice@example.com"), ("Shop", "carol")}


def test_add_google_authenticator_export_spread_over_two_images(
    unlocked: Env, tmp_path: Path
) -> None:
    accounts = [
        Account(Secret.generate(), issuer=f"Service{i}", name=f"user{i}@example.com")
        for i in range(5)
    ]
    uris = build_migration_uris(accounts, per_code=3)
    assert len(uris) == 2
    paths = []
    for n, uri in enumerate(uris):
        path = tmp_path / f"export{n}.png"
        path.write_bytes(make_qr_png(uri))
        paths.append(str(path))
    missing = unlocked.run("add", "--qr", paths[0])
    assert missing.code == 1
    assert "2" in missing.err  # names the missing QR code
    unlocked.ok("add", "--qr", *paths)
    listed = json.loads(unlocked.ok("list", "--json").out)
    assert sorted(e["issuer"] for e in listed) == [f"Service{i}" for i in range(5)]
    code = unlocked.ok("code", "service3", "--at", str(AT)).out.strip()
    assert code == totp(accounts[3].secret.base32)


def test_add_google_export_with_an_md5_account_adds_the_others_and_says_which(
    unlocked: Env, tmp_path: Path
) -> None:
    accounts = [Account(Secret.generate(), issuer=f"Svc{i}", name="me") for i in range(2)]
    (uri,) = build_migration_uris(accounts)
    path = tmp_path / "export.png"
    path.write_bytes(make_qr_png(with_md5_account(uri, "Legacy", "old@example.com")))
    result = unlocked.ok("add", "--qr", str(path))
    assert "account 3 (Legacy:old@example.com)" in result.err
    assert "MD5 is not supported" in result.err
    listed = json.loads(unlocked.ok("list", "--json").out)
    assert sorted(e["issuer"] for e in listed) == ["Svc0", "Svc1"]


def test_add_from_an_image_without_qr_code_fails_clearly(unlocked: Env, tmp_path: Path) -> None:
    from PIL import Image

    blank = tmp_path / "blank.png"
    Image.new("RGB", (200, 200), "white").save(blank)
    result = unlocked.run("add", "--qr", str(blank))
    assert result.code == 1
    assert "no QR code" in result.err
    not_image = tmp_path / "notes.txt"
    not_image.write_text("hello")
    assert unlocked.run("add", "--qr", str(not_image)).code == 1
    assert unlocked.run("add", "--qr", str(tmp_path / "missing.png")).code == 1


def test_add_screen_without_a_display_fails_clearly(unlocked: Env) -> None:
    result = unlocked.run("add", "--screen")
    assert result.code == 1
    assert "cannot grab the screen" in result.err


# -- list / search / show -----------------------------------------------------------------------
def test_list_table_and_json_never_show_secrets(filled: Env) -> None:
    table = filled.ok("list").out
    assert table.splitlines()[0].split() == ["ISSUER", "ACCOUNT", "TYPE"]
    assert "GitHub  bob" in table.replace("   ", "  ") or "bob" in table
    data = json.loads(filled.ok("list", "--json").out)
    assert [(e["issuer"], e["account"]) for e in data] == [
        ("ACME Co", "alice@example.com"),
        ("GitHub", "alice"),
        ("GitHub", "bob"),
    ]
    assert all("secret" not in e for e in data)
    assert SECRET not in table
    assert GH_SECRET not in json.dumps(data)
    work = json.loads(filled.ok("list", "--json", "--group", "work").out)
    assert [e["account"] for e in work] == ["bob"]


def test_search_matches_issuer_account_note_and_group(filled: Env) -> None:
    assert "bob" in filled.ok("search", "laptop").out
    assert "bob" in filled.ok("search", "WORK").out
    found = filled.ok("search", "alice").out
    assert "ACME Co" in found
    assert "GitHub" in found
    nothing = filled.run("search", "zzz")
    assert nothing.code == 4


def test_show_hides_the_secret_unless_revealed(filled: Env) -> None:
    shown = filled.ok("show", "github:alice").out
    assert "Issuer:    GitHub" in shown
    assert "hidden" in shown
    assert GH_SECRET not in shown
    revealed = filled.ok("show", "github:alice", "--reveal").out
    assert GH_SECRET in revealed
    assert parse_uri(revealed.split("URI:")[1].split()[0]).secret == Secret.from_base32(GH_SECRET)


def _terminal_qr_to_image(text: str):  # type: ignore[no-untyped-def]
    """Rebuild pixels from half-block characters (a light cell is drawn, a dark one blank)."""
    from PIL import Image

    cells = {"█": (1, 1), " ": (0, 0), "▀": (1, 0), "▄": (0, 1)}
    lines = text.splitlines()
    scale = 6
    image = Image.new("L", (len(lines[0]) * scale, len(lines) * 2 * scale), 0)
    for y, line in enumerate(lines):
        for x, char in enumerate(line):
            top, bottom = cells[char]
            for dy, light in ((0, top), (1, bottom)):
                if light:
                    box = (
                        x * scale,
                        (2 * y + dy) * scale,
                        (x + 1) * scale,
                        (2 * y + dy + 1) * scale,
                    )
                    image.paste(255, box)
    return image


def test_show_qr_prints_a_terminal_qr_code_a_phone_can_scan(filled: Env) -> None:
    result = filled.ok("show", "github:alice", "--qr")
    assert "contains the secret" in result.err
    qr_lines = [line for line in result.out.splitlines() if line and set(line) <= set("█▀▄ ")]
    texts = read_qr(_terminal_qr_to_image("\n".join(qr_lines)))
    assert len(texts) == 1
    account = parse_uri(texts[0])
    assert (account.issuer, account.name) == ("GitHub", "alice")
    assert account.secret == Secret.from_base32(GH_SECRET)


# -- code -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["acme", "ACME CO", "alice@", "acme co:alice@example.com", "ac"])
def test_code_name_matching(filled: Env, name: str) -> None:
    assert filled.ok("code", name, "--at", str(AT)).out.strip() == totp(SECRET)


def test_code_ambiguous_name_lists_candidates(filled: Env) -> None:
    result = filled.run("code", "github")
    assert result.code == 5
    assert "GitHub:alice" in result.err
    assert "GitHub:bob" in result.err
    assert result.out == ""
    # An exact account name beats a prefix: "alice" is GitHub:alice, not alice@example.com.
    assert filled.ok("code", "alice", "--at", str(AT)).out.strip() == totp(GH_SECRET)


def test_code_unknown_name_exits_4(filled: Env) -> None:
    result = filled.run("code", "gitlab")
    assert result.code == 4
    assert "no entry matches 'gitlab'" in result.err


def test_code_next_is_the_code_of_the_next_period(filled: Env) -> None:
    result = filled.ok("code", "github:alice", "--next", "--at", str(AT))
    assert result.out.strip() == totp(GH_SECRET, AT + 30)


def test_code_prints_seconds_left_on_stderr(filled: Env) -> None:
    at = AT - AT % 30 + 12  # 18 seconds left
    result = filled.ok("code", "github:alice", "--at", str(at))
    assert result.err.strip() == "GitHub:alice: 18 s left"


def test_code_now_matches_oathtool_now(filled: Env) -> None:
    """The fast path (no options) computes the same code as oathtool for the current time."""
    for _ in range(3):
        before = oathtool("--totp", "-b", GH_SECRET)
        ours = filled.ok("code", "github:alice").out.strip()
        after = oathtool("--totp", "-b", GH_SECRET)
        if before == after:  # not at a period boundary
            assert ours == before
            return
    pytest.fail("could not get a stable reading")


def test_code_without_vault_from_uri_and_secret(env: Env) -> None:
    """Issue 2's vault-less mode, like oathtool."""
    assert env.ok("code", "--uri", URI, "--at", str(AT)).out.strip() == totp(SECRET)
    hotp_uri = f"otpauth://hotp/X?secret={GH_SECRET}&counter=0"
    assert env.ok("code", "--uri", hotp_uri, "--counter", "9").out.strip() == oathtool(
        "--hotp", "-b", GH_SECRET, "-c", "9"
    )
    out = env.ok(
        "code",
        "--secret",
        GH_SECRET,
        "--digits",
        "8",
        "--algorithm",
        "sha512",
        "--period",
        "45",
        "--at",
        str(AT),
    ).out.strip()
    assert out == oathtool(
        "--totp=sha512", "--digits=8", "--time-step-size=45s", "-b", GH_SECRET, "-N", f"@{AT}"
    )
    hotp = env.ok("code", "--secret", GH_SECRET, "--type", "hotp", "--counter", "3").out.strip()
    assert hotp == oathtool("--hotp", "-b", GH_SECRET, "-c", "3")
    implied = env.ok("code", "--secret", GH_SECRET, "--counter", "3").out.strip()  # as oathtool -c
    assert implied == hotp
    assert not env.vault.exists()


def test_code_without_vault_rejects_mixed_arguments(env: Env) -> None:
    assert env.run("code", "acme", "--uri", URI).code == 2
    assert env.run("code", "--uri", URI, "--secret", SECRET).code == 2
    bad = env.run("code", "--uri", "otpauth://totp/X?secret=0189")
    assert bad.code == 1
    assert "secret" in bad.err


# -- rename / remove ------------------------------------------------------------------------------
def test_rename_with_label_or_options(filled: Env) -> None:
    assert (
        "Renamed to GitHub:alice@work."
        in filled.ok("rename", "github:alice", "GitHub:alice@work").out
    )
    filled.ok("rename", "bob", "--account", "robert")
    filled.ok("rename", "acme", "--issuer", "Acme Corp")
    names = {(e["issuer"], e["account"]) for e in json.loads(filled.ok("list", "--json").out)}
    assert names == {
        ("Acme Corp", "alice@example.com"),
        ("GitHub", "alice@work"),
        ("GitHub", "robert"),
    }
    assert filled.ok("code", "alice@work", "--at", str(AT)).out.strip() == totp(GH_SECRET)
    assert filled.run("rename", "github", "X:y").code == 5
    assert filled.run("rename", "robert").code == 2


def test_remove_asks_and_without_terminal_needs_yes(filled: Env) -> None:
    refused = filled.run("remove", "bob")
    assert refused.code == 2
    assert "--yes" in refused.err
    assert len(json.loads(filled.ok("list", "--json").out)) == 3
    removed = filled.ok("remove", "bob", "--yes")
    assert "Removed GitHub:bob" in removed.out
    names = [e["account"] for e in json.loads(filled.ok("list", "--json").out)]
    assert names == ["alice@example.com", "alice"]
    assert filled.run("remove", "bob", "--yes").code == 4


def test_entries_with_the_same_label_are_told_apart_by_id(unlocked: Env) -> None:
    unlocked.ok("add", "--uri", URI)
    unlocked.ok("add", "--uri", URI, "--force")
    result = unlocked.run("remove", "acme", "--yes")
    assert result.code == 5
    assert "(id " in result.err
    ids = [e["id"] for e in json.loads(unlocked.ok("list", "--json").out)]
    unlocked.ok("remove", ids[1][:8], "--yes")
    assert [e["id"] for e in json.loads(unlocked.ok("list", "--json").out)] == [ids[0]]


def test_no_command_prints_a_secret_unless_asked(filled: Env, tmp_path: Path) -> None:
    outputs = []
    for args in (
        ["list"],
        ["list", "--json"],
        ["search", "git"],
        ["show", "github:alice"],
        ["code", "github:alice"],
        [
            "add",
            "--uri",
            build_uri(Account(Secret.from_base32(GH_SECRET), issuer="GitHub", name="alice")),
        ],
        ["code", "nothing"],
        ["rename", "github:alice", "GitHub:al"],
        ["remove", "github:al"],
    ):
        result = filled.run(*args)
        outputs.append(result.out + result.err)
    text = "\n".join(outputs)
    assert GH_SECRET not in text
    assert SECRET not in text
    assert GH_SECRET.lower() not in text.lower()
