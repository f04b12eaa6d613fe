"""An administrator's work on users (console, CLI and admin API), and an invitee's answer.

- ``add_user(*, username, email, password, display_name, role, groups=(), external_id=None,
  email_verified=False, invite=False, require_days=None, actor, clock, address=None) -> Added``
  creates the user (with a password, or none; only an owner makes owners), requires 2FA with an
  enrolment period when ``require_days`` is given (all in one transaction), then mails the
  invitation (``invite``) or the requirement;
- ``update_user(user, changes, *, actor, clock, address=None)`` the admin API's partial update:
  any of ``display_name``, ``email`` (None removes it), ``role`` (key), ``is_active``,
  ``groups`` (ids), ``password``; a new password or a deactivation also revokes the tokens
  the user's applications hold (OpenID Connect), as it ends the user's sessions;
- ``save_user(user, form, *, actor, clock, address=None) -> list[str]`` the console's user page:
  profile, active, role, groups, and the per-user and administrator requirements (what changed,
  in words); mails the user when 2FA became required; a deactivation revokes the user's
  applications' tokens;
- ``invite(user, *, actor, clock, address=None) -> (link, mailed)`` a new invitation link (the
  old one stops working), mailed; the link is shown to the admin only when the mail failed;
- ``accept_invitation(token, password, *, clock, address=None) -> User`` the invitee chooses a
  password; their enrolment period starts again (they could not sign in before);
- ``groups_by_id(ids) -> list[Group]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from ..accounts import directory, invitations
from ..accounts.models import Group, Role, User
from ..accounts.services import create_user, get_role, set_password
from ..clock import Clock
from ..errors import NoSuchReferenceError
from ..mail import send_to_user
from ..policy import services as policy
from ..policy.services import get_requirement
from .notices import notify_required
from .requirements import lift, set_admin_requirement
from .sessions import revoke_application_tokens

__all__ = [
    "Added",
    "accept_invitation",
    "add_user",
    "groups_by_id",
    "invite",
    "save_user",
    "update_user",
]


@dataclass(frozen=True)
class Added:
    user: User
    link: str | None  # the invitation link, when the mail with it could not be sent
    mailed: bool


def groups_by_id(ids: Iterable[Any]) -> list[Group]:
    wanted = {int(i) for i in ids}
    found = list(Group.objects.filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise NoSuchReferenceError("groups", "One of the groups does not exist.")
    return found


def invite(
    user: User, *, actor: User | None, clock: Clock, address: str | None = None
) -> tuple[str, bool]:
    token, expires = invitations.new_invitation(user, actor=actor, clock=clock, address=address)
    link = settings.TWOSTEP_BASE_URL + reverse("console:join", args=[token])
    mailed = send_to_user(
        user,
        "invitation",
        {"link": link, "actor": actor, "expires": expires},
        clock=clock,
        address=address,
    )
    return link, mailed


def accept_invitation(
    token: str, password: str, *, clock: Clock, address: str | None = None
) -> User:
    with transaction.atomic():
        user = invitations.accept_invitation(token, password, clock=clock, address=address)
        policy.restart_enrolment_period(user, clock=clock)
    return user


def add_user(
    *,
    username: str,
    email: str | None,
    password: str | None,
    display_name: str = "",
    role: str | Role,
    groups: Iterable[Group] = (),
    external_id: str | None = None,
    email_verified: bool = False,
    invite_user: bool = False,
    require_days: int | None = None,
    actor: User | None,
    clock: Clock,
    address: str | None = None,
) -> Added:
    who: dict[str, Any] = {"actor": actor, "clock": clock, "address": address}
    directory.check_may_assign(actor, role if isinstance(role, Role) else get_role(role))
    with transaction.atomic():
        user = create_user(
            username=username,
            email=email,
            password=None if invite_user else password,
            display_name=display_name,
            role=role,
            groups=groups,
            external_id=external_id,
            email_verified=email_verified,
            **who,
        )
        if require_days is not None:
            policy.require_user(user, days=require_days, **who)
    if invite_user:
        link, mailed = invite(user, **who)
        return Added(user, None if mailed else link, mailed)
    mailed = require_days is not None and notify_required(user, **who)
    return Added(user, None, mailed)


def update_user(
    user: User,
    changes: Mapping[str, Any],
    *,
    actor: User | None,
    clock: Clock,
    address: str | None = None,
) -> User:
    who: dict[str, Any] = {"actor": actor, "clock": clock, "address": address}
    with transaction.atomic():
        if changes.get("display_name") is not None or "email" in changes:
            name = changes.get("display_name")
            directory.update_profile(
                user,
                display_name=user.display_name if name is None else name,
                email=changes.get("email", user.email),
                **who,
            )
        if changes.get("role") is not None:
            directory.change_role(user, get_role(str(changes["role"])), **who)
        active = changes.get("is_active")
        if active is not None and directory.set_active(user, bool(active), **who) and not active:
            revoke_application_tokens(user)
        if changes.get("groups") is not None:
            directory.set_groups(user, groups_by_id(changes["groups"]), **who)
        if changes.get("password") is not None:
            directory.check_may_manage(actor, user, "change the password of")
            set_password(user, str(changes["password"]), **who)
            revoke_application_tokens(user)
    return user


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def save_user(
    user: User,
    form: Mapping[str, Any],
    *,
    actor: User | None,
    clock: Clock,
    address: str | None = None,
) -> list[str]:
    """``form``: ``display_name``, ``email``, ``is_active``, ``role``, ``groups``,
    ``require_mfa``, ``enrolment_days``, ``admin_required``."""
    who: dict[str, Any] = {"actor": actor, "clock": clock, "address": address}
    changed: list[str] = []
    notify = False
    with transaction.atomic():
        fields = directory.update_profile(
            user, display_name=form["display_name"], email=form["email"] or None, **who
        )
        changed += ["name" if f == "display_name" else f for f in fields]
        if directory.set_active(user, form["is_active"], **who):
            changed.append("active" if form["is_active"] else "deactivated")
            if not user.is_active:
                revoke_application_tokens(user)
        if directory.change_role(user, form["role"], **who):
            changed.append(f"role {form['role'].name}")
        if directory.set_groups(user, form["groups"], **who):
            changed.append("groups")
        req = get_requirement(user)
        days = form["enrolment_days"]
        if form["require_mfa"] and (not req.required or req.enrolment_days != days):
            policy.require_user(user, days=days, **who)
            changed.append(f"two-step verification required ({_plural(days, 'day')} to set it up)")
            notify = True
        elif not form["require_mfa"] and req.required:
            lift(user, **who)
            changed.append("requirement lifted")
        if user.role.is_admin and form["admin_required"] != req.admin_required:
            set_admin_requirement(user, form["admin_required"], **who)
            changed.append(
                "administrator requirement " + ("on" if form["admin_required"] else "off")
            )
    if notify:
        notify_required(user, **who)
    return changed
