"""Who must use two-step verification: an administrator's changes, and the mail they send.

- ``require(user, *, days=7, actor, clock, address=None) -> bool`` JumpCloud's "Require
  two-step verification on sign-in" with an enrolment period; mails the user (True if mailed);
- ``require_many(users, *, days, actor, clock, address=None) -> int`` the same for several
  users, all or none; returns how many were mailed;
- ``extend(user, *, days, actor, clock, address=None) -> bool`` the period starts again now
  (unlocks a user whose period ran out); mails the user;
- ``lift(user, *, actor, clock, address=None)``; ``set_admin_requirement(user, required, ...)``
  (only an owner lifts either for an owner);
- ``set_org_policy(...)`` Zoom's setting: all users, some roles or some groups;
- ``save_admin_requirements(admins, *, all_admins, wanted, actor, clock, address=None)
  -> list[str]`` the Administrators page: the switch for all and each admin's checkbox.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction

from ..accounts.directory import check_may_manage
from ..accounts.models import User
from ..clock import Clock
from ..policy import services as policy
from ..policy.models import OrgPolicy
from .notices import notify_required

__all__ = [
    "extend",
    "lift",
    "require",
    "require_many",
    "save_admin_requirements",
    "set_admin_requirement",
    "set_org_policy",
]


def require(
    user: User, *, days: int = 7, actor: User | None, clock: Clock, address: str | None = None
) -> bool:
    policy.require_user(user, days=days, actor=actor, clock=clock, address=address)
    return notify_required(user, clock=clock, actor=actor, address=address)


def require_many(
    users: Sequence[User],
    *,
    days: int,
    actor: User | None,
    clock: Clock,
    address: str | None = None,
) -> int:
    with transaction.atomic():
        for user in users:
            policy.require_user(user, days=days, actor=actor, clock=clock, address=address)
    return sum(notify_required(u, clock=clock, actor=actor, address=address) for u in users)


def extend(
    user: User, *, days: int, actor: User | None, clock: Clock, address: str | None = None
) -> bool:
    policy.extend_enrolment(user, days=days, actor=actor, clock=clock, address=address)
    return notify_required(user, clock=clock, actor=actor, address=address)


def lift(user: User, *, actor: User | None, clock: Clock, address: str | None = None) -> None:
    check_may_manage(actor, user, "lift the two-step verification requirement of")
    policy.lift_requirement(user, actor=actor, clock=clock, address=address)


def set_admin_requirement(
    user: User, required: bool, *, actor: User | None, clock: Clock, address: str | None = None
) -> None:
    if not required:
        check_may_manage(actor, user, "stop requiring two-step verification of")
    policy.set_admin_requirement(user, required, actor=actor, clock=clock, address=address)


def set_org_policy(
    *,
    mode: str,
    roles: Iterable[Any] = (),
    groups: Iterable[Any] = (),
    grace_days: int = 0,
    require_all_admins: bool | None = None,
    actor: User | None,
    clock: Clock,
    address: str | None = None,
) -> OrgPolicy:
    return policy.set_org_policy(
        mode=mode,
        roles=roles,
        groups=groups,
        grace_days=grace_days,
        require_all_admins=require_all_admins,
        actor=actor,
        clock=clock,
        address=address,
    )


def save_admin_requirements(
    admins: Iterable[User],
    *,
    all_admins: bool,
    wanted: set[int],
    actor: User | None,
    clock: Clock,
    address: str | None = None,
) -> list[str]:
    """Returns what changed, in words."""
    who: dict[str, Any] = {"actor": actor, "clock": clock, "address": address}
    changed = []
    with transaction.atomic():
        current = policy.get_org_policy()
        if all_admins != current.require_all_admins:
            policy.set_org_policy(
                mode=current.mode,
                roles=list(current.roles.all()),
                groups=list(current.groups.all()),
                grace_days=current.grace_days,
                require_all_admins=all_admins,
                **who,
            )
            changed.append(
                "two-step verification is required for all administrators"
                if all_admins
                else "two-step verification is required only for the administrators checked"
            )
        for user in admins:
            req = getattr(user, "mfa_requirement", None)
            before = bool(req and req.admin_required)
            after = user.pk in wanted
            if before != after:
                set_admin_requirement(user, after, **who)
                changed.append(f"{'required' if after else 'not required'} for {user.username}")
    return changed
