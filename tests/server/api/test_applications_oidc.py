"""Applications that sign in through twostep, as admins manage them: `twostep apps` and the
admin API's /applications; both call the same use cases and are audited."""

from __future__ import annotations

import json
from typing import Any

import pytest

from server.helpers import make_user
from twostep.server.accounts.models import Group
from twostep.server.applications import access
from twostep.server.applications.models import Application
from twostep.server.audit.models import Event
from twostep.server.cli import main
from twostep.server.clock import FakeClock
from twostep.server.oidc.clients import client_for, secret_matches
from twostep.server.oidc.grants import grants_of
from twostep.server.oidc.models import Consent

from .support import ApiClient, assert_error

pytestmark = pytest.mark.django_db


def run(capsys: Any, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_create_prints_the_secret_once_as_json(capsys: Any) -> None:
    Group.objects.create(name="Ops")
    code, out, err = run(
        capsys,
        "apps",
        "create",
        "Grafana",
        "--redirect-uri",
        "https://grafana.example.com/login/generic_oauth",
        "--groups",
        "Ops",
        "--require-2fa",
        "--launch-url",
        "https://grafana.example.com/",
        "--json",
    )
    assert code == 0, err
    printed = json.loads(out)
    assert set(printed) == {"client_id", "client_secret"}
    app = Application.objects.get(name="Grafana")
    client = client_for(app)
    assert client is not None
    assert client.client_id == printed["client_id"]
    assert printed["client_secret"] not in client.client_secret  # stored as a digest
    assert secret_matches(printed["client_secret"], client.client_secret)
    assert access.requires_second_factor(app)
    assert access.describe(app)["groups"] == ["Ops"]
    assert Event.objects.filter(event="application.created").count() == 1

    code, out, _ = run(capsys, "apps", "list", "--json")
    listed = json.loads(out)
    assert [a["name"] for a in listed] == ["Grafana"]
    assert printed["client_secret"] not in out

    code, out, _ = run(capsys, "apps", "show", printed["client_id"])
    assert code == 0
    assert "groups: Ops" in out
    assert printed["client_secret"] not in out


def test_cli_update_rotate_delete(capsys: Any, clock: FakeClock) -> None:
    run(capsys, "apps", "create", "Wiki", "--redirect-uri", "https://wiki.example.com/cb")
    old = client_for(Application.objects.get(name="Wiki"))
    assert old is not None
    code, out, err = run(
        capsys,
        "apps",
        "update",
        "Wiki",
        "--roles",
        "admin",
        "--launch-url",
        "https://wiki.example.com/",
    )
    assert code == 0, err
    app = Application.objects.get(name="Wiki")
    member = make_user(clock, "bob").user
    assert not access.may_use(app, member)
    code, out, _ = run(capsys, "apps", "update", "Wiki", "--all-users")
    assert access.may_use(Application.objects.get(name="Wiki"), member)

    code, out, _ = run(capsys, "apps", "rotate-secret", "Wiki", "--json")
    rotated = json.loads(out)
    client = client_for(app)
    assert client is not None
    assert secret_matches(rotated["client_secret"], client.client_secret)
    assert client.client_secret != old.client_secret

    code, out, err = run(capsys, "apps", "delete", "Wiki", "--yes")
    assert code == 0, err
    assert not Application.objects.filter(name="Wiki").exists()
    assert Event.objects.filter(event="application.deleted").exists()


def test_cli_errors_are_one_line(capsys: Any) -> None:
    code, _, err = run(capsys, "apps", "show", "nothing")
    assert code == 1
    assert err.strip() == "twostep: there is no application 'nothing' (see `twostep apps list`)"
    code, _, err = run(capsys, "apps", "create", "X", "--redirect-uri", "ftp://x/")
    assert code == 1
    assert "is not a redirect URI" in err
    assert not Application.objects.filter(name="X").exists()  # nothing half-made
    code, _, err = run(
        capsys, "apps", "create", "Y", "--redirect-uri", "https://y.example/", "--groups", "nope"
    )
    assert code == 1
    assert "There is no group 'nope'." in err
    run(capsys, "apps", "create", "Z", "--redirect-uri", "https://z.example/")
    code, _, err = run(capsys, "apps", "create", "Z", "--redirect-uri", "https://z.example/")
    assert code == 1
    assert "There is an application named 'Z' already." in err


def test_cli_subcommands_set_django_up() -> None:
    from twostep.server.cli import build_parser

    parser = build_parser()
    for action in ("list", "show x", "create x --redirect-uri u", "update x", "rotate-secret x"):
        args = parser.parse_args(["apps", *action.split()])
        assert args.no_django is False, action  # the group's own help needs no Django
    assert parser.parse_args(["apps", "delete", "x"]).no_django is False


def test_cli_help_teaches(capsys: Any) -> None:
    with pytest.raises(SystemExit):
        main(["apps", "create", "--help"])
    out = capsys.readouterr().out
    assert "--redirect-uri" in out
    assert "twostep apps create Grafana" in out


def test_api_create_update_rotate_delete(admin: ApiClient, admin_user: Any) -> None:
    made = admin.post(
        "/admin/applications",
        {
            "name": "Nextcloud",
            "redirect_uris": ["https://cloud.example.com/apps/user_oidc/code"],
            "roles": ["admin"],
            "launch_url": "https://cloud.example.com/",
        },
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["client_secret"]
    assert body["access"] == "selected"
    assert body["roles"] == ["admin"]
    app_id = body["id"]
    assert "client_secret" not in admin.get(f"/admin/applications/{app_id}").json()
    event = Event.objects.get(event="application.created")
    assert event.actor == admin_user
    assert body["client_secret"] not in json.dumps(event.details)

    changed = admin.request(
        "PATCH", f"/admin/applications/{app_id}", {"access": "all", "require_second_factor": True}
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["access"] == "all"
    assert changed.json()["require_second_factor"]

    rotated = admin.post(f"/admin/applications/{app_id}/secret")
    assert rotated.status_code == 200
    assert rotated.json()["client_secret"] != body["client_secret"]

    assert admin.get(f"/admin/applications/{app_id}/grants").json() == []
    gone = admin.request("DELETE", f"/admin/applications/{app_id}/grants/{admin_user.pk}")
    assert_error(gone, 404, "not_found")

    assert admin.request("DELETE", f"/admin/applications/{app_id}").status_code == 204
    assert_error(admin.get(f"/admin/applications/{app_id}"), 404, "not_found")


def test_api_refuses_bad_input(admin: ApiClient) -> None:
    bad = admin.post(
        "/admin/applications",
        {"name": "Bad", "redirect_uris": ["https://b.example/"], "launch_url": "javascript:x"},
    )
    assert assert_error(bad, 422, "invalid")["field"] == "launch_url"
    assert not Application.objects.filter(name="Bad").exists()


def test_admins_and_users_revoke_grants(admin: ApiClient, clock: FakeClock) -> None:
    made = admin.post(
        "/admin/applications", {"name": "Wiki", "redirect_uris": ["https://w.example/cb"]}
    ).json()
    app = Application.objects.get(pk=made["id"])
    alice = make_user(clock, "alice").user
    client = client_for(app)
    Consent.objects.create(
        user=alice,
        client=client,
        scopes="openid profile",
        created_at=clock(),
        last_used_at=clock(),
    )
    assert [g.application.name for g in grants_of(alice)] == ["Wiki"]
    listed = admin.get(f"/admin/applications/{app.pk}/grants").json()
    assert [g["username"] for g in listed] == ["alice"]
    assert (
        admin.request("DELETE", f"/admin/applications/{app.pk}/grants/{alice.pk}").status_code
        == 204
    )
    assert grants_of(alice) == []
