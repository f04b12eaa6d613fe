"""Upgrading a database made before applications existed: the data migration puts each verify
key in the application "Default", and only the users those keys made (no password, an external
id, not an administrator, not invited) become its users."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("applications", "0001_initial"), ("accounts", "0006_web_sessions")]


def migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_verify_keys_and_their_users_join_the_default_application() -> None:
    old = migrate(BEFORE)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    role = old.get_model("accounts", "Role")
    user_model = old.get_model("accounts", "User")
    # The built-in roles come from a data migration; a transactional test before this one (same
    # worker) may have flushed them.
    member, _ = role.objects.get_or_create(
        key="member", defaults={"name": "Member", "is_admin": False, "builtin": True}
    )
    admin, _ = role.objects.get_or_create(
        key="admin", defaults={"name": "Admin", "is_admin": True, "builtin": True}
    )

    def user(name: str, *, password: str, external_id: str | None, **kw: Any) -> Any:
        return user_model.objects.create(
            username=name,
            email=f"{name}@example.com",
            password=password,
            external_id=external_id,
            role=kw.pop("role", member),
            date_joined=now,
            **kw,
        )

    app_user = user("crm-1", password="!unusable", external_id="crm-1")
    with_password = user("alice", password="argon2$x", external_id="hr-7")
    user("root", password="!unusable", external_id="hr-1", role=admin)
    invited = user("ivy", password="!unusable", external_id="hr-9")
    old.get_model("accounts", "Invitation").objects.create(
        user=invited, token_hash="0" * 64, created_at=now, expires_at=now
    )
    key_model = old.get_model("applications", "ApiKey")
    for n, scope in enumerate(("verify", "admin")):
        key_model.objects.create(
            name=scope, scope=scope, lookup=f"{n:012x}", digest="0" * 64, created_at=now
        )

    new = migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    keys = {k.scope: k for k in new.get_model("applications", "ApiKey").objects.all()}
    assert keys["verify"].application.name == "Default"
    assert keys["verify"].may_enrol_any_user is False
    assert keys["admin"].application_id is None
    members = new.get_model("applications", "AppUser").objects.all()
    assert [(m.user_id, m.external_id, m.application.name) for m in members] == [
        (app_user.pk, "crm-1", "Default")
    ]
    assert with_password.pk not in {m.user_id for m in members}
