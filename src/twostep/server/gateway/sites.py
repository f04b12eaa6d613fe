"""The protected sites' rules: add, list, show, move, remove. Every change raises the rules'
version (each process recompiles its rules at its next request) and is audited.

- ``add_site(domain, *, policy, paths=(), methods=(), groups=(), roles=(), position=None,
  clock, actor=None, address=None) -> SiteView`` (``position``: 1 for first; None: last);
- ``list_sites() -> list[SiteView]`` in order; ``get_site(site_id) -> SiteView``;
- ``move_site(site_id, position, ...) -> SiteView``; ``remove_site(site_id, ...)``.

Groups are named by name, roles by key or name (case-insensitive); an unknown one is refused.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q

from ..accounts.models import Group, Role, same_text
from ..audit.services import record
from ..clock import Clock
from ..errors import InvalidUserDataError, ServiceError
from .models import POLICIES, ProtectedSite, SitesVersion
from .rules import check_domain, check_methods, check_paths

__all__ = [
    "SiteView",
    "UnknownSiteError",
    "add_site",
    "get_site",
    "list_sites",
    "move_site",
    "remove_site",
]

ADDED = "gateway.site_added"
MOVED = "gateway.site_moved"
REMOVED = "gateway.site_removed"


class UnknownSiteError(ServiceError):
    code = "site_not_found"
    default_message = "There is no protected-site rule with that id (see twostep sites list)."


@dataclass(frozen=True)
class SiteView:
    id: int
    number: int
    domain: str
    paths: tuple[str, ...]
    methods: tuple[str, ...]
    policy: str
    groups: tuple[str, ...]
    roles: tuple[str, ...]
    limited: bool

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "position": self.number,
            "domain": self.domain,
            "paths": list(self.paths),
            "methods": list(self.methods),
            "policy": self.policy,
            "groups": list(self.groups),
            "roles": list(self.roles),
        }


def _bump() -> None:
    version = secrets.token_hex(16)
    if not SitesVersion.objects.filter(pk=1).update(version=version):
        SitesVersion.objects.create(pk=1, version=version)


def _views() -> list[SiteView]:
    rows = ProtectedSite.objects.order_by("position").prefetch_related("groups", "roles")
    return [
        SiteView(
            id=row.pk,
            number=number,
            domain=row.domain,
            paths=tuple(row.paths),
            methods=tuple(row.methods),
            policy=row.policy,
            groups=tuple(sorted(g.name for g in row.groups.all())),
            roles=tuple(sorted(r.key for r in row.roles.all())),
            limited=row.limited,
        )
        for number, row in enumerate(rows, 1)
    ]


def list_sites() -> list[SiteView]:
    return _views()


def get_site(site_id: int) -> SiteView:
    for view in _views():
        if view.id == site_id:
            return view
    raise UnknownSiteError()


def _groups(names: Iterable[str]) -> list[Group]:
    found = []
    for name in names:
        group = Group.objects.filter(same_text("name", name)).first()
        if group is None:
            raise InvalidUserDataError("groups", f"There is no group named {name!r}.")
        found.append(group)
    return found


def _roles(names: Iterable[str]) -> list[Role]:
    found = []
    for name in names:
        role = Role.objects.filter(Q(key__iexact=name) | Q(name__iexact=name)).first()
        if role is None:
            raise InvalidUserDataError("roles", f"There is no role {name!r}.")
        found.append(role)
    return found


def _lock() -> None:
    """Changes of the rules run one at a time (the version row is their lock)."""
    SitesVersion.objects.select_for_update().filter(pk=1).first()


def _renumber(order: list[int]) -> None:
    """Give the rules ``order`` (ids) positions 1, 2, ... (in two steps: positions are unique)."""
    ProtectedSite.objects.update(position=F("position") + 1_000_000)
    for number, site_id in enumerate(order, 1):
        ProtectedSite.objects.filter(pk=site_id).update(position=number)


def add_site(
    domain: str,
    *,
    policy: str,
    paths: Iterable[str] = (),
    methods: Iterable[str] = (),
    groups: Iterable[str] = (),
    roles: Iterable[str] = (),
    position: int | None = None,
    clock: Clock,
    actor: object = None,
    address: str | None = None,
) -> SiteView:
    domain = check_domain(domain)
    if policy not in POLICIES:
        raise InvalidUserDataError("policy", f"The policy is one of {', '.join(POLICIES)}.")
    clean_paths = check_paths(list(paths))
    clean_methods = check_methods(list(methods))
    group_names = [g.strip() for g in groups if g.strip()]
    role_names = [r.strip() for r in roles if r.strip()]
    if (group_names or role_names) and policy in {"bypass", "deny"}:
        raise InvalidUserDataError(
            "groups",
            f"A {policy} rule applies to everyone: groups and roles go with one_factor or "
            "two_factor.",
        )
    with transaction.atomic():
        _lock()
        found_groups = _groups(group_names)
        found_roles = _roles(role_names)
        order = list(ProtectedSite.objects.order_by("position").values_list("pk", flat=True))
        site = ProtectedSite.objects.create(
            position=len(order) + 1_000_001,
            domain=domain,
            paths=clean_paths,
            methods=clean_methods,
            policy=policy,
            limited=bool(found_groups or found_roles),
            created_at=clock(),
        )
        site.groups.set(found_groups)
        site.roles.set(found_roles)
        at = len(order) if position is None else max(0, min(position - 1, len(order)))
        order.insert(at, site.pk)
        _renumber(order)
        _bump()
        view = get_site(site.pk)
        record(ADDED, clock=clock, actor=actor, address=address, **view.as_json())
    return view


def move_site(
    site_id: int, position: int, *, clock: Clock, actor: object = None, address: str | None = None
) -> SiteView:
    with transaction.atomic():
        _lock()
        order = list(ProtectedSite.objects.order_by("position").values_list("pk", flat=True))
        if site_id not in order:
            raise UnknownSiteError()
        order.remove(site_id)
        order.insert(max(0, min(position - 1, len(order))), site_id)
        _renumber(order)
        _bump()
        view = get_site(site_id)
        record(MOVED, clock=clock, actor=actor, address=address, id=site_id, position=view.number)
    return view


def remove_site(
    site_id: int, *, clock: Clock, actor: object = None, address: str | None = None
) -> SiteView:
    with transaction.atomic():
        _lock()
        view = get_site(site_id)
        ProtectedSite.objects.filter(pk=site_id).delete()
        _renumber(list(ProtectedSite.objects.order_by("position").values_list("pk", flat=True)))
        _bump()
        record(REMOVED, clock=clock, actor=actor, address=address, **view.as_json())
    return view
