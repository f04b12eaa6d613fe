"""The handlers of ``twostep users``, ``twostep policy`` and ``twostep remind`` (see
:mod:`.cli` for the arguments). Imported only after Django is set up."""

from __future__ import annotations

import argparse

from django.db.models import Q

from ..accounts.models import Group, Role, User
from ..accounts.services import find_user
from ..clock import get_clock
from ..errors import InvalidUserDataError
from ..mfa import devices
from ..policy.models import OrgPolicy
from ..policy.queries import counts, filter_users
from ..policy.services import decide, decide_many, get_org_policy
from ..policy.wording import describe, plural
from ..usecases import enrolment, requirements
from ..usecases.notices import send_due_notices


def _user(name: str) -> User:
    user = find_user(name)
    if user is None:
        raise InvalidUserDataError("user", f"no user has the username or email {name!r}")
    return user


def _role(name: str) -> Role:
    role = Role.objects.filter(Q(key__iexact=name) | Q(name__iexact=name)).first()
    if role is None:
        known = ", ".join(Role.objects.order_by("key").values_list("key", flat=True))
        raise InvalidUserDataError("roles", f"there is no role {name!r} (roles: {known})")
    return role


def _group(name: str) -> Group:
    group = Group.objects.filter(name__iexact=name).first()
    if group is None:
        known = ", ".join(Group.objects.order_by("name").values_list("name", flat=True)) or "none"
        raise InvalidUserDataError("groups", f"there is no group {name!r} (groups: {known})")
    return group


def _status_line(user: User) -> str:
    view = describe(decide(user, clock=get_clock()))
    return f"{view.label}" + (f" ({view.detail})" if view.detail else "")


# -- users ---------------------------------------------------------------------------------------


def users_list(args: argparse.Namespace) -> int:
    clock = get_clock()
    now = clock()
    limit = max(1, min(args.limit, 10_000))
    start = (max(1, args.page) - 1) * limit
    qs = filter_users(
        search=args.search,
        role=_role(args.role) if args.role else None,
        group=_group(args.group) if args.group else None,
        status=args.status or "",
        now=now,
    )
    total = qs.count()
    people = list(qs.select_related("role").order_by("username")[start : start + limit])
    decisions = decide_many(people, clock=lambda: now)
    rows = [("USERNAME", "EMAIL", "ROLE", "TWO-STEP VERIFICATION")]
    for user in people:
        view = describe(decisions[user.pk])
        rows.append(
            (
                user.username,
                user.email or "-",
                user.role.key,
                view.label + (f" ({view.detail})" if view.detail else ""),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
    shown = f"{start + 1}-{start + len(people)}" if people else "none"
    print(f"\n{plural(total, 'user')} match; showing {shown}.")
    return 0


def users_show(args: argparse.Namespace) -> int:
    user = _user(args.name)
    decision = decide(user, clock=get_clock())
    view = describe(decision)
    print(f"User:     {user.username} ({user.name}){'' if user.is_active else ' - deactivated'}")
    print(f"Email:    {user.email or '-'}{' (verified)' if user.email_verified else ''}")
    print(f"Role:     {user.role.name}")
    groups = ", ".join(user.groups.order_by("name").values_list("name", flat=True))
    print(f"Groups:   {groups or '-'}")
    print(f"2FA:      {view.label}" + (f" - {view.detail}" if view.detail else ""))
    for requirement in decision.requirements:
        when = (
            f"deadline {requirement.deadline:%Y-%m-%d %H:%M} UTC"
            if requirement.deadline
            else "at the next sign-in"
        )
        print(f"  required by the {requirement.rule} rule, {when}: {requirement.reason}")
    device = devices.device_for(user)
    if device is not None:
        print(
            f"Device:   set up {device.created_at:%Y-%m-%d %H:%M} UTC; "
            f"{devices.recovery_codes_left(user)} recovery codes left"
        )
    return 0


def users_require(args: argparse.Namespace) -> int:
    user = _user(args.name)
    clock = get_clock()
    mailed = requirements.require(user, days=args.days, actor=None, clock=clock)
    print(f"Two-step verification is required for {user.username}: {_status_line(user)}.")
    if mailed:
        print(f"Mailed {user.email}.")
    return 0


def users_extend(args: argparse.Namespace) -> int:
    user = _user(args.name)
    clock = get_clock()
    requirements.extend(user, days=args.days, actor=None, clock=clock)
    print(f"{user.username}: {_status_line(user)}.")
    return 0


def users_lift(args: argparse.Namespace) -> int:
    user = _user(args.name)
    clock = get_clock()
    requirements.lift(user, actor=None, clock=clock)
    print(f"{user.username}'s own requirement is lifted. Now: {_status_line(user)}.")
    return 0


def users_reset(args: argparse.Namespace) -> int:
    user = _user(args.name)
    enrolment.reset(user, actor=None, clock=get_clock())
    print(
        f"Two-step verification was reset for {user.username}; they set it up again at their "
        "next sign-in."
    )
    return 0


def users_unlock(args: argparse.Namespace) -> int:
    user = _user(args.name)
    clock = get_clock()
    if enrolment.unlock(user, actor=None, clock=clock):
        print(f"{user.username} is unlocked.")
        return 0
    decision = decide(user, clock=clock)
    if decision.locked:
        print(
            f"{user.username} is not locked after wrong codes but because the setup deadline "
            f"passed: use `twostep users extend {user.username} --days N`, `reset` or `lift`."
        )
        return 1
    print(f"{user.username} was not locked.")
    return 0


# -- policy --------------------------------------------------------------------------------------


def _scope(policy: OrgPolicy) -> str:
    if policy.mode == OrgPolicy.OFF:
        return "off"
    if policy.mode == OrgPolicy.ALL:
        return "on, for all users"
    if policy.mode == OrgPolicy.ROLES:
        names = ", ".join(policy.roles.order_by("name").values_list("name", flat=True))
        return f"on, for users with the roles: {names}"
    names = ", ".join(policy.groups.order_by("name").values_list("name", flat=True))
    return f"on, for users in the groups: {names}"


def policy_show(args: argparse.Namespace) -> int:
    policy = get_org_policy()
    n = counts(now=get_clock()())
    print(f"Sign in with two-step verification: {_scope(policy)}")
    if policy.mode != OrgPolicy.OFF:
        print(
            "Days to set it up: "
            + (str(policy.grace_days) if policy.grace_days else "0 (at the next sign-in)")
        )
    print(f"Required for all administrators: {'yes' if policy.require_all_admins else 'no'}")
    if not policy.require_all_admins:
        chosen = User.objects.filter(
            role__is_admin=True, mfa_requirement__admin_required=True
        ).order_by("username")
        print(
            "Administrators required one by one: "
            + (", ".join(u.username for u in chosen) or "none")
        )
    print(
        f"Users: {n.users}; required {n.required} (set up {n.required_enrolled}); "
        f"pending {n.pending}; locked {n.locked_deadline} (deadline) + {n.locked_codes} "
        "(wrong codes)"
    )
    return 0


def policy_set(args: argparse.Namespace) -> int:
    policy = get_org_policy()
    mode = args.mode or policy.mode
    if args.roles and mode != OrgPolicy.ROLES:
        raise InvalidUserDataError("roles", "--roles goes with --mode roles")
    if args.groups and mode != OrgPolicy.GROUPS:
        raise InvalidUserDataError("groups", "--groups goes with --mode groups")
    roles = [_role(name) for name in args.roles] if args.roles else list(policy.roles.all())
    groups = [_group(name) for name in args.groups] if args.groups else list(policy.groups.all())
    if mode == OrgPolicy.ROLES and not roles:
        raise InvalidUserDataError("roles", "--mode roles needs --roles NAME[,NAME...]")
    if mode == OrgPolicy.GROUPS and not groups:
        raise InvalidUserDataError("groups", "--mode groups needs --groups NAME[,NAME...]")
    all_admins = None if args.all_admins is None else args.all_admins == "on"
    requirements.set_org_policy(
        mode=mode,
        roles=roles,
        groups=groups,
        grace_days=policy.grace_days if args.grace_days is None else args.grace_days,
        require_all_admins=all_admins,
        actor=None,
        clock=get_clock(),
    )
    print("Saved.")
    return policy_show(args)


# -- remind --------------------------------------------------------------------------------------


def remind(args: argparse.Namespace) -> int:
    report = send_due_notices(clock=get_clock(), dry_run=args.dry_run)
    verb = "Would send" if args.dry_run else "Sent"
    print(f"{verb} {plural(report.sent, 'mail')} ({report.checked} users checked).")
    for label, names in (
        ("2FA now required", report.required),
        ("reminder, deadline within a day", report.reminders),
        ("deadline passed, cannot sign in", report.locked),
    ):
        if names:
            print(f"  {label}: {', '.join(names)}")
    if report.failed:
        print(f"Could not send to: {', '.join(report.failed)} (tried again at the next run).")
        return 1
    return 0
