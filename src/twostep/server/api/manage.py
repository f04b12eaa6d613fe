"""Changes to users, roles and groups that the server's services do not offer yet.

``accounts.services`` creates users and checks passwords; updating and deleting users and
managing roles and groups are needed by the API's admin scope (and the console). They live here
until they move into ``accounts.services`` (then these become imports). Every change writes an
audit row. Validation reuses the account services' rules (username pattern and normalisation,
Django's email validator, :func:`~twostep.server.accounts.services.set_password`).

- ``update_user(user, changes, *, actor, clock, address=None) -> User`` ``changes`` holds any of
  username, email, display_name, role (key), external_id, email_verified, is_active, groups
  (ids), password;
- ``delete_user(user, *, actor, clock, address=None)``;
- ``create_role / update_role / delete_role``, ``create_group / update_group / delete_group``,
  ``add_members(group, users, ...)``, ``remove_member(group, user, ...)``.

Errors: ``InvalidUserDataError`` (field), ``ApiError("protected")`` (owners, built-in roles),
``ApiError("conflict")`` (in use, taken).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from ..accounts.models import OWNER, Group, Role, User
from ..accounts.services import USERNAME_RE, get_role, normalize_username, set_password
from ..audit.services import record
from ..clock import Clock
from ..errors import InvalidUserDataError
from ..policy.models import OrgPolicy
from .errors import ApiError

__all__ = [
    "add_members",
    "create_group",
    "create_role",
    "delete_group",
    "delete_role",
    "delete_user",
    "remove_member",
    "update_group",
    "update_role",
    "update_user",
]

ROLE_KEY_RE: Final = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if required and not text:
        raise InvalidUserDataError(field, "This cannot be empty.")
    if len(text) > limit:
        raise InvalidUserDataError(field, f"Use at most {limit} characters.")
    return text


def _email(value: Any, user: User) -> str | None:
    if not value:
        return None
    email = unicodedata.normalize("NFKC", str(value)).strip()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidUserDataError(
            "email", "Enter an email address like name@example.com."
        ) from None
    local, _, domain = email.rpartition("@")
    email = f"{local}@{domain.lower()}"
    if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise InvalidUserDataError("email", "An account with that email already exists.")
    return email


def _username(value: Any, user: User) -> str:
    username = normalize_username(value)
    if not USERNAME_RE.match(username):
        raise InvalidUserDataError(
            "username", "Use 1 to 150 letters, digits and . + - _ (no spaces, no @)."
        )
    if User.objects.filter(username__iexact=username).exclude(pk=user.pk).exists():
        raise InvalidUserDataError("username", "That username is taken.")
    return username


def _external_id(value: Any, user: User) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if not text or len(text) > 255:
        raise InvalidUserDataError("external_id", "Use 1 to 255 characters.")
    if User.objects.filter(external_id=text).exclude(pk=user.pk).exists():
        raise InvalidUserDataError("external_id", "Another user has that external id.")
    return text


def _groups(ids: Iterable[Any]) -> list[Group]:
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
    changed: list[str] = []
    fields: list[str] = []
    if "role" in changes and changes["role"] is not None:
        role = get_role(str(changes["role"]))
        if role.pk != user.role_id and (OWNER in (role.key, user.role.key)):
            raise ApiError(
                "protected", "The owner role cannot be given or taken away through the API."
            )
        if role.pk != user.role_id:
            user.role = role
            fields.append("role")
    if "username" in changes and changes["username"] is not None:
        username = _username(changes["username"], user)
        if username != user.username:
            user.username = username
            fields.append("username")
    if "email" in changes:
        email = _email(changes["email"], user)
        if email != user.email:
            user.email = email
            fields.append("email")
    if "display_name" in changes and changes["display_name"] is not None:
        name = _text(changes["display_name"], "display_name", 150)
        if name != user.display_name:
            user.display_name = name
            fields.append("display_name")
    if "external_id" in changes:
        external_id = _external_id(changes["external_id"], user)
        if external_id != user.external_id:
            user.external_id = external_id
            fields.append("external_id")
    for flag in ("email_verified", "is_active"):
        if (
            flag in changes
            and changes[flag] is not None
            and bool(changes[flag]) != getattr(user, flag)
        ):
            if flag == "is_active" and user.role.key == OWNER and not changes[flag]:
                raise ApiError("protected", "The owner cannot be deactivated through the API.")
            setattr(user, flag, bool(changes[flag]))
            fields.append(flag)
    groups = None
    if "groups" in changes and changes["groups"] is not None:
        groups = _groups(changes["groups"])
    password = changes.get("password")
    try:
        with transaction.atomic():
            if fields:
                user.save(update_fields=fields)
            if groups is not None:
                before = set(user.groups.values_list("pk", flat=True))
                user.groups.set(groups)
                if before != {g.pk for g in groups}:
                    changed.append("groups")
    except IntegrityError:  # a concurrent request took the name, email or external id
        raise ApiError("conflict", "The username, email or external id is taken.") from None
    changed = fields + changed
    if password is not None:
        set_password(user, str(password), actor=actor, clock=clock, address=address)
        changed.append("password")
    if changed:
        record(
            "account.updated",
            clock=clock,
            actor=actor,
            subject=user,
            address=address,
            fields=changed,
        )
    return user


def delete_user(user: User, *, actor: Any, clock: Clock, address: str | None = None) -> None:
    if user.role.key == OWNER:
        raise ApiError("protected", "The owner account cannot be deleted through the API.")
    record(
        "account.deleted",
        clock=clock,
        actor=actor if getattr(actor, "pk", None) != user.pk else None,
        subject=user,
        address=address,
        user_id=user.pk,
    )
    user.delete()


# -- roles ---------------------------------------------------------------------------------------


def _role_fields(data: Mapping[str, Any], role: Role | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "key" in data and data["key"] is not None:
        key = str(data["key"]).strip().lower()
        if not ROLE_KEY_RE.match(key):
            raise InvalidUserDataError(
                "key",
                "Use 1 to 64 lower-case letters, digits, - and _ (starting with a letter "
                "or digit).",
            )
        values["key"] = key
    if "name" in data and data["name"] is not None:
        values["name"] = _text(data["name"], "name", 100, required=True)
    if "description" in data and data["description"] is not None:
        values["description"] = _text(data["description"], "description", 300)
    if "is_admin" in data and data["is_admin"] is not None:
        values["is_admin"] = bool(data["is_admin"])
    others = Role.objects.exclude(pk=role.pk) if role else Role.objects.all()
    if "key" in values and others.filter(key=values["key"]).exists():
        raise InvalidUserDataError("key", "A role with that key exists.")
    if "name" in values and others.filter(name__iexact=values["name"]).exists():
        raise InvalidUserDataError("name", "A role with that name exists.")
    return values


def create_role(
    data: Mapping[str, Any], *, actor: Any, clock: Clock, address: str | None = None
) -> Role:
    values = _role_fields(data, None)
    if "key" not in values:
        raise InvalidUserDataError("key", "Give the role a key.")
    if "name" not in values:
        raise InvalidUserDataError("name", "Give the role a name.")
    try:
        role = Role.objects.create(builtin=False, **values)
    except IntegrityError:
        raise ApiError("conflict", "A role with that key or name exists.") from None
    record(
        "role.created",
        clock=clock,
        actor=actor,
        address=address,
        role=role.key,
        is_admin=role.is_admin,
    )
    return role


def update_role(
    role: Role, data: Mapping[str, Any], *, actor: Any, clock: Clock, address: str | None = None
) -> Role:
    values = _role_fields(data, role)
    values = {k: v for k, v in values.items() if getattr(role, k) != v}
    if role.builtin and values:
        raise ApiError("protected", "Built-in roles cannot be changed.")
    if values:
        for name, value in values.items():
            setattr(role, name, value)
        try:
            role.save(update_fields=list(values))
        except IntegrityError:
            raise ApiError("conflict", "A role with that key or name exists.") from None
        record(
            "role.updated",
            clock=clock,
            actor=actor,
            address=address,
            role=role.key,
            fields=sorted(values),
        )
    return role


def delete_role(role: Role, *, actor: Any, clock: Clock, address: str | None = None) -> None:
    if role.builtin:
        raise ApiError("protected", "Built-in roles cannot be deleted.")
    if User.objects.filter(role=role).exists():
        raise ApiError("conflict", "Users have this role: give them another role first.")
    policy = OrgPolicy.objects.filter(pk=1).first()
    if policy and policy.mode == OrgPolicy.ROLES and policy.roles.filter(pk=role.pk).exists():
        raise ApiError(
            "conflict", "The organisation's 2FA policy names this role: change the policy first."
        )
    key = role.key
    role.delete()
    record("role.deleted", clock=clock, actor=actor, address=address, role=key)


# -- groups --------------------------------------------------------------------------------------


def _group_fields(data: Mapping[str, Any], group: Group | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "name" in data and data["name"] is not None:
        values["name"] = _text(data["name"], "name", 150, required=True)
        others = Group.objects.exclude(pk=group.pk) if group else Group.objects.all()
        if others.filter(name__iexact=values["name"]).exists():
            raise InvalidUserDataError("name", "A group with that name exists.")
    if "description" in data and data["description"] is not None:
        values["description"] = _text(data["description"], "description", 300)
    return values


def create_group(
    data: Mapping[str, Any], *, actor: Any, clock: Clock, address: str | None = None
) -> Group:
    values = _group_fields(data, None)
    if "name" not in values:
        raise InvalidUserDataError("name", "Give the group a name.")
    try:
        group = Group.objects.create(created_at=clock(), **values)
    except IntegrityError:
        raise ApiError("conflict", "A group with that name exists.") from None
    record(
        "group.created", clock=clock, actor=actor, address=address, group=group.pk, name=group.name
    )
    return group


def update_group(
    group: Group, data: Mapping[str, Any], *, actor: Any, clock: Clock, address: str | None = None
) -> Group:
    values = {k: v for k, v in _group_fields(data, group).items() if getattr(group, k) != v}
    if values:
        for name, value in values.items():
            setattr(group, name, value)
        try:
            group.save(update_fields=list(values))
        except IntegrityError:
            raise ApiError("conflict", "A group with that name exists.") from None
        record(
            "group.updated",
            clock=clock,
            actor=actor,
            address=address,
            group=group.pk,
            fields=sorted(values),
        )
    return group


def delete_group(group: Group, *, actor: Any, clock: Clock, address: str | None = None) -> None:
    policy = OrgPolicy.objects.filter(pk=1).first()
    if policy and policy.mode == OrgPolicy.GROUPS and policy.groups.filter(pk=group.pk).exists():
        raise ApiError(
            "conflict", "The organisation's 2FA policy names this group: change the policy first."
        )
    group_id, name = group.pk, group.name
    group.delete()
    record("group.deleted", clock=clock, actor=actor, address=address, group=group_id, name=name)


def add_members(
    group: Group, users: Iterable[User], *, actor: Any, clock: Clock, address: str | None = None
) -> int:
    users = list(users)
    before = set(group.users.values_list("pk", flat=True))
    new = [u for u in users if u.pk not in before]
    if new:
        group.users.add(*new)
        record(
            "group.members_added",
            clock=clock,
            actor=actor,
            address=address,
            group=group.pk,
            users=[u.pk for u in new][:100],
            count=len(new),
        )
    return len(new)


def remove_member(
    group: Group, user: User, *, actor: Any, clock: Clock, address: str | None = None
) -> bool:
    if not group.users.filter(pk=user.pk).exists():
        return False
    group.users.remove(user)
    record(
        "group.member_removed",
        clock=clock,
        actor=actor,
        subject=user,
        address=address,
        group=group.pk,
    )
    return True
