"""The admin API's changes to users, roles and groups: the console's services
(:mod:`twostep.server.console.services`), with the same rules (owners, the last owner, no
acting on one's own account, roles and groups the policy uses), adapted to partial updates.

The actor is the administrator answerable for the API key (its creator); a key made on the
command line without ``--created-by`` acts like the command line (owner rights), as the
console's services define.

- ``update_user(user, changes, *, actor, clock, address=None)``: any of ``display_name``,
  ``email`` (None removes it), ``role`` (key), ``is_active``, ``groups`` (ids), ``password``;
- ``create_role / update_role``, ``create_group / update_group`` with partial ``data``;
- ``groups_by_id(ids)``.

Errors: ``InvalidUserDataError`` (field) and the console's ``ActionRefusedError``
(``not_allowed``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from ..accounts.models import Group, Role, User
from ..accounts.services import get_role, set_password
from ..clock import Clock
from ..console import services as console
from ..errors import InvalidUserDataError

__all__ = [
    "create_group",
    "create_role",
    "groups_by_id",
    "update_group",
    "update_role",
    "update_user",
]


def groups_by_id(ids: Iterable[Any]) -> list[Group]:
    wanted = {int(i) for i in ids}
    found = list(Group.objects.filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise InvalidUserDataError("groups", "One of the groups does not exist.")
    return found


def update_user(
    user: User,
    changes: Mapping[str, Any],
    *,
    actor: Any,
    clock: Clock,
    address: str | None = None,
) -> User:
    who = {"actor": actor, "clock": clock, "address": address}
    with transaction.atomic():
        if changes.get("display_name") is not None or "email" in changes:
            name = changes.get("display_name")
            console.update_profile(
                user,
                display_name=user.display_name if name is None else name,
                email=changes.get("email", user.email),
                **who,
            )
        if changes.get("role") is not None:
            console.change_role(user, get_role(str(changes["role"])), **who)
        if changes.get("is_active") is not None:
            console.set_active(user, bool(changes["is_active"]), **who)
        if changes.get("groups") is not None:
            console.set_groups(user, groups_by_id(changes["groups"]), **who)
        if changes.get("password") is not None:
            console.check_may_manage(actor, user, "change the password of")
            set_password(user, str(changes["password"]), **who)
    return user


def create_role(
    data: Mapping[str, Any], *, actor: Any, clock: Clock, address: str | None = None
) -> Role:
    return console.create_role(
        data["name"],
        data.get("description") or "",
        is_admin=bool(data.get("is_admin")),
        actor=actor,
        clock=clock,
        address=address,
    )


def update_role(
    role: Role, data: Mapping[str, Any], *, actor: Any, clock: Clock, address: str | None = None
) -> Role:
    def given(name: str) -> Any:
        value = data.get(name)
        return getattr(role, name) if value is None else value

    console.update_role(
        role,
        name=given("name"),
        description=given("description"),
        is_admin=bool(given("is_admin")),
        actor=actor,
        clock=clock,
        address=address,
    )
    return role


def create_group(
    data: Mapping[str, Any], *, actor: Any, clock: Clock, address: str | None = None
) -> Group:
    return console.create_group(
        data["name"], data.get("description") or "", actor=actor, clock=clock, address=address
    )


def update_group(
    group: Group, data: Mapping[str, Any], *, actor: Any, clock: Clock, address: str | None = None
) -> Group:
    name, description = data.get("name"), data.get("description")
    console.update_group(
        group,
        name=group.name if name is None else name,
        description=group.description if description is None else description,
        actor=actor,
        clock=clock,
        address=address,
    )
    return group
