"""Administration (admin keys): users, their second factor and its requirement.

Mixed into :class:`~.client.Client` (:class:`UserMethods`) and
:class:`~.aio.AsyncClient` (:class:`AsyncUserMethods`, the same methods as coroutines);
the calls themselves are described once, in :mod:`._user_ops`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator

from . import _user_ops as ops
from . import models as m
from ._caller import AsyncCaller, Caller
from ._ops import UNSET, _Unset

__all__ = ["AsyncUserMethods", "UserMethods"]


class UserMethods(Caller):
    def list_users(
        self,
        *,
        q: str | None = None,
        role: str | None = None,
        group: int | None = None,
        is_active: bool | None = None,
        enrolled: bool | None = None,
        external_id: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> m.UserPage:
        """One page of users (``total`` counts all matches)."""
        return self._call(
            ops.list_users(
                q=q,
                role=role,
                group=group,
                is_active=is_active,
                enrolled=enrolled,
                external_id=external_id,
                limit=limit,
                offset=offset,
            )
        )

    def iter_users(
        self,
        *,
        q: str | None = None,
        role: str | None = None,
        group: int | None = None,
        is_active: bool | None = None,
        enrolled: bool | None = None,
        page_size: int = 200,
    ) -> Iterator[m.UserDetail]:
        """Every matching user, page by page."""
        offset: int | None = 0
        while offset is not None:
            page = self.list_users(
                q=q,
                role=role,
                group=group,
                is_active=is_active,
                enrolled=enrolled,
                limit=page_size,
                offset=offset,
            )
            yield from page.items
            offset = ops.next_offset(page, offset)

    def create_user(
        self,
        username: str,
        *,
        email: str | None = None,
        password: str | None = None,
        display_name: str = "",
        role: str = "member",
        external_id: str | None = None,
        email_verified: bool = False,
        groups: Iterable[int] = (),
    ) -> m.UserDetail:
        """Create a user (without ``password``: a user for API use only)."""
        return self._call(
            ops.create_user(
                username,
                email=email,
                password=password,
                display_name=display_name,
                role=role,
                external_id=external_id,
                email_verified=email_verified,
                groups=groups,
            )
        )

    def get_user(self, user_id: int) -> m.UserDetail:
        return self._call(ops.get_user(user_id))

    def update_user(
        self,
        user_id: int,
        *,
        username: str | _Unset = UNSET,
        email: str | _Unset | None = UNSET,
        password: str | _Unset = UNSET,
        display_name: str | _Unset = UNSET,
        role: str | _Unset = UNSET,
        external_id: str | _Unset | None = UNSET,
        email_verified: bool | _Unset = UNSET,
        is_active: bool | _Unset = UNSET,
        groups: Iterable[int] | _Unset = UNSET,
    ) -> m.UserDetail:
        """Change only the given fields (``email=None`` removes it; a new email is
        unverified). The console's rules apply (owners, your own account):
        :class:`PermissionDeniedError` with code ``not_allowed``."""
        return self._call(
            ops.update_user(
                user_id,
                {
                    "email": email,
                    "password": password,
                    "display_name": display_name,
                    "role": role,
                    "is_active": is_active,
                    "groups": groups,
                },
            )
        )

    def delete_user(self, user_id: int) -> None:
        return self._call(ops.delete_user(user_id))

    def get_user_mfa(self, user_id: int) -> m.MfaDetail:
        """Status, the rules that require 2FA and why, and the per-user requirement."""
        return self._call(ops.get_user_mfa(user_id))

    def require_user(self, user_id: int, days: int = 7) -> m.MfaDetail:
        """Require 2FA on sign-in, with an enrolment period of 0-365 days."""
        return self._call(ops.require_user(user_id, days))

    def lift_requirement(self, user_id: int) -> m.MfaDetail:
        return self._call(ops.lift_requirement(user_id))

    def extend_enrolment(self, user_id: int, days: int) -> m.MfaDetail:
        """Start the enrolment period again now, with ``days`` days (unlocks)."""
        return self._call(ops.extend_enrolment(user_id, days))

    def set_admin_requirement(self, user_id: int, required: bool) -> m.MfaDetail:
        return self._call(ops.set_admin_requirement(user_id, required))

    def reset_mfa(self, user_id: int) -> m.MfaDetail:
        """Remove the user's 2FA (devices, recovery codes); setup starts again."""
        return self._call(ops.reset_mfa(user_id))

    def unlock_user(self, user_id: int) -> bool:
        """Lift a lockout after too many wrong codes; True if the user was locked."""
        return self._call(ops.unlock_user(user_id))


class AsyncUserMethods(AsyncCaller):
    async def list_users(
        self,
        *,
        q: str | None = None,
        role: str | None = None,
        group: int | None = None,
        is_active: bool | None = None,
        enrolled: bool | None = None,
        external_id: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> m.UserPage:
        """One page of users (``total`` counts all matches)."""
        return await self._call(
            ops.list_users(
                q=q,
                role=role,
                group=group,
                is_active=is_active,
                enrolled=enrolled,
                external_id=external_id,
                limit=limit,
                offset=offset,
            )
        )

    async def iter_users(
        self,
        *,
        q: str | None = None,
        role: str | None = None,
        group: int | None = None,
        is_active: bool | None = None,
        enrolled: bool | None = None,
        page_size: int = 200,
    ) -> AsyncIterator[m.UserDetail]:
        """Every matching user, page by page."""
        offset: int | None = 0
        while offset is not None:
            page = await self.list_users(
                q=q,
                role=role,
                group=group,
                is_active=is_active,
                enrolled=enrolled,
                limit=page_size,
                offset=offset,
            )
            for item in page.items:
                yield item
            offset = ops.next_offset(page, offset)

    async def create_user(
        self,
        username: str,
        *,
        email: str | None = None,
        password: str | None = None,
        display_name: str = "",
        role: str = "member",
        external_id: str | None = None,
        email_verified: bool = False,
        groups: Iterable[int] = (),
    ) -> m.UserDetail:
        """Create a user (without ``password``: a user for API use only)."""
        return await self._call(
            ops.create_user(
                username,
                email=email,
                password=password,
                display_name=display_name,
                role=role,
                external_id=external_id,
                email_verified=email_verified,
                groups=groups,
            )
        )

    async def get_user(self, user_id: int) -> m.UserDetail:
        return await self._call(ops.get_user(user_id))

    async def update_user(
        self,
        user_id: int,
        *,
        username: str | _Unset = UNSET,
        email: str | _Unset | None = UNSET,
        password: str | _Unset = UNSET,
        display_name: str | _Unset = UNSET,
        role: str | _Unset = UNSET,
        external_id: str | _Unset | None = UNSET,
        email_verified: bool | _Unset = UNSET,
        is_active: bool | _Unset = UNSET,
        groups: Iterable[int] | _Unset = UNSET,
    ) -> m.UserDetail:
        """Change only the given fields (``email=None`` removes it; a new email is
        unverified). The console's rules apply (owners, your own account):
        :class:`PermissionDeniedError` with code ``not_allowed``."""
        return await self._call(
            ops.update_user(
                user_id,
                {
                    "email": email,
                    "password": password,
                    "display_name": display_name,
                    "role": role,
                    "is_active": is_active,
                    "groups": groups,
                },
            )
        )

    async def delete_user(self, user_id: int) -> None:
        return await self._call(ops.delete_user(user_id))

    async def get_user_mfa(self, user_id: int) -> m.MfaDetail:
        """Status, the rules that require 2FA and why, and the per-user requirement."""
        return await self._call(ops.get_user_mfa(user_id))

    async def require_user(self, user_id: int, days: int = 7) -> m.MfaDetail:
        """Require 2FA on sign-in, with an enrolment period of 0-365 days."""
        return await self._call(ops.require_user(user_id, days))

    async def lift_requirement(self, user_id: int) -> m.MfaDetail:
        return await self._call(ops.lift_requirement(user_id))

    async def extend_enrolment(self, user_id: int, days: int) -> m.MfaDetail:
        """Start the enrolment period again now, with ``days`` days (unlocks)."""
        return await self._call(ops.extend_enrolment(user_id, days))

    async def set_admin_requirement(self, user_id: int, required: bool) -> m.MfaDetail:
        return await self._call(ops.set_admin_requirement(user_id, required))

    async def reset_mfa(self, user_id: int) -> m.MfaDetail:
        """Remove the user's 2FA (devices, recovery codes); setup starts again."""
        return await self._call(ops.reset_mfa(user_id))

    async def unlock_user(self, user_id: int) -> bool:
        """Lift a lockout after too many wrong codes; True if the user was locked."""
        return await self._call(ops.unlock_user(user_id))
