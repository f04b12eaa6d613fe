"""Who must use two-step verification, and by when: the one place that decides (DESIGN.md §4).

Three rules, any of which can require 2FA for a user:

1. ``organisation`` (Zoom): :class:`OrgPolicy` mode ``all`` / ``roles`` / ``groups``, with a
   grace period of ``grace_days`` counted from when the rule started applying to the user (the
   latest of: the policy being switched on or re-scoped, the user joining, an admin reset). With
   0 days, or once the grace period is over, setup is due at the next sign-in (no lock).
2. ``user`` (JumpCloud "Require two-step verification on sign-in"): enrolment period of 0-365
   days (default 7) from when it was required (or extended, or 2FA was reset). With 0 days setup
   is due at the next sign-in; with N > 0 days the user may postpone ("Remind me later") until
   the deadline, and once it passes without setup the user is **locked**: sign-in is refused
   until an admin extends the period, resets 2FA or lifts the requirement.
3. ``administrator`` (JumpCloud Administrators): for users whose role is an admin role, when the
   organisation switch ``require_all_admins`` is on (the default) or the admin's own checkbox is
   set. Setup is due at the next sign-in.

Functions (``clock`` is a callable returning an aware datetime; ``actor`` is the user acting):

- ``decide(user, *, clock) -> Decision`` the decision for one user;
- ``decide_many(users, *, clock) -> dict[int, Decision]`` the same for a list (few queries);
- ``get_org_policy() -> OrgPolicy``; ``get_requirement(user) -> UserRequirement`` (unsaved
  default when none);
- ``set_org_policy(*, mode, roles=(), groups=(), grace_days=0, require_all_admins=None, actor,
  clock, address=None) -> OrgPolicy``;
- ``require_user(user, *, days=7, actor, clock, address=None) -> UserRequirement``;
- ``extend_enrolment(user, *, days, actor, clock, address=None) -> UserRequirement`` (the
  period restarts now with ``days``);
- ``lift_requirement(user, *, actor, clock, address=None)``;
- ``set_admin_requirement(user, required, *, actor, clock, address=None)``;
- ``restart_enrolment_period(user, *, clock)`` (called by an admin reset of 2FA).

Each change writes an audit row. Mails about requirements are the console's to send.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.db import transaction

from ..accounts.models import Role, User
from ..attempts.models import Throttle
from ..attempts.throttle import CODE_LOCKOUT_FAILURES
from ..audit.services import Events, record
from ..clock import Clock
from ..errors import InvalidUserDataError
from ..mfa.models import Device
from .models import MAX_DAYS, OrgPolicy, UserRequirement

__all__ = [
    "Decision",
    "Rule",
    "RuleRequirement",
    "decide",
    "decide_many",
    "extend_enrolment",
    "get_org_policy",
    "get_requirement",
    "lift_requirement",
    "require_user",
    "restart_enrolment_period",
    "set_admin_requirement",
    "set_org_policy",
]


class Rule(StrEnum):
    ORGANISATION = "organisation"
    USER = "user"
    ADMINISTRATOR = "administrator"


class Status(StrEnum):
    NOT_REQUIRED = "not_required"
    ENROLLED = "enrolled"
    SETUP_NOW = "setup_now"  # required, not set up, must be set up at the next sign-in
    SETUP_BY_DEADLINE = "setup_by_deadline"  # required, not set up, may postpone until deadline
    LOCKED = "locked"  # required, not set up, the enrolment period ran out


@dataclass(frozen=True)
class RuleRequirement:
    rule: Rule
    deadline: datetime | None  # None: due at the next sign-in
    locks: bool  # the user is locked once ``deadline`` passes
    reason: str  # in words, for the admin console


@dataclass(frozen=True)
class Decision:
    """The answer for one user at one moment (``now``)."""

    now: datetime
    enrolled: bool
    requirements: tuple[RuleRequirement, ...]
    locked_out: bool = False  # too many wrong codes (mfa throttle), separate from ``locked``

    @property
    def required(self) -> bool:
        return bool(self.requirements)

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(r.rule for r in self.requirements)

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(r.reason for r in self.requirements)

    @property
    def locked(self) -> bool:
        """Required, not set up, and an enrolment period that locks has run out."""
        if self.enrolled:
            return False
        return any(
            r.locks and r.deadline is not None and r.deadline <= self.now for r in self.requirements
        )

    @property
    def deadline(self) -> datetime | None:
        """The earliest setup deadline among the rules (None: none has a deadline)."""
        dates = [r.deadline for r in self.requirements if r.deadline is not None]
        return min(dates) if dates else None

    @property
    def locks_at(self) -> datetime | None:
        """When the user will be locked out (no sign-in, no setup) if 2FA is not set up by
        then: the earliest deadline of a rule that locks (the per-user enrolment period)."""
        dates = [r.deadline for r in self.requirements if r.locks and r.deadline is not None]
        return min(dates) if dates else None

    @property
    def can_postpone(self) -> bool:
        """ "Remind me later" is allowed: every requiring rule has a deadline still ahead."""
        if self.enrolled or not self.required or self.locked:
            return False
        return all(r.deadline is not None and r.deadline > self.now for r in self.requirements)

    @property
    def status(self) -> Status:
        if self.enrolled:
            return Status.ENROLLED
        if not self.required:
            return Status.NOT_REQUIRED
        if self.locked:
            return Status.LOCKED
        return Status.SETUP_BY_DEADLINE if self.can_postpone else Status.SETUP_NOW

    @property
    def days_left(self) -> int:
        """Whole days (rounded up) until the deadline; 0 when none or passed."""
        deadline = self.deadline
        if deadline is None or deadline <= self.now:
            return 0
        return math.ceil((deadline - self.now).total_seconds() / 86400)


def get_org_policy() -> OrgPolicy:
    policy, _ = OrgPolicy.objects.get_or_create(pk=1)
    return policy


def get_requirement(user: User) -> UserRequirement:
    try:
        return UserRequirement.objects.get(user=user)
    except UserRequirement.DoesNotExist:
        return UserRequirement(user=user)


def _latest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return max(present) if present else None


def _requirements(
    user: User,
    *,
    policy: OrgPolicy,
    role_ids: set[int],
    group_ids: dict[int, str],
    user_group_ids: set[int],
    requirement: UserRequirement | None,
    is_admin: bool,
) -> tuple[RuleRequirement, ...]:
    found: list[RuleRequirement] = []
    restarted = requirement.period_restarted_at if requirement else None

    applies = (
        policy.mode == OrgPolicy.ALL
        or (policy.mode == OrgPolicy.ROLES and user.role_id in role_ids)
        or (policy.mode == OrgPolicy.GROUPS and bool(user_group_ids & group_ids.keys()))
    )
    if applies:
        if policy.mode == OrgPolicy.GROUPS:
            reason = _groups_reason(
                sorted(group_ids[pk] for pk in user_group_ids & group_ids.keys())
            )
        elif policy.mode == OrgPolicy.ROLES:
            reason = "The organisation requires it for the user's role."
        else:
            reason = "The organisation requires two-step verification for all users."
        deadline = None
        if policy.grace_days:
            start = _latest(policy.applies_since, user.date_joined, restarted)
            if start is not None:
                deadline = start + timedelta(days=policy.grace_days)
        found.append(RuleRequirement(Rule.ORGANISATION, deadline, False, reason))

    if requirement is not None and requirement.required:
        deadline = None
        if requirement.enrolment_days:
            start = _latest(requirement.required_since, restarted)
            if start is not None:
                deadline = start + timedelta(days=requirement.enrolment_days)
        found.append(
            RuleRequirement(
                Rule.USER,
                deadline,
                deadline is not None,
                "An administrator requires two-step verification for this user"
                + (f" (enrolment period {requirement.enrolment_days} days)." if deadline else "."),
            )
        )

    if is_admin and (policy.require_all_admins or (requirement and requirement.admin_required)):
        reason = (
            "All administrators must use two-step verification."
            if policy.require_all_admins
            else "Two-step verification is required for this administrator."
        )
        found.append(RuleRequirement(Rule.ADMINISTRATOR, None, False, reason))
    return tuple(found)


def _groups_reason(names: list[str]) -> str:
    """The organisation rule's reason, naming the user's groups that it covers."""
    if len(names) == 1:
        return f"The organisation requires it for the group {names[0]}, which the user is in."
    listed = ", ".join(names[:-1]) + f" and {names[-1]}"
    return f"The organisation requires it for the groups {listed}, which the user is in."


def _scope_ids(policy: OrgPolicy) -> tuple[set[int], dict[int, str]]:
    """The roles' ids and the groups' ids and names the organisation rule covers."""
    role_ids = set(policy.roles.values_list("pk", flat=True)) if policy.mode == "roles" else set()
    group_ids = dict(policy.groups.values_list("pk", "name")) if policy.mode == "groups" else {}
    return role_ids, group_ids


def _locked_out_ids(user_ids: Iterable[int]) -> set[int]:
    keys = [str(pk) for pk in user_ids]
    rows = Throttle.objects.filter(scope=Throttle.CODE, key__in=keys).filter(
        locked_at__isnull=False
    ) | Throttle.objects.filter(
        scope=Throttle.CODE, key__in=keys, failures__gte=CODE_LOCKOUT_FAILURES
    )
    return {int(key) for key in rows.values_list("key", flat=True)}


def decide(user: User, *, clock: Clock) -> Decision:
    """The decision for ``user`` now."""
    return decide_many([user], clock=clock)[user.pk]


def decide_many(users: Sequence[User], *, clock: Clock) -> dict[int, Decision]:
    """Decisions for several users with a fixed number of queries."""
    now = clock()
    policy = get_org_policy()
    role_ids, group_ids = _scope_ids(policy)
    ids = [u.pk for u in users]
    requirements = {r.user_id: r for r in UserRequirement.objects.filter(user_id__in=ids)}
    enrolled = set(Device.objects.filter(user_id__in=ids).values_list("user_id", flat=True))
    locked_out = _locked_out_ids(ids)
    memberships: dict[int, set[int]] = {pk: set() for pk in ids}
    if policy.mode == OrgPolicy.GROUPS:
        for user_id, group_id in User.groups.through.objects.filter(user_id__in=ids).values_list(
            "user_id", "group_id"
        ):
            memberships[user_id].add(group_id)
    admin_roles = set(Role.objects.filter(is_admin=True).values_list("pk", flat=True))
    decisions = {}
    for user in users:
        decisions[user.pk] = Decision(
            now=now,
            enrolled=user.pk in enrolled,
            requirements=_requirements(
                user,
                policy=policy,
                role_ids=role_ids,
                group_ids=group_ids,
                user_group_ids=memberships[user.pk],
                requirement=requirements.get(user.pk),
                is_admin=user.role_id in admin_roles,
            ),
            locked_out=user.pk in locked_out,
        )
    return decisions


# -- changes ---------------------------------------------------------------------------------


def _check_days(days: int, field: str) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_DAYS:
        raise InvalidUserDataError(field, f"Give a number of days from 0 to {MAX_DAYS}.")
    return days


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
    if mode not in {m for m, _ in OrgPolicy.MODES}:
        raise InvalidUserDataError("mode", "Choose off, all, roles or groups.")
    _check_days(grace_days, "grace_days")
    roles, groups = list(roles), list(groups)
    if mode == OrgPolicy.ROLES and not roles:
        raise InvalidUserDataError("roles", "Select at least one role.")
    if mode == OrgPolicy.GROUPS and not groups:
        raise InvalidUserDataError("groups", "Select at least one group.")
    now = clock()
    with transaction.atomic():
        policy = get_org_policy()
        before = (
            policy.mode,
            set(policy.roles.values_list("pk", flat=True)),
            set(policy.groups.values_list("pk", flat=True)),
        )
        policy.mode = mode
        policy.grace_days = grace_days
        if require_all_admins is not None:
            policy.require_all_admins = require_all_admins
        policy.updated_at = now
        policy.updated_by = actor if getattr(actor, "pk", None) else None
        policy.save()
        policy.roles.set(roles if mode == OrgPolicy.ROLES else [])
        policy.groups.set(groups if mode == OrgPolicy.GROUPS else [])
        after = (
            mode,
            set(policy.roles.values_list("pk", flat=True)),
            set(policy.groups.values_list("pk", flat=True)),
        )
        if mode != OrgPolicy.OFF and after != before:
            policy.applies_since = now
            policy.save(update_fields=["applies_since"])
        record(
            Events.POLICY_CHANGED,
            clock=clock,
            actor=actor,
            address=address,
            mode=mode,
            roles=sorted(after[1]),
            groups=sorted(after[2]),
            grace_days=grace_days,
            require_all_admins=policy.require_all_admins,
        )
    return policy


def _save_requirement(req: UserRequirement, actor: User | None, now: datetime) -> UserRequirement:
    req.updated_at = now
    req.updated_by = actor if getattr(actor, "pk", None) else None
    req.save()
    return req


def require_user(
    user: User, *, days: int = 7, actor: User | None, clock: Clock, address: str | None = None
) -> UserRequirement:
    return _start_period(
        user, days, Events.REQUIREMENT_SET, actor=actor, clock=clock, address=address
    )


def _start_period(
    user: User, days: int, event: str, *, actor: User | None, clock: Clock, address: str | None
) -> UserRequirement:
    _check_days(days, "days")
    now = clock()
    req = get_requirement(user)
    req.required = True
    req.enrolment_days = days
    req.required_since = now
    _save_requirement(req, actor, now)
    record(event, clock=clock, actor=actor, subject=user, address=address, days=days)
    return req


def extend_enrolment(
    user: User, *, days: int, actor: User | None, clock: Clock, address: str | None = None
) -> UserRequirement:
    """Start the enrolment period again, now, with ``days`` days (unlocks a locked user).

    Audited as its own event, so the log tells an extension from a new requirement."""
    return _start_period(
        user, days, Events.ENROLMENT_EXTENDED, actor=actor, clock=clock, address=address
    )


def lift_requirement(
    user: User, *, actor: User | None, clock: Clock, address: str | None = None
) -> None:
    now = clock()
    req = get_requirement(user)
    if req.pk is None and not req.required:
        return
    req.required = False
    _save_requirement(req, actor, now)
    record(Events.REQUIREMENT_LIFTED, clock=clock, actor=actor, subject=user, address=address)


def set_admin_requirement(
    user: User, required: bool, *, actor: User | None, clock: Clock, address: str | None = None
) -> None:
    now = clock()
    req = get_requirement(user)
    req.admin_required = bool(required)
    _save_requirement(req, actor, now)
    record(
        Events.ADMIN_REQUIREMENT_SET,
        clock=clock,
        actor=actor,
        subject=user,
        address=address,
        required=bool(required),
    )


def restart_enrolment_period(user: User, *, clock: Clock) -> None:
    now = clock()
    req = get_requirement(user)
    req.period_restarted_at = now
    if req.required:
        req.required_since = now
    req.updated_at = now
    req.save()
