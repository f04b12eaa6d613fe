"""``twostep sites``: through the real entry point (in this process, on the test database)."""

from __future__ import annotations

import json

import pytest

from twostep.server.accounts.directory import create_group
from twostep.server.audit.models import Event
from twostep.server.cli import build_parser, main
from twostep.server.clock import FakeClock

from ..helpers import make_user

pytestmark = pytest.mark.django_db


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_test_move_remove(capsys: pytest.CaptureFixture[str], clock: FakeClock) -> None:
    create_group("ops", actor=None, clock=clock)
    make_user(clock, "maria")
    code, out, _ = run(capsys, "sites", "add", "grafana.example.com", "--policy", "two_factor",
                       "--groups", "ops", "--json")  # fmt: skip
    assert code == 0
    grafana = json.loads(out)
    assert grafana["groups"] == ["ops"]
    assert grafana["position"] == 1
    code, out, _ = run(capsys, "sites", "add", "app.example.com", "--path", "^/health$",
                       "--methods", "get", "head", "--policy", "bypass",
                       "--position", "1")  # fmt: skip
    assert out.startswith("Added #1 (id ")
    listed = json.loads(run(capsys, "sites", "list", "--json")[1])
    assert [(r["domain"], r["methods"]) for r in listed] == [
        ("app.example.com", ["GET", "HEAD"]),
        ("grafana.example.com", []),
    ]
    code, out, _ = run(
        capsys, "sites", "test", "https://grafana.example.com/d/1", "--user", "maria"
    )
    assert code == 0
    assert "Rule #2" in out
    assert "maria, signed in with a password only: forbidden (The user is in none" in out
    tested = json.loads(run(capsys, "sites", "test", "https://other.example.com/", "--json")[1])
    assert tested["rule"] is None
    assert tested["anonymous"]["outcome"] == "forbidden"
    assert run(capsys, "sites", "move", str(grafana["id"]), "1")[0] == 0
    assert (
        json.loads(run(capsys, "sites", "show", str(grafana["id"]), "--json")[1])["position"] == 1
    )
    assert run(capsys, "sites", "remove", str(grafana["id"]))[0] == 0
    code, _, err = run(capsys, "sites", "show", str(grafana["id"]))
    assert code == 1
    assert "no protected-site rule with that id" in err
    assert Event.objects.filter(event__startswith="gateway.").count() == 4


def test_bad_input_is_explained(capsys: pytest.CaptureFixture[str], clock: FakeClock) -> None:
    code, _, err = run(capsys, "sites", "add", "https://x.example.com/", "--policy", "deny")
    assert code == 1
    assert "Give a host name such as app.example.com" in err
    code, _, err = run(capsys, "sites", "add", "x.example.com", "--policy", "one_factor",
                       "--groups", "nobody")  # fmt: skip
    assert code == 1
    assert "There is no group named 'nobody'" in err
    code, _, err = run(capsys, "sites", "test", "not a url")
    assert code == 1
    assert "absolute http(s) URL" in err


def test_help_teaches_the_rule_model() -> None:
    sites = build_parser()._subparsers._group_actions[0].choices["sites"]  # type: ignore[union-attr]
    text = sites.format_help()
    for words in ("first whose domain, path and method match", "default policy is deny",
                  "two_factor", "TWOSTEP_COOKIE_DOMAIN"):  # fmt: skip
        assert words in text


def test_the_test_names_a_deactivated_user(
    capsys: pytest.CaptureFixture[str], clock: FakeClock
) -> None:
    from twostep.server.accounts.directory import set_active

    gone = make_user(clock, "gone")
    set_active(gone.user, False, actor=None, clock=clock)
    run(capsys, "sites", "add", "app.example.com", "--policy", "one_factor")
    out = run(capsys, "sites", "test", "https://app.example.com/", "--user", "gone")[1]
    assert "gone, signed in with a password only: sign_in (The user is deactivated" in out
