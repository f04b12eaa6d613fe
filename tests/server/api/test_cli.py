"""`twostep apikeys`: create (shown once), list (never the key), revoke."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from twostep.server.applications.models import ApiKey
from twostep.server.audit.models import Event
from twostep.server.cli import main

from .support import ApiClient, assert_error

pytestmark = pytest.mark.django_db


def run(capsys: Any, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_create_list_revoke(capsys: Any, admin_user: Any) -> None:
    code, out, _ = run(
        capsys,
        "apikeys",
        "create",
        "--scope",
        "verify",
        "--name",
        "billing",
        "--created-by",
        "root",
    )
    assert code == 0
    key = next(w for w in out.split() if w.startswith("tsk_"))
    assert "only time the key is shown" in out
    assert ApiClient(Client(), key).get("/ping").json()["key_name"] == "billing"
    row = ApiKey.objects.get(name="billing")
    assert row.created_by == admin_user
    assert Event.objects.filter(event="api.key_created", actor=admin_user).exists()

    code, quiet, _ = run(
        capsys, "apikeys", "create", "--scope", "admin", "--name", "ops", "--quiet"
    )
    assert code == 0
    assert quiet.strip().startswith("tsk_")
    assert len(quiet.strip().splitlines()) == 1

    code, listing, _ = run(capsys, "apikeys", "list")
    assert code == 0
    assert "billing" in listing
    assert "ops" in listing
    assert key not in listing
    assert key.split("_", 2)[2] not in listing
    assert row.display_prefix in listing

    code, out, _ = run(capsys, "apikeys", "revoke", str(row.pk))
    assert code == 0
    assert "Revoked" in out
    assert_error(ApiClient(Client(), key).get("/ping"), 401, "invalid_token")
    code, out, _ = run(capsys, "apikeys", "revoke", str(row.pk))
    assert code == 0
    assert "already revoked" in out
    code, listing, _ = run(capsys, "apikeys", "list", "--active")
    assert "billing" not in listing


def test_mistakes_are_one_line_errors(capsys: Any, db: None) -> None:
    code, _, err = run(capsys, "apikeys", "revoke", "999")
    assert code == 1
    assert "no API key with id 999" in err
    code, _, err = run(
        capsys, "apikeys", "create", "--scope", "admin", "--name", "x", "--allow-create-users"
    )
    assert code == 1
    assert "Only verify keys" in err
    code, _, err = run(
        capsys, "apikeys", "create", "--scope", "admin", "--name", "x", "--created-by", "ghost"
    )
    assert code == 1
    assert "not an administrator" in err
    with pytest.raises(SystemExit):
        main(["apikeys", "create", "--scope", "root", "--name", "x"])
    assert not ApiKey.objects.exists()


def test_create_a_key_of_an_application_and_grant_it(capsys: Any, db: None) -> None:
    code, out, _ = run(
        capsys,
        "apikeys",
        "create",
        "--scope",
        "verify",
        "--name",
        "shop",
        "--application",
        "Shop",
        "--issuer",
        "Shop: online",
    )
    assert code == 0
    assert "application Shop" in out
    row = ApiKey.objects.get(name="shop")
    assert row.application is not None
    assert (row.application.name, row.application.issuer) == ("Shop", "Shop online")
    assert row.may_enrol_any_user is False
    code, out, _ = run(
        capsys, "apikeys", "create", "--scope", "verify", "--name", "hr", "--may-enrol-any-user"
    )
    assert code == 0
    assert "application Default, may enrol any user" in out
    code, listing, _ = run(capsys, "apikeys", "list")
    assert "Shop" in listing
    assert "enrols any user" in listing
    code, _, err = run(
        capsys, "apikeys", "create", "--scope", "admin", "--name", "x", "--application", "Shop"
    )
    assert code == 1
    assert "Only verify keys belong to an application" in err
