"""Groups and roles, as administrators change them (console, CLI and admin API).

The rules that protect the organisation are :mod:`twostep.server.accounts.directory`'s; this
adds the one that needs the policy: a group or role the 2FA policy names cannot be deleted (the
requirement would silently vanish).

- ``create_role(data, ...)``, ``update_role(role, data, ...)``, ``create_group(data, ...)``,
  ``update_group(group, data, ...)`` from partial ``data`` (the admin API's bodies);
- ``delete_group(group, ...)``, ``delete_role(role, ...)``: the row locked, then the policy
  checked and the row deleted in one transaction (a concurrent delete: ``ConflictError``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from ..accounts import directory
from ..accounts.models import Group, Role, User
from ..clock import Clock
from ..errors import ActionRefusedError
from ..policy.services import get_org_policy

__all__ = [
    "create_group",
    "create_role",
    "delete_group",
    "delete_role",
    "update_group",
    "update_role",
]


def create_role(
    data: Mapping[str, Any], *, actor: User | None, clock: Clock, address: str | None = None
) -> Role:
    return directory.create_role(
        data["name"],
        data.get("description") or "",
        is_admin=bool(data.get("is_admin")),
        actor=actor,
        clock=clock,
        address=address,
    )


def update_role(
    role: Role,
    data: Mapping[str, Any],
    *,
    actor: User | None,
    clock: Clock,
    address: str | None = None,
) -> Role:
    is_admin = data.get("is_admin")
    directory.update_role(
        role,
        name=data.get("name"),  # None (not given): as the role is when the change runs
        description=data.get("description"),
        is_admin=None if is_admin is None else bool(is_admin),
        actor=actor,
        clock=clock,
        address=address,
    )
    return role


def create_group(
    data: Mapping[str, Any], *, actor: User | None, clock: Clock, address: str | None = None
) -> Group:
    return directory.create_group(
        data["name"], data.get("description") or "", actor=actor, clock=clock, address=address
    )


def update_group(
    group: Group,
    data: Mapping[str, Any],
    *,
    actor: User | None,
    clock: Clock,
    address: str | None = None,
) -> Group:
    directory.update_group(
        group,
        name=data.get("name"),  # None (not given): as the group is when the change runs
        description=data.get("description"),
        actor=actor,
        clock=clock,
        address=address,
    )
    return group


def delete_group(
    group: Group, *, actor: User | None, clock: Clock, address: str | None = None
) -> None:
    with transaction.atomic():
        group = directory.locked_group(group)
        if get_org_policy().groups.filter(pk=group.pk).exists():
            raise ActionRefusedError(
                f"The two-step verification policy applies to the group {group.name}. "
                "Change the policy on the Security page first."
            )
        directory.delete_group(group, actor=actor, clock=clock, address=address)


def delete_role(
    role: Role, *, actor: User | None, clock: Clock, address: str | None = None
) -> None:
    with transaction.atomic():
        role = directory.locked_role(role)
        directory.check_may_delete_role(role)
        if get_org_policy().roles.filter(pk=role.pk).exists():
            raise ActionRefusedError(
                f"The two-step verification policy applies to the role {role.name}. "
                "Change the policy on the Security page first."
            )
        directory.delete_role(role, actor=actor, clock=clock, address=address)
