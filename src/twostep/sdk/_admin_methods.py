"""Administration (admin keys): the 2FA policy, the audit log and API keys.

Mixed into :class:`~.client.Client` (:class:`AdminMethods`) and
:class:`~.aio.AsyncClient` (:class:`AsyncAdminMethods`, the same methods as coroutines);
the calls themselves are described once, in :mod:`._admin_ops`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime

from . import _admin_ops as ops
from . import models as m
from ._caller import AsyncCaller, Caller

__all__ = ["AdminMethods", "AsyncAdminMethods"]


class AdminMethods(Caller):
    def get_policy(self) -> m.Policy:
        return self._call(ops.get_policy())

    def set_policy(
        self,
        mode: str,
        *,
        roles: Iterable[str] = (),
        groups: Iterable[int] = (),
        grace_days: int = 0,
        require_all_admins: bool | None = None,
    ) -> m.Policy:
        """The organisation setting: ``off``, ``all``, ``roles`` (keys) or ``groups`` (ids)."""
        return self._call(
            ops.set_policy(
                mode,
                roles=roles,
                groups=groups,
                grace_days=grace_days,
                require_all_admins=require_all_admins,
            )
        )

    def list_audit_events(
        self,
        *,
        event: str | None = None,
        user: int | None = None,
        actor: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> m.AuditPage:
        """One page of the audit log, newest first; ``event`` ending in ``.`` is a prefix."""
        return self._call(
            ops.list_audit_events(
                event=event,
                user=user,
                actor=actor,
                since=since,
                until=until,
                before_id=before_id,
                limit=limit,
            )
        )

    def iter_audit_events(
        self,
        *,
        event: str | None = None,
        user: int | None = None,
        actor: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        page_size: int = 500,
    ) -> Iterator[m.AuditEvent]:
        """The whole matching audit log, newest first, page by page."""
        before_id = None
        while True:
            page = self.list_audit_events(
                event=event,
                user=user,
                actor=actor,
                since=since,
                until=until,
                before_id=before_id,
                limit=page_size,
            )
            yield from page.items
            if page.next_before_id is None:
                return
            before_id = page.next_before_id

    def list_api_keys(self) -> tuple[m.ApiKey, ...]:
        return self._call(ops.list_api_keys())

    def create_api_key(
        self,
        name: str,
        scope: str,
        *,
        allow_create_users: bool = False,
        application: str | None = None,
        issuer: str | None = None,
        may_enrol_any_user: bool = False,
    ) -> m.CreatedApiKey:
        """A new key; ``.key`` holds it, this once. A verify key belongs to ``application``
        ("Default" when None) and enrols only its users unless ``may_enrol_any_user``."""
        return self._call(
            ops.create_api_key(
                name,
                scope,
                allow_create_users=allow_create_users,
                application=application,
                issuer=issuer,
                may_enrol_any_user=may_enrol_any_user,
            )
        )

    def get_api_key(self, key_id: int) -> m.ApiKey:
        return self._call(ops.get_api_key(key_id))

    def revoke_api_key(self, key_id: int) -> m.ApiKey:
        return self._call(ops.revoke_api_key(key_id))


class AsyncAdminMethods(AsyncCaller):
    async def get_policy(self) -> m.Policy:
        return await self._call(ops.get_policy())

    async def set_policy(
        self,
        mode: str,
        *,
        roles: Iterable[str] = (),
        groups: Iterable[int] = (),
        grace_days: int = 0,
        require_all_admins: bool | None = None,
    ) -> m.Policy:
        """The organisation setting: ``off``, ``all``, ``roles`` (keys) or ``groups`` (ids)."""
        return await self._call(
            ops.set_policy(
                mode,
                roles=roles,
                groups=groups,
                grace_days=grace_days,
                require_all_admins=require_all_admins,
            )
        )

    async def list_audit_events(
        self,
        *,
        event: str | None = None,
        user: int | None = None,
        actor: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> m.AuditPage:
        """One page of the audit log, newest first; ``event`` ending in ``.`` is a prefix."""
        return await self._call(
            ops.list_audit_events(
                event=event,
                user=user,
                actor=actor,
                since=since,
                until=until,
                before_id=before_id,
                limit=limit,
            )
        )

    async def iter_audit_events(
        self,
        *,
        event: str | None = None,
        user: int | None = None,
        actor: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        page_size: int = 500,
    ) -> AsyncIterator[m.AuditEvent]:
        """The whole matching audit log, newest first, page by page."""
        before_id = None
        while True:
            page = await self.list_audit_events(
                event=event,
                user=user,
                actor=actor,
                since=since,
                until=until,
                before_id=before_id,
                limit=page_size,
            )
            for item in page.items:
                yield item
            if page.next_before_id is None:
                return
            before_id = page.next_before_id

    async def list_api_keys(self) -> tuple[m.ApiKey, ...]:
        return await self._call(ops.list_api_keys())

    async def create_api_key(
        self,
        name: str,
        scope: str,
        *,
        allow_create_users: bool = False,
        application: str | None = None,
        issuer: str | None = None,
        may_enrol_any_user: bool = False,
    ) -> m.CreatedApiKey:
        """A new key; ``.key`` holds it, this once. A verify key belongs to ``application``
        ("Default" when None) and enrols only its users unless ``may_enrol_any_user``."""
        return await self._call(
            ops.create_api_key(
                name,
                scope,
                allow_create_users=allow_create_users,
                application=application,
                issuer=issuer,
                may_enrol_any_user=may_enrol_any_user,
            )
        )

    async def get_api_key(self, key_id: int) -> m.ApiKey:
        return await self._call(ops.get_api_key(key_id))

    async def revoke_api_key(self, key_id: int) -> m.ApiKey:
        return await self._call(ops.revoke_api_key(key_id))
