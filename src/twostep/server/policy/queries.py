"""Finding users by 2FA status in the database, so lists and counts stay fast at 100k users.

The policy service (:mod:`twostep.server.policy.services`) decides, per user, whether 2FA is
required and whether the user is locked; the console shows those decisions (``decide_many``
for the users on one page). To *filter and count* 100k users it cannot ask user by user, so
this module states the same three rules as SQL conditions. It decides nothing on its own: it
only narrows a queryset, the page then shows the policy's own decisions, and
``tests/server/console/test_queries.py`` checks on mixed populations that every filter selects
exactly the users whose ``decide_many`` decision has that status.

Statuses (``STATUSES``):

- ``enrolled``: two-step verification is set up;
- ``pending``: required, not set up, not locked (set up at the next sign-in, or by a deadline);
- ``locked``: required, not set up, the enrolment period ran out (``Decision.locked``), or
  locked after too many wrong codes (``Decision.locked_out``);
- ``off``: not set up and not required;
- ``required``: required by any rule (set up or not).

Functions: ``status_q(status, *, now) -> Q``, ``filter_users(qs, *, search, role, group,
status, now) -> QuerySet``, ``counts(*, now) -> Counts``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast, Coalesce, Greatest

from ..accounts.models import User
from ..attempts.models import Throttle
from ..attempts.throttle import CODE_LOCKOUT_FAILURES
from ..mfa.models import Device
from .models import OrgPolicy, UserRequirement
from .services import get_org_policy

__all__ = ["STATUSES", "Counts", "counts", "filter_users", "status_q"]

STATUSES: Final = {
    "enrolled": "Set up",
    "pending": "Required, not set up",
    "locked": "Locked",
    "off": "Not set up, not required",
    "required": "Required (set up or not)",
}

_TRUE: Final = Q(pk__isnull=False)
_FALSE: Final = Q(pk__in=[])


def _enrolled() -> Exists:
    return Exists(Device.objects.filter(user_id=OuterRef("pk")))


def _throttle_locked() -> Exists:
    """Locked after too many wrong codes (the same rows ``decide_many`` reads)."""
    return Exists(
        Throttle.objects.filter(
            scope=Throttle.CODE, key=Cast(OuterRef("pk"), output_field=CharField())
        ).filter(Q(locked_at__isnull=False) | Q(failures__gte=CODE_LOCKOUT_FAILURES))
    )


def _org_rule(policy: OrgPolicy) -> Q:
    if policy.mode == OrgPolicy.ALL:
        return _TRUE
    if policy.mode == OrgPolicy.ROLES:
        return Q(role_id__in=list(policy.roles.values_list("pk", flat=True)))
    if policy.mode == OrgPolicy.GROUPS:
        group_ids = list(policy.groups.values_list("pk", flat=True))
        through = User.groups.through
        return Q(Exists(through.objects.filter(user_id=OuterRef("pk"), group_id__in=group_ids)))
    return _FALSE


def _admin_rule(policy: OrgPolicy) -> Q:
    if policy.require_all_admins:
        return Q(role__is_admin=True)
    return Q(role__is_admin=True, mfa_requirement__admin_required=True)


def _required(policy: OrgPolicy) -> Q:
    return _org_rule(policy) | Q(mfa_requirement__required=True) | _admin_rule(policy)


def _deadline_passed(now: datetime) -> Q:
    """The per-user requirement's enrolment period (``days`` > 0) ran out.

    The period starts at the later of ``required_since`` and ``period_restarted_at``; the
    condition is written once per distinct period length in use (a handful in practice), so
    it works the same on SQLite and PostgreSQL without date arithmetic in SQL.
    """
    lengths = sorted(
        UserRequirement.objects.filter(required=True, enrolment_days__gt=0)
        .values_list("enrolment_days", flat=True)
        .distinct()
    )
    condition = _FALSE
    for days in lengths:
        condition |= Q(
            mfa_requirement__enrolment_days=days, _period_start__lte=now - timedelta(days=days)
        )
    return Q(mfa_requirement__required=True) & condition


def _with_period_start(qs: QuerySet[Any]) -> QuerySet[Any]:
    since = "mfa_requirement__required_since"
    restarted = "mfa_requirement__period_restarted_at"
    # Greatest() is NULL on SQLite if either side is, so each side falls back to the other.
    with_start: QuerySet[Any] = qs.alias(
        _period_start=Greatest(Coalesce(since, restarted), Coalesce(restarted, since))
    )
    return with_start


def status_q(status: str, *, now: datetime, policy: OrgPolicy | None = None) -> Q:
    """The condition for ``status`` (see the module docstring); use on :func:`users` querysets."""
    policy = policy or get_org_policy()
    enrolled = Q(_enrolled())
    deadline_locked = ~enrolled & _deadline_passed(now)
    if status == "enrolled":
        return enrolled
    if status == "locked":
        return deadline_locked | Q(_throttle_locked())
    if status == "pending":
        return _required(policy) & ~enrolled & ~_deadline_passed(now)
    if status == "off":
        return ~_required(policy) & ~enrolled
    if status == "required":
        return _required(policy)
    raise ValueError(f"unknown status {status!r}")


def users() -> QuerySet[User]:
    """All users, ready for :func:`status_q` conditions."""
    return _with_period_start(User.objects.all())


def filter_users(
    qs: QuerySet[User] | None = None,
    *,
    search: str = "",
    role: Any = None,
    group: Any = None,
    status: str = "",
    now: datetime,
) -> QuerySet[User]:
    """Narrow ``qs`` (default: every user) by the users page's filters, in the database."""
    qs = _with_period_start(qs if qs is not None else User.objects.all())
    search = search.strip()
    if search:
        qs = qs.filter(
            Q(username__icontains=search)
            | Q(email__icontains=search)
            | Q(display_name__icontains=search)
        )
    if role:
        qs = qs.filter(role=role)
    if group:
        qs = qs.filter(
            Exists(User.groups.through.objects.filter(user_id=OuterRef("pk"), group=group))
        )
    if status:
        qs = qs.filter(status_q(status, now=now))
    return qs


@dataclass(frozen=True)
class Counts:
    users: int
    required: int
    required_enrolled: int
    enrolled: int
    pending: int
    locked_deadline: int
    locked_codes: int


def counts(*, now: datetime) -> Counts:
    """The dashboard's numbers, one COUNT query each."""
    policy = get_org_policy()
    base = users()
    enrolled = Q(_enrolled())
    required = _required(policy)
    return Counts(
        users=base.count(),
        required=base.filter(required).count(),
        required_enrolled=base.filter(required & enrolled).count(),
        enrolled=base.filter(enrolled).count(),
        pending=base.filter(status_q("pending", now=now, policy=policy)).count(),
        locked_deadline=base.filter(~enrolled & _deadline_passed(now)).count(),
        locked_codes=base.filter(Q(_throttle_locked())).count(),
    )
