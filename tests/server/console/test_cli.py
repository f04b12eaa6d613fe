"""``twostep users``, ``twostep policy`` and ``twostep remind``: through the real entry point
(in this process, on the test database and fake clock), and once as a real subprocess."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from server import actions as mfa
from twostep.server.accounts.directory import create_group
from twostep.server.accounts.models import Role
from twostep.server.attempts.models import Throttle
from twostep.server.attempts.throttle import CODE_LOCKOUT_FAILURES
from twostep.server.cli import main
from twostep.server.clock import FakeClock
from twostep.server.policy.models import OrgPolicy
from twostep.server.policy.services import Rule, Status, get_org_policy, require_user

from ..helpers import Member, enrol, make_user
from ..support import TWOSTEP, base_env
from .util import decision, events

pytestmark = pytest.mark.django_db


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_users_require_with_days(
    capsys: pytest.CaptureFixture[str], maria: Member, clock: FakeClock, mails: list[Any]
) -> None:
    code, out, _ = run(capsys, "users", "require", "maria", "--days", "7")
    assert code == 0
    assert "Two-step verification is required for maria: Required, pending (By 30 Nov 2026" in out
    assert "Mailed maria@example.com." in out
    d = decision(maria, clock)
    assert (d.status, d.rules, d.days_left) == (Status.SETUP_BY_DEADLINE, (Rule.USER,), 7)
    assert events("policy.user_required")[0].actor is None  # the command line
    assert mails[-1].subject.startswith("Set up two-step verification")


def test_users_require_default_is_7_days_and_bounds(
    capsys: pytest.CaptureFixture[str], maria: Member, clock: FakeClock
) -> None:
    assert run(capsys, "users", "require", "maria@EXAMPLE.com")[0] == 0
    assert decision(maria, clock).days_left == 7
    with pytest.raises(SystemExit) as exit_info:
        main(["users", "require", "maria", "--days", "366"])
    assert exit_info.value.code == 2
    assert "from 0 to 365" in capsys.readouterr().err


def test_unknown_user_is_a_clear_error(capsys: pytest.CaptureFixture[str], db: None) -> None:
    code, out, err = run(capsys, "users", "reset", "ghost")
    assert (code, out) == (1, "")
    assert err == "twostep: no user has the username or email 'ghost'\n"


def test_users_reset(
    capsys: pytest.CaptureFixture[str], clock: FakeClock, mails: list[Any]
) -> None:
    bob = enrol(make_user(clock, "bob"), clock)
    code, out, _ = run(capsys, "users", "reset", "bob")
    assert code == 0
    assert "reset for bob; they set it up again at their next sign-in" in out
    assert not mfa.is_enrolled(bob.user)
    assert mails[-1].subject == "Two-step verification was reset for your twostep account"


def test_users_unlock(capsys: pytest.CaptureFixture[str], clock: FakeClock) -> None:
    bob = enrol(make_user(clock, "bob"), clock)
    Throttle.objects.create(
        scope=Throttle.CODE,
        key=str(bob.user.pk),
        user=bob.user,
        failures=CODE_LOCKOUT_FAILURES,
        next_attempt_at=clock(),
        locked_at=clock(),
    )
    assert decision(bob, clock).locked_out
    assert run(capsys, "users", "unlock", "bob")[1] == "bob is unlocked.\n"
    assert not decision(bob, clock).locked_out
    assert run(capsys, "users", "unlock", "bob")[1] == "bob was not locked.\n"


def test_unlock_explains_a_deadline_lock_and_extend_ends_it(
    capsys: pytest.CaptureFixture[str], maria: Member, clock: FakeClock
) -> None:
    require_user(maria.user, days=2, actor=None, clock=clock)
    clock.advance(days=3)
    code, out, _ = run(capsys, "users", "unlock", "maria")
    assert code == 1
    assert "because the setup deadline passed: use `twostep users extend maria --days N`" in out
    code, out, _ = run(capsys, "users", "extend", "maria", "--days", "3")
    assert (code, decision(maria, clock).days_left) == (0, 3)
    assert "maria: Required, pending (By 29 Nov 2026" in out
    clock.advance(days=4)
    assert decision(maria, clock).locked
    assert run(capsys, "users", "lift", "maria")[0] == 0
    assert decision(maria, clock).status == Status.NOT_REQUIRED


def test_users_list_and_show(
    capsys: pytest.CaptureFixture[str], owner: Member, clock: FakeClock
) -> None:
    group = create_group("Engineering", actor=None, clock=clock)
    maria = make_user(clock, "maria")
    maria.user.groups.add(group)
    make_user(clock, "bob")
    require_user(maria.user, days=7, actor=None, clock=clock)
    code, out, _ = run(capsys, "users", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["USERNAME", "EMAIL", "ROLE", "TWO-STEP", "VERIFICATION"]
    assert [line.split()[0] for line in lines[1:4]] == ["bob", "maria", "olivia"]
    assert "3 users match; showing 1-3." in out
    assert "Required, pending (By 30 Nov 2026" in lines[2]
    assert (
        run(capsys, "users", "list", "--status", "pending")[1].splitlines()[1].startswith("maria")
    )
    assert "1 user match" in run(capsys, "users", "list", "--group", "engineering")[1]
    assert "olivia" in run(capsys, "users", "list", "--role", "Owner")[1]
    out = run(capsys, "users", "list", "--limit", "1", "--page", "2")[1]
    assert out.splitlines()[1].startswith("maria")
    assert "showing 2-2" in out
    out = run(capsys, "users", "show", "maria")[1]
    assert "Groups:   Engineering" in out
    assert "required by the user rule, deadline 2026-11-30" in out


def test_policy_show_and_set(
    capsys: pytest.CaptureFixture[str], owner: Member, clock: FakeClock
) -> None:
    create_group("Engineering", actor=None, clock=clock)
    maria = make_user(clock, "maria")
    out = run(capsys, "policy", "show")[1]
    assert "Sign in with two-step verification: off" in out
    assert "Required for all administrators: yes" in out
    code, out, _ = run(
        capsys, "policy", "set", "--mode", "groups", "--groups", "engineering", "--grace-days", "3"
    )
    assert code == 0
    assert "Sign in with two-step verification: on, for users in the groups: Engineering" in out
    assert "Days to set it up: 3" in out
    policy = get_org_policy()
    assert (policy.mode, policy.grace_days) == (OrgPolicy.GROUPS, 3)
    assert not decision(maria, clock).required
    run(capsys, "policy", "set", "--mode", "roles", "--roles", "member,Admin")
    assert {r.key for r in get_org_policy().roles.all()} == {"member", "admin"}
    assert get_org_policy().grace_days == 3  # kept
    assert decision(maria, clock).required
    run(capsys, "policy", "set", "--all-admins", "off")
    assert not get_org_policy().require_all_admins
    assert get_org_policy().mode == OrgPolicy.ROLES  # kept
    run(capsys, "policy", "set", "--mode", "all")
    assert get_org_policy().mode == OrgPolicy.ALL
    assert events("policy.changed")[-1].actor is None


def test_policy_set_errors(capsys: pytest.CaptureFixture[str], db: None) -> None:
    code, _, err = run(capsys, "policy", "set", "--mode", "groups")
    assert (code, err) == (1, "twostep: --mode groups needs --groups NAME[,NAME...]\n")
    code, _, err = run(capsys, "policy", "set", "--mode", "groups", "--groups", "nope")
    assert "there is no group 'nope' (groups: none)" in err
    code, _, err = run(capsys, "policy", "set", "--mode", "all", "--roles", "member")
    assert "--roles goes with --mode roles" in err
    assert get_org_policy().mode == OrgPolicy.OFF
    assert Role.objects.filter(key="member").exists()


def test_help_teaches(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["users", "--help"], ["policy", "set", "--help"], ["remind", "--help"]):
        with pytest.raises(SystemExit):
            main(args)
        out = capsys.readouterr().out
        assert "examples:" in out or "cron" in out
    assert main(["users"]) == 2


def test_commands_in_a_real_process(tmp_path: Path) -> None:
    env = base_env(tmp_path)

    def twostep(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(TWOSTEP), *args], env=env, capture_output=True, text=True, timeout=120, check=False
        )

    assert twostep("migrate").returncode == 0
    created = twostep("createuser", "maria", "--email", "maria@example.com", "--no-password")
    assert created.returncode == 0, created.stderr
    done = twostep("users", "require", "maria", "--days", "2")
    assert done.returncode == 0, done.stderr
    assert "Two-step verification is required for maria: Required, pending" in done.stdout
    shown = twostep("policy", "set", "--mode", "all", "--grace-days", "1")
    assert "on, for all users" in shown.stdout
    reminded = twostep("remind")
    assert reminded.returncode == 0, reminded.stderr
    # The organisation's 1 day comes before maria's own 2: she is told the new deadline, once.
    assert "Sent 1 mail (1 users checked).\n  2FA now required: maria\n" in reminded.stdout
    assert "Subject: Set up two-step verification for your twostep account by" in reminded.stdout
    assert "Sent 0 mails (1 users checked)." in twostep("remind").stdout


def test_org_show_and_set_name(capsys: pytest.CaptureFixture[str], db: None) -> None:
    assert run(capsys, "org", "show") == (0, "Organisation: twostep\n", "")
    code, out, _ = run(capsys, "org", "set-name", "Example Ltd")
    assert code == 0
    assert (
        out == "The organisation is now called Example Ltd; new QR codes show it as the issuer.\n"
    )
    assert run(capsys, "org", "show", "--json") == (0, '{"name": "Example Ltd"}\n', "")
    (renamed,) = events("organisation.renamed")
    assert renamed.actor is None  # the command line
    code, _, err = run(capsys, "org", "set-name", "Example: Ltd")
    assert code == 1
    assert err.startswith("twostep: Use a name without a colon")
    assert run(capsys, "org", "show")[1] == "Organisation: Example Ltd\n"
