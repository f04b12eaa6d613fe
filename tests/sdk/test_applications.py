"""The SDK's applications methods (sync and async) against the real server of the SDK tests."""

from __future__ import annotations

import asyncio
import inspect

import pytest

from twostep.sdk import AsyncClient, Client, ConflictError, NotFoundError
from twostep.sdk.applications import ApplicationsMethods, AsyncApplicationsMethods

from .conftest import Server


def _public(cls: type) -> dict[str, object]:
    return {n: f for n, f in vars(cls).items() if not n.startswith("_") and callable(f)}


def test_async_methods_mirror_the_sync_ones() -> None:
    sync, asynchronous = _public(ApplicationsMethods), _public(AsyncApplicationsMethods)
    assert set(sync) == set(asynchronous)
    for name, func in sync.items():
        other = asynchronous[name]
        assert inspect.signature(func).parameters == inspect.signature(other).parameters, name  # type: ignore[arg-type]
        assert inspect.iscoroutinefunction(other), name


@pytest.mark.slow
def test_applications_sync(admin: Client) -> None:
    made = admin.create_application(
        "SDK app",
        redirect_uris=["https://sdk.example.com/cb"],
        roles=["admin"],
        launch_url="https://sdk.example.com/",
    )
    assert made.client_secret
    assert made.client_secret not in repr(made)
    assert made.application.access == "selected"
    assert made.application.roles == ("admin",)
    assert [a.name for a in admin.list_applications()].count("SDK app") == 1
    changed = admin.update_application(made.application.id, access="all", roles=[])
    assert changed.access == "all"
    rotated = admin.rotate_application_secret(made.application.id)
    assert rotated.client_id == made.client_id
    assert rotated.client_secret != made.client_secret
    assert admin.list_application_grants(made.application.id) == ()
    with pytest.raises(NotFoundError):
        admin.revoke_application_grant(made.application.id, 1)
    with pytest.raises(ConflictError):
        admin.create_application("SDK app", redirect_uris=["https://sdk.example.com/cb"])
    admin.delete_application(made.application.id)
    with pytest.raises(NotFoundError):
        admin.get_application(made.application.id)


@pytest.mark.slow
def test_applications_async(server: Server) -> None:
    async def flow() -> None:
        async with AsyncClient(server.url, api_key=server.admin_key) as tw:
            made = await tw.create_application(
                "Async app", redirect_uris=["https://async.example.com/cb"], public=True
            )
            assert made.client_secret is None
            assert made.application.public is True
            got = await tw.get_application(made.application.id)
            assert got.client_id == made.client_id
            await tw.delete_application(made.application.id)

    asyncio.run(flow())
