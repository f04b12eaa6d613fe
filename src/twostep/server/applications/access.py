"""Who may sign in to an application through twostep, and what the user portal shows of it.

An administrator chooses, as on Zoom's security page, whether an application is for all users
or only for the members of some groups and the holders of some roles; and whether it requires
two-step verification of everyone who uses it, whatever the organisation's policy says. The
OpenID provider asks these functions before it issues anything; the portal lists what they
allow.

- :func:`may_use` (application, user) -> bool: an active user whom the rules let in. With
  "chosen groups and roles" and none chosen (the last group deleted), nobody: a rule never
  opens up by itself.
- :func:`requires_second_factor` (application) -> bool: the application insists on a code.
- :func:`usable_by` (user) -> the applications with a launch URL the user may open, by name.
- :func:`clean_rules` (**fields) -> :class:`Rules`: the rules checked (every problem at once),
  groups and roles named by name or key (or id) resolved; raises ``InvalidUserDataError``.
- :func:`apply_rules` (application, rules): store them (the caller's transaction).
- :func:`describe` (application) -> the rules as plain data (API, CLI, audit log).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.db.models import Q

from ..accounts.models import Group, Role, User, same_text
from ..errors import InvalidUserDataError, NoSuchReferenceError
from .models import Application

__all__ = [
    "Rules",
    "apply_rules",
    "clean_rules",
    "describe",
    "may_use",
    "requires_second_factor",
    "usable_by",
]

MAX_URL = 500


def may_use(application: Application, user: User) -> bool:
    """True when ``user`` may sign in to ``application``: an active account, and the
    application is for everyone or the user is in one of its groups or holds one of its
    roles."""
    if not user.is_active or user.pk is None:
        return False
    if application.access == Application.ALL:
        return True
    if application.access != Application.SELECTED:
        return False  # an unknown value closes, never opens
    if application.roles.filter(pk=user.role_id).exists():
        return True
    return application.groups.filter(users=user).exists()


def requires_second_factor(application: Application) -> bool:
    """True when everyone signing in to ``application`` must give a code, whatever the
    organisation's policy asks of them."""
    return bool(application.require_second_factor)


def usable_by(user: User) -> list[Application]:
    """The applications the portal offers ``user``: those with a launch URL that they may use."""
    if not user.is_active:
        return []
    selected = Q(access=Application.SELECTED) & (
        Q(roles=user.role_id) | Q(groups__in=user.groups.all())
    )
    found = (
        Application.objects.exclude(launch_url="")
        .filter(Q(access=Application.ALL) | selected)
        .distinct()
        .order_by("name")
    )
    return list(found)


@dataclass(frozen=True)
class Rules:
    """An application's rules, checked; ``None`` fields are left as they are."""

    access: str | None = None
    groups: list[Group] | None = None
    roles: list[Role] | None = None
    require_second_factor: bool | None = None
    launch_url: str | None = None
    icon_url: str | None = None
    description: str | None = None
    changed: list[str] = field(default_factory=list)


def _url(value: str, name: str, errors: dict[str, str], schemes: tuple[str, ...]) -> str:
    text = str(value or "").strip()
    if not text:
        return ""
    parts = urlsplit(text)
    if parts.scheme not in schemes or not parts.netloc or len(text) > MAX_URL:
        kinds = " or ".join(f"{scheme}://" for scheme in schemes)
        errors[name] = f"Give an {kinds} address of at most {MAX_URL} characters."
    return text


def _groups(names: Iterable[Any], errors: dict[str, str]) -> list[Group]:
    found: list[Group] = []
    for name in names:
        text = str(name).strip()
        query = same_text("name", text)
        group = Group.objects.filter(query).first()
        if group is None and text.isdigit():
            group = Group.objects.filter(pk=int(text)).first()
        if group is None:
            errors.setdefault("groups", f"There is no group {text!r}.")
        elif group not in found:
            found.append(group)
    return found


def _roles(names: Iterable[Any], errors: dict[str, str]) -> list[Role]:
    found: list[Role] = []
    for name in names:
        text = str(name).strip()
        role = Role.objects.filter(Q(key=text) | Q(name=text)).first()
        if role is None and text.isdigit():
            role = Role.objects.filter(pk=int(text)).first()
        if role is None:
            errors.setdefault("roles", f"There is no role {text!r}.")
        elif role not in found:
            found.append(role)
    return found


def clean_rules(
    *,
    access: str | None = None,
    groups: Sequence[Any] | None = None,
    roles: Sequence[Any] | None = None,
    require_second_factor: bool | None = None,
    launch_url: str | None = None,
    icon_url: str | None = None,
    description: str | None = None,
) -> Rules:
    """Check the given rules (``None``: unchanged). Naming groups or roles without ``access``
    means "the chosen groups and roles"."""
    errors: dict[str, str] = {}
    missing: dict[str, str] = {}
    found_groups = _groups(groups, missing) if groups is not None else None
    found_roles = _roles(roles, missing) if roles is not None else None
    if access is None and (groups or roles):
        access = Application.SELECTED
    if access is not None and access not in (Application.ALL, Application.SELECTED):
        errors["access"] = "Choose all users or the chosen groups and roles."
    urls = {
        "launch_url": (
            _url(launch_url, "launch_url", errors, ("https", "http"))
            if launch_url is not None
            else None
        ),
        # The portal's pages allow images from https: only (Content-Security-Policy).
        "icon_url": _url(icon_url, "icon_url", errors, ("https",))
        if icon_url is not None
        else None,
    }
    if description is not None:
        description = " ".join(str(description).split())
        if len(description) > 300:
            errors["description"] = "Use at most 300 characters."
    if errors:
        raise InvalidUserDataError.of({**errors, **missing})
    if missing:
        field_name, message = next(iter(missing.items()))
        raise NoSuchReferenceError(field_name, message, more=missing)
    given = {
        "access": access,
        "groups": found_groups,
        "roles": found_roles,
        "require_second_factor": require_second_factor,
        **urls,
        "description": description,
    }
    return Rules(
        access=access,
        groups=found_groups,
        roles=found_roles,
        require_second_factor=require_second_factor,
        launch_url=urls["launch_url"],
        icon_url=urls["icon_url"],
        description=description,
        changed=[name for name, value in given.items() if value is not None],
    )


def apply_rules(application: Application, rules: Rules) -> None:
    """Store ``rules`` on ``application`` (saved; it must exist)."""
    fields = [
        name
        for name in ("access", "require_second_factor", "launch_url", "icon_url", "description")
        if getattr(rules, name) is not None
    ]
    for name in fields:
        setattr(application, name, getattr(rules, name))
    if fields:
        application.save(update_fields=fields)
    if rules.groups is not None:
        application.groups.set(rules.groups)
    if rules.roles is not None:
        application.roles.set(rules.roles)


def describe(application: Application) -> dict[str, Any]:
    """The rules as plain data (for the API, the CLI's ``--json`` and the audit log)."""
    return {
        "access": application.access,
        "groups": sorted(group.name for group in application.groups.all()),
        "roles": sorted(role.key for role in application.roles.all()),
        "require_second_factor": application.require_second_factor,
        "launch_url": application.launch_url,
        "icon_url": application.icon_url,
        "description": application.description,
    }
