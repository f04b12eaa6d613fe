"""Groups, roles and group membership, as administrators change them (through
:mod:`.directory`, which re-exports these, and the use cases).

Every change reads its row again under a lock in its own transaction, so that concurrent
changes of one group or role (two renames, a rename and a delete, additions while it is
deleted) are serialised: each either happens or raises :class:`ConflictError` ("deleted
meanwhile", the API's 409), never a database error. A name taken, before or meanwhile, is
``NameTakenError("name", ...)`` (a form error on the pages, the API's 409).

- ``locked_group(group)`` / ``locked_role(role)``: the row again, locked (in a transaction);
- ``add_to_group``, ``remove_from_group``, ``create_group``, ``update_group``,
  ``delete_group``, ``create_role``, ``update_role``, ``check_may_delete_role``,
  ``delete_role``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from ..accounts.models import Group, Role, User, same_text
from ..audit.services import ConsoleEvents, record
from ..clock import Clock
from ..errors import (
    ActionRefusedError,
    ConflictError,
    InvalidUserDataError,
    NameTakenError,
    UnknownUserError,
)

__all__ = [
    "add_to_group",
    "check_may_delete_role",
    "create_group",
    "create_role",
    "delete_group",
    "delete_role",
    "locked_group",
    "locked_role",
    "remove_from_group",
    "update_group",
    "update_role",
]


def locked_group(group: Group, *, no_key: bool = False) -> Group:
    """``group`` read again and locked until the transaction ends (``no_key``: a lock that
    lets memberships be added elsewhere meanwhile); ``ConflictError`` if it was deleted."""
    fresh = Group.objects.select_for_update(no_key=no_key).filter(pk=group.pk).first()
    if fresh is None:
        raise ConflictError(f"The group {group.name} was deleted meanwhile.")
    return fresh


def locked_role(role: Role) -> Role:
    fresh = Role.objects.select_for_update().filter(pk=role.pk).first()
    if fresh is None:
        raise ConflictError(f"The role {role.name} was deleted meanwhile.")
    return fresh


# -- membership ----------------------------------------------------------------------------------


def add_to_group(
    users: Iterable[User],
    group: Group,
    *,
    actor: User | None,
    clock: Clock,
    address: str | None = None,
) -> int:
    """Add each user to ``group``; returns how many were not in it yet. ``UnknownUserError``
    if one of them was deleted meanwhile (nobody is added then)."""
    wanted = sorted({u.pk for u in users})
    try:
        with transaction.atomic():
            group = locked_group(group, no_key=True)
            # Locked, in one order: none of them is deleted before the commit.
            found = list(User.objects.select_for_update().filter(pk__in=wanted).order_by("pk"))
            if len(found) != len(wanted):
                raise UnknownUserError("One of the users does not exist.")
            inside = set(group.users.filter(pk__in=wanted).values_list("pk", flat=True))
            fresh = [user for user in found if user.pk not in inside]
            group.users.add(*fresh)
            for user in fresh:
                record(
                    ConsoleEvents.GROUPS_CHANGED,
                    clock=clock,
                    actor=actor,
                    subject=user,
                    address=address,
                    added=[group.name],
                    removed=[],
                )
    except IntegrityError:  # added from the user's side (the console's groups form) meanwhile
        raise ConflictError("Those users' groups were changed meanwhile; try again.") from None
    return len(fresh)


def remove_from_group(
    user: User, group: Group, *, actor: User | None, clock: Clock, address: str | None = None
) -> bool:
    """False if ``user`` was not in ``group`` (or the group was deleted meanwhile)."""
    with transaction.atomic():
        group = Group.objects.select_for_update(no_key=True).filter(pk=group.pk).first() or group
        if group.users.through.objects.filter(group_id=group.pk, user_id=user.pk).delete()[0] == 0:
            return False
        record(
            ConsoleEvents.GROUPS_CHANGED,
            clock=clock,
            actor=actor,
            subject=user,
            address=address,
            added=[],
            removed=[group.name],
        )
    return True


# -- groups --------------------------------------------------------------------------------------


def _name_taken(what: str) -> NameTakenError:
    return NameTakenError("name", f"There is already a {what} with that name.")


def _unique_name(
    model: type[Group] | type[Role], name: str, *, what: str, longest: int, exclude: int | None
) -> str:
    """The NFKC-normalised ``name`` for a new or renamed group or role, or a form error."""
    name = unicodedata.normalize("NFKC", name or "").strip()
    if not name or len(name) > longest:
        raise InvalidUserDataError("name", f"Give the {what} a name of 1 to {longest} characters.")
    taken = model.objects.filter(same_text("name", name))
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise _name_taken(what)
    return name


def _group_name(name: str, exclude: int | None = None) -> str:
    return _unique_name(Group, name, what="group", longest=150, exclude=exclude)


def create_group(
    name: str,
    description: str = "",
    *,
    actor: User | None,
    clock: Clock,
    address: str | None = None,
) -> Group:
    name = _group_name(name)
    try:
        with transaction.atomic():
            group = Group.objects.create(
                name=name, description=(description or "").strip()[:300], created_at=clock()
            )
            record(
                ConsoleEvents.GROUP_CREATED, clock=clock, actor=actor, address=address, group=name
            )
    except IntegrityError:  # the same name, created meanwhile
        raise _name_taken("group") from None
    return group


def update_group(
    group: Group,
    *,
    name: str | None,
    description: str | None = "",
    actor: User | None,
    clock: Clock,
    address: str | None = None,
) -> bool:
    """Rename or describe ``group`` (updated in place; None keeps the current value, as it is
    now, not as ``group`` has it); False if nothing changed."""
    try:
        with transaction.atomic():
            fresh = locked_group(group)
            name = _group_name(fresh.name if name is None else name, exclude=fresh.pk)
            if description is None:
                description = fresh.description
            description = description.strip()[:300]
            if (name, description) == (fresh.name, fresh.description):
                group.name, group.description = fresh.name, fresh.description
                return False
            before = fresh.name
            fresh.name, fresh.description = name, description
            fresh.save(update_fields=["name", "description"])
            record(
                ConsoleEvents.GROUP_CHANGED,
                clock=clock,
                actor=actor,
                address=address,
                group=name,
                before=before,
            )
    except IntegrityError:  # renamed elsewhere to the same name meanwhile
        raise _name_taken("group") from None
    group.name, group.description = name, description
    return True


def delete_group(
    group: Group, *, actor: User | None, clock: Clock, address: str | None = None
) -> None:
    """(The use case checks first, in its transaction, that the 2FA policy does not name the
    group.) ``ConflictError`` if it was deleted meanwhile."""
    with transaction.atomic():
        group = locked_group(group)
        record(
            ConsoleEvents.GROUP_DELETED,
            clock=clock,
            actor=actor,
            address=address,
            group=group.name,
            members=group.users.count(),
        )
        group.delete()


# -- roles ---------------------------------------------------------------------------------------


def _role_name(name: str, exclude: int | None = None) -> str:
    return _unique_name(Role, name, what="role", longest=100, exclude=exclude)


def create_role(
    name: str,
    description: str = "",
    *,
    is_admin: bool = False,
    actor: User | None,
    clock: Clock,
    address: str | None = None,
) -> Role:
    name = _role_name(name)
    key = slugify(name)[:60] or "role"
    base, n = key, 2
    while Role.objects.filter(key=key).exists():
        key = f"{base}-{n}"
        n += 1
    try:
        with transaction.atomic():
            role = Role.objects.create(
                key=key,
                name=name,
                description=(description or "").strip()[:300],
                is_admin=bool(is_admin),
                builtin=False,
            )
            record(
                ConsoleEvents.ROLE_CREATED,
                clock=clock,
                actor=actor,
                address=address,
                role=key,
                is_admin=role.is_admin,
            )
    except IntegrityError:  # the same name (or key) created meanwhile
        raise _name_taken("role") from None
    return role


def update_role(
    role: Role,
    *,
    name: str | None,
    description: str | None = "",
    is_admin: bool | None,
    actor: User | None,
    clock: Clock,
    address: str | None = None,
) -> bool:
    """Built-in roles keep their name and console access; only the description changes.
    ``role`` is updated in place (None keeps the current value, as it is now); False if
    nothing changed."""
    try:
        with transaction.atomic():
            fresh = locked_role(role)
            description = (fresh.description if description is None else description).strip()
            description = description[:300]
            if fresh.builtin or is_admin is None:
                is_admin = fresh.is_admin
            if fresh.builtin:
                name = fresh.name
            else:
                name = _role_name(fresh.name if name is None else name, exclude=fresh.pk)
            now = (name, description, bool(is_admin))
            if now == (fresh.name, fresh.description, fresh.is_admin):
                role.name, role.description, role.is_admin = now
                return False
            before = {"name": fresh.name, "is_admin": fresh.is_admin}
            fresh.name, fresh.description, fresh.is_admin = now
            fresh.save(update_fields=["name", "description", "is_admin"])
            record(
                ConsoleEvents.ROLE_UPDATED,
                clock=clock,
                actor=actor,
                address=address,
                role=fresh.key,
                name=name,
                is_admin=fresh.is_admin,
                before=before,
            )
    except IntegrityError:  # renamed elsewhere to the same name meanwhile
        raise _name_taken("role") from None
    role.name, role.description, role.is_admin = now
    return True


def check_may_delete_role(role: Role) -> None:
    if role.builtin:
        raise ActionRefusedError("Built-in roles cannot be deleted.")
    if role.users.exists():
        raise ActionRefusedError("Users still have this role: give them another role first.")


def delete_role(
    role: Role, *, actor: User | None, clock: Clock, address: str | None = None
) -> None:
    """(The use case checks first, in its transaction, that the 2FA policy does not name the
    role.) ``ConflictError`` if it was deleted meanwhile."""
    with transaction.atomic():
        role = locked_role(role)
        check_may_delete_role(role)
        record(ConsoleEvents.ROLE_DELETED, clock=clock, actor=actor, address=address, role=role.key)
        role.delete()
