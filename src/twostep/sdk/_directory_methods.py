"""Administration (admin keys): roles and groups.

Mixed into :class:`~.client.Client` (:class:`DirectoryMethods`) and
:class:`~.aio.AsyncClient` (:class:`AsyncDirectoryMethods`, the same methods as coroutines);
the calls themselves are described once, in :mod:`._directory_ops`."""

from __future__ import annotations

from collections.abc import Iterable

from . import _directory_ops as ops
from . import models as m
from ._caller import AsyncCaller, Caller
from ._ops import UNSET, _Unset

__all__ = ["AsyncDirectoryMethods", "DirectoryMethods"]


class DirectoryMethods(Caller):
    def list_roles(self) -> tuple[m.Role, ...]:
        return self._call(ops.list_roles())

    def create_role(self, name: str, *, description: str = "", is_admin: bool = False) -> m.Role:
        """A custom role; its key is made from the name."""
        return self._call(ops.create_role(name, description=description, is_admin=is_admin))

    def get_role(self, role_id: int) -> m.Role:
        return self._call(ops.get_role(role_id))

    def update_role(
        self,
        role_id: int,
        *,
        name: str | _Unset = UNSET,
        description: str | _Unset = UNSET,
        is_admin: bool | _Unset = UNSET,
    ) -> m.Role:
        """Built-in roles keep their name and console access (only the description changes)."""
        return self._call(
            ops.update_role(
                role_id,
                {"name": name, "description": description, "is_admin": is_admin},
            )
        )

    def delete_role(self, role_id: int) -> None:
        return self._call(ops.delete_role(role_id))

    def list_groups(self, *, limit: int = 50, offset: int = 0) -> tuple[m.Group, ...]:
        return self._call(ops.list_groups(limit=limit, offset=offset))

    def create_group(self, name: str, *, description: str = "") -> m.Group:
        return self._call(ops.create_group(name, description=description))

    def get_group(self, group_id: int) -> m.Group:
        return self._call(ops.get_group(group_id))

    def update_group(
        self,
        group_id: int,
        *,
        name: str | _Unset = UNSET,
        description: str | _Unset = UNSET,
    ) -> m.Group:
        return self._call(ops.update_group(group_id, {"name": name, "description": description}))

    def delete_group(self, group_id: int) -> None:
        return self._call(ops.delete_group(group_id))

    def list_group_members(self, group_id: int, *, limit: int = 50, offset: int = 0) -> m.UserPage:
        return self._call(ops.list_group_members(group_id, limit=limit, offset=offset))

    def add_group_members(self, group_id: int, user_ids: Iterable[int]) -> int:
        """Add users to a group; returns how many were not members yet."""
        return self._call(ops.add_group_members(group_id, user_ids))

    def remove_group_member(self, group_id: int, user_id: int) -> None:
        return self._call(ops.remove_group_member(group_id, user_id))


class AsyncDirectoryMethods(AsyncCaller):
    async def list_roles(self) -> tuple[m.Role, ...]:
        return await self._call(ops.list_roles())

    async def create_role(
        self, name: str, *, description: str = "", is_admin: bool = False
    ) -> m.Role:
        """A custom role; its key is made from the name."""
        return await self._call(ops.create_role(name, description=description, is_admin=is_admin))

    async def get_role(self, role_id: int) -> m.Role:
        return await self._call(ops.get_role(role_id))

    async def update_role(
        self,
        role_id: int,
        *,
        name: str | _Unset = UNSET,
        description: str | _Unset = UNSET,
        is_admin: bool | _Unset = UNSET,
    ) -> m.Role:
        """Built-in roles keep their name and console access (only the description changes)."""
        return await self._call(
            ops.update_role(
                role_id,
                {"name": name, "description": description, "is_admin": is_admin},
            )
        )

    async def delete_role(self, role_id: int) -> None:
        return await self._call(ops.delete_role(role_id))

    async def list_groups(self, *, limit: int = 50, offset: int = 0) -> tuple[m.Group, ...]:
        return await self._call(ops.list_groups(limit=limit, offset=offset))

    async def create_group(self, name: str, *, description: str = "") -> m.Group:
        return await self._call(ops.create_group(name, description=description))

    async def get_group(self, group_id: int) -> m.Group:
        return await self._call(ops.get_group(group_id))

    async def update_group(
        self,
        group_id: int,
        *,
        name: str | _Unset = UNSET,
        description: str | _Unset = UNSET,
    ) -> m.Group:
        return await self._call(
            ops.update_group(group_id, {"name": name, "description": description})
        )

    async def delete_group(self, group_id: int) -> None:
        return await self._call(ops.delete_group(group_id))

    async def list_group_members(
        self, group_id: int, *, limit: int = 50, offset: int = 0
    ) -> m.UserPage:
        return await self._call(ops.list_group_members(group_id, limit=limit, offset=offset))

    async def add_group_members(self, group_id: int, user_ids: Iterable[int]) -> int:
        """Add users to a group; returns how many were not members yet."""
        return await self._call(ops.add_group_members(group_id, user_ids))

    async def remove_group_member(self, group_id: int, user_id: int) -> None:
        return await self._call(ops.remove_group_member(group_id, user_id))
