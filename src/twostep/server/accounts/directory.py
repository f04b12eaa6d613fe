"""What administrators do to users, roles and groups (console, CLI and API, through the use cases).

Who must use 2FA, resets and unlocking stay with the policy and mfa services; this module adds
the rest of an administrator's work and the rules that protect the organisation:

- the owner cannot be demoted, deactivated, deleted, or have 2FA reset or lifted by an
  administrator who is not an owner; only an owner makes someone an owner;
- the last owner can never lose the role (nor be deactivated or deleted); owners' rows are locked
  while a role changes, so two demotions racing cannot leave none;
- nobody deletes or deactivates their own account, or resets their own 2FA, from the console;
- a group or role the 2FA policy uses cannot be deleted (the requirement would silently vanish:
  checked by the use cases, which know the policy).

``actor`` is the administrator acting, or ``None`` for the ``twostep`` command line (which has
the database anyway). Every change writes an audit row (:class:`ConsoleEvents`). Errors are
:class:`ActionRefusedError` or ``InvalidUserDataError`` (with ``field``), safe to show.

Functions: ``update_profile``, ``change_role``, ``set_active``, ``set_groups``,
``add_to_group``, ``remove_from_group``, ``delete_user``, ``create_group``, ``update_group``,
``delete_group``, ``create_role``, ``update_role``, ``delete_role``, ``check_may_manage``,
``check_may_assign``; the groups', roles' and memberships' functions are :mod:`.groups`'s
(re-exported here). Invitations are in :mod:`.invitations`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F

from ..accounts.models import OWNER, Group, Role, User, same_text
from ..audit.services import ConsoleEvents, record
from ..clock import Clock
from ..errors import ActionRefusedError, InvalidUserDataError
from .groups import (
    add_to_group,
    check_may_delete_role,
    create_group,
    create_role,
    delete_group,
    delete_role,
    locked_group,
    locked_role,
    remove_from_group,
    update_group,
    update_role,
)

__all__ = [
    "add_to_group",
    "change_role",
    "check_may_assign",
    "check_may_delete_role",
    "check_may_manage",
    "create_group",
    "create_role",
    "delete_group",
    "delete_role",
    "delete_user",
    "locked_group",
    "locked_role",
    "remove_from_group",
    "set_active",
    "set_groups",
    "update_group",
    "update_profile",
    "update_role",
]


def _is_owner_actor(actor: User | None) -> bool:
    return actor is None or actor.role.key == OWNER


def check_may_manage(actor: User | None, user: User, what: str) -> None:
    """Refuse when an administrator who is not an owner acts on an owner's account."""
    if user.role.key == OWNER and not _is_owner_actor(actor):
        raise ActionRefusedError(f"Only an owner can {what} an owner's account.")


def check_may_assign(actor: User | None, role: Role) -> None:
    """Only an owner gives the owner role."""
    if role.key == OWNER and not _is_owner_actor(actor):
        raise ActionRefusedError("Only an owner can make someone an owner.")


def _not_self(actor: User | None, user: User, what: str) -> None:
    if actor is not None and actor.pk == user.pk:
        raise ActionRefusedError(f"You cannot {what} your own account here.")


# -- users ---------------------------------------------------------------------------------------


def _clean_email(email: str | None, user: User) -> str | None:
    email = unicodedata.normalize("NFKC", email or "").strip()
    if not email:
        return None
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidUserDataError(
            "email", "Enter an email address like name@example.com."
        ) from None
    local, _, domain = email.rpartition("@")
    email = f"{local}@{domain.lower()}"
    if User.objects.filter(same_text("email", email)).exclude(pk=user.pk).exists():
        raise InvalidUserDataError("email", "Another account has that email address.")
    return email


def update_profile(
    user: User,
    *,
    display_name: str,
    email: str | None,
    actor: User | None,
    clock: Clock,
    address: str | None = None,
) -> list[str]:
    """Change the display name and email; a new email must be verified again. Returns the
    names of the fields that changed."""
    errors: dict[str, str] = {}
    display_name = unicodedata.normalize("NFKC", display_name or "").strip()
    if len(display_name) > 150:
        errors["display_name"] = "Use at most 150 characters."
    try:
        email = _clean_email(email, user)
    except InvalidUserDataError as exc:
        errors.update(exc.errors)
    if errors:  # both fields' problems at once
        raise InvalidUserDataError.of(errors)
    changed = []
    if display_name != user.display_name:
        changed.append("display_name")
    if email != user.email:
        check_may_manage(actor, user, "change the email of")
        changed.append("email")
    if not changed:
        return []
    user.display_name = display_name
    if "email" in changed:
        user.email = email
        user.email_verified = False
    try:
        user.save(update_fields=["display_name", "email", "email_verified"])
    except IntegrityError:
        raise InvalidUserDataError("email", "Another account has that email address.") from None
    record(
        ConsoleEvents.PROFILE_CHANGED,
        clock=clock,
        actor=actor,
        subject=user,
        address=address,
        fields=changed,
    )
    return changed


def change_role(
    user: User, role: Role, *, actor: User | None, clock: Clock, address: str | None = None
) -> bool:
    """Give ``user`` another role (see the owner rules above); True if it changed."""
    if user.role_id == role.pk:
        return False
    before = user.role
    check_may_assign(actor, role)
    check_may_manage(actor, user, "change the role of")
    with transaction.atomic():
        # Lock the owners' rows: two demotions racing must not leave the organisation without one.
        owners = list(
            User.objects.select_for_update().filter(role__key=OWNER).values_list("pk", flat=True)
        )
        if before.key == OWNER and owners == [user.pk]:
            raise ActionRefusedError(
                "This is the only owner. Make another user an owner first, then change this role."
            )
        User.objects.filter(pk=user.pk).update(role=role)
        user.role = role
    record(
        ConsoleEvents.ROLE_CHANGED,
        clock=clock,
        actor=actor,
        subject=user,
        address=address,
        before=before.key,
        after=role.key,
    )
    return True


def set_active(
    user: User, active: bool, *, actor: User | None, clock: Clock, address: str | None = None
) -> bool:
    """Allow or stop sign-in; stopping also ends the user's sessions. True if it changed."""
    if user.is_active == active:
        return False
    if not active:
        _not_self(actor, user, "deactivate")
        check_may_manage(actor, user, "deactivate")
        if (
            user.role.key == OWNER
            and not User.objects.filter(role__key=OWNER, is_active=True)
            .exclude(pk=user.pk)
            .exists()
        ):
            raise ActionRefusedError("The last active owner cannot be deactivated.")
    User.objects.filter(pk=user.pk).update(
        is_active=active, session_epoch=F("session_epoch") + (0 if active else 1)
    )
    user.refresh_from_db(fields=["is_active", "session_epoch"])
    record(
        ConsoleEvents.ACTIVE_CHANGED,
        clock=clock,
        actor=actor,
        subject=user,
        address=address,
        active=active,
    )
    return True


def set_groups(
    user: User,
    groups: Iterable[Group],
    *,
    actor: User | None,
    clock: Clock,
    address: str | None = None,
) -> bool:
    wanted = {g.pk for g in groups}
    current = set(user.groups.values_list("pk", flat=True))
    if wanted == current:
        return False
    user.groups.set(list(wanted))
    names = dict(Group.objects.filter(pk__in=wanted | current).values_list("pk", "name"))
    record(
        ConsoleEvents.GROUPS_CHANGED,
        clock=clock,
        actor=actor,
        subject=user,
        address=address,
        added=sorted(names[pk] for pk in wanted - current),
        removed=sorted(names[pk] for pk in current - wanted),
    )
    return True


def delete_user(
    user: User, *, actor: User | None, clock: Clock, address: str | None = None
) -> None:
    """Delete the account (devices, codes and memberships go with it; audit rows stay)."""
    _not_self(actor, user, "delete")
    check_may_manage(actor, user, "delete")
    with transaction.atomic():
        owners = list(
            User.objects.select_for_update().filter(role__key=OWNER).values_list("pk", flat=True)
        )
        if owners == [user.pk]:
            raise ActionRefusedError("The only owner cannot be deleted.")
        record(
            ConsoleEvents.USER_DELETED,
            clock=clock,
            actor=actor,
            subject=user,
            address=address,
            username=user.username,
            role=user.role.key,
        )
        user.delete()
