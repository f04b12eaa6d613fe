"""Re-enrolling an account (issue 15, item 6): a new QR code for the same issuer and account
replaces the old entry instead of piling up copies with the same label.

Without a terminal, ``add`` needs ``--replace`` or ``--keep-both`` and otherwise refuses with
exit 9, saving nothing; ``list --long`` and ``list --json`` show ids and dates to tell copies
apart. (The question asked on a terminal is in test_interactive.py.)
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from twostep.otp import Secret, make_qr_png

from .conftest import Env
from .test_cli import AT, totp

CAROL = ("--issuer", "twostep", "--account", "carol@example.com")
OLD = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ"
NEW = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


def _uri(secret: str) -> str:
    return f"otpauth://totp/twostep:carol%40example.com?secret={secret}&issuer=twostep"


def _listed(env: Env) -> list[dict[str, object]]:
    return json.loads(env.ok("list", "--json").out)  # type: ignore[no-any-return]


def _code(env: Env, name: str = "carol") -> str:
    return env.ok("code", name, "--at", str(AT)).out.strip()


def test_a_new_secret_for_the_same_account_is_refused_without_a_terminal(unlocked: Env) -> None:
    unlocked.ok("add", *CAROL, "--secret", OLD)
    before = unlocked.vault.read_bytes()
    refused = unlocked.run("add", *CAROL, "--secret", NEW)
    assert refused.code == 9
    assert "twostep:carol@example.com is already in the vault" in refused.err
    assert "--replace" in refused.err
    assert "--keep-both" in refused.err
    assert "Traceback" not in refused.err
    assert unlocked.vault.read_bytes() == before  # nothing saved
    assert _code(unlocked) == totp(OLD)


def test_replace_leaves_one_entry_with_the_new_secret_and_keeps_its_id(unlocked: Env) -> None:
    unlocked.ok("add", *CAROL, "--secret", OLD, "--note", "phone 1", "--group", "work")
    old_id = _listed(unlocked)[0]["id"]
    replaced = unlocked.ok("add", *CAROL, "--secret", NEW, "--replace")
    assert "Replaced twostep:carol@example.com" in replaced.out
    listed = _listed(unlocked)
    assert len(listed) == 1
    assert listed[0]["id"] == old_id
    assert listed[0]["note"] == "phone 1"  # what the user added by hand stays
    assert listed[0]["groups"] == ["work"]
    assert _code(unlocked) == totp(NEW)


def test_keep_both_adds_a_second_entry(unlocked: Env) -> None:
    unlocked.ok("add", *CAROL, "--secret", OLD)
    unlocked.ok("add", *CAROL, "--secret", NEW, "--keep-both")
    listed = _listed(unlocked)
    assert [e["account"] for e in listed] == ["carol@example.com"] * 2
    assert listed[0]["id"] != listed[1]["id"]


def test_reenrolling_from_qr_codes_again_and_again_leaves_one_entry(
    unlocked: Env, tmp_path: Path
) -> None:
    """The issue's story: each new QR code shown during setup was added as another copy."""
    for i in range(3):
        image = tmp_path / f"qr{i}.png"
        image.write_bytes(make_qr_png(_uri(Secret.generate().base32), scale=4))
        args = ["add", "--qr", str(image)] + (["--replace"] if i else [])
        unlocked.ok(*args)
    last = tmp_path / "last.png"
    last.write_bytes(make_qr_png(_uri(NEW), scale=4))
    assert unlocked.run("add", "--qr", str(last)).code == 9
    unlocked.ok("add", "--qr", str(last), "--replace")
    assert len(_listed(unlocked)) == 1
    assert _code(unlocked) == totp(NEW)  # `code carol` names one entry, not three


def test_replace_also_clears_copies_made_before(unlocked: Env) -> None:
    unlocked.ok("add", *CAROL, "--secret", OLD)
    unlocked.ok("add", *CAROL, "--secret", Secret.generate().base32, "--keep-both")
    unlocked.ok("add", *CAROL, "--secret", Secret.generate().base32, "--keep-both")
    assert unlocked.run("code", "carol").code == 5  # three identical labels
    result = unlocked.ok("add", *CAROL, "--secret", NEW, "--replace")
    assert "3 entries" in result.out
    assert len(_listed(unlocked)) == 1
    assert _code(unlocked) == totp(NEW)


def test_replace_and_keep_both_together_are_a_usage_error(unlocked: Env) -> None:
    result = unlocked.run("add", *CAROL, "--secret", NEW, "--replace", "--keep-both")
    assert result.code == 2
    assert _listed(unlocked) == []


def test_another_account_of_the_same_issuer_is_just_added(unlocked: Env) -> None:
    unlocked.ok("add", *CAROL, "--secret", OLD)
    unlocked.ok("add", "--issuer", "twostep", "--account", "dave@example.com", "--secret", NEW)
    assert len(_listed(unlocked)) == 2


def test_exit_9_is_in_the_help(env: Env) -> None:
    assert "\n  9 " in env.ok("--help").out
    add_help = env.ok("add", "--help").out
    assert "--replace" in add_help
    assert "--keep-both" in add_help


def test_list_long_and_json_show_ids_and_dates(unlocked: Env) -> None:
    unlocked.ok("add", *CAROL, "--secret", OLD)
    unlocked.ok("add", *CAROL, "--secret", NEW, "--keep-both")
    listed = _listed(unlocked)
    long = unlocked.ok("list", "--long").out.splitlines()
    assert long[0].split() == ["ISSUER", "ACCOUNT", "TYPE", "ID", "ADDED"]
    for entry, row in zip(listed, long[1:], strict=True):
        added = time.strftime("%Y-%m-%d %H:%M", time.localtime(float(entry["created_at"])))
        assert row.split()[:4] == ["twostep", "carol@example.com", "TOTP", str(entry["id"])[:8]]
        assert row.endswith(added)
        assert abs(float(entry["created_at"]) - time.time()) < 600
    # The id shown is enough to pick one copy.
    first = str(listed[0]["id"])[:8]
    assert unlocked.ok("code", first, "--at", str(AT)).out.strip() == totp(OLD)
    assert "ID" not in unlocked.ok("list").out.splitlines()[0]


def test_two_codes_for_one_account_in_the_same_images_are_not_both_kept(
    unlocked: Env, tmp_path: Path
) -> None:
    first, second = tmp_path / "first.png", tmp_path / "second.png"
    first.write_bytes(make_qr_png(_uri(OLD), scale=4))
    second.write_bytes(make_qr_png(_uri(NEW), scale=4))
    refused = unlocked.run("add", "--qr", str(first), str(second))
    assert refused.code == 9
    assert _listed(unlocked) == []
    unlocked.ok("add", "--qr", str(first), str(second), "--replace")
    assert len(_listed(unlocked)) == 1
    assert _code(unlocked) == totp(NEW)  # the later one wins
