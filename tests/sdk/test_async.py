"""The asynchronous SDK against the same real server: the relying party's flow, concurrency,
errors, paging."""

from __future__ import annotations

import asyncio
import time

import pytest

from twostep.otp import Secret, generate_totp
from twostep.sdk import AsyncClient, ThrottledError, UserNotFoundError

from .conftest import Server, unique

pytestmark = pytest.mark.slow


async def _flow(server: Server) -> None:
    async with (
        AsyncClient(server.url, server.admin_key) as admin,
        AsyncClient(server.url, server.verify_key) as rp,
    ):
        assert (await rp.ping()).scope == "verify"
        app_user = await rp.create_app_user(unique("ext-"), display_name="Ext")
        assert app_user.external_id is not None
        enrolment = await rp.start_enrolment(external_id=app_user.external_id)
        secret = Secret.from_base32(enrolment.secret)
        confirmed = await rp.confirm_enrolment(
            enrolment.enrolment_id, generate_totp(secret, time.time())
        )
        assert len(confirmed.recovery_codes) == 10
        status = await rp.status(external_id=app_user.external_id)
        assert status.enrolled
        assert status.user.id == app_user.id

        # Ten concurrent verifications of one fresh code: exactly one wins, the others are
        # rejected or told to wait (the per-account claim lets one attempt in at a time).
        code = generate_totp(secret, time.time() + 30)
        fast = AsyncClient(server.url, server.verify_key, max_retries=0)
        async with fast:
            results = await asyncio.gather(
                *(fast.verify(code, external_id=app_user.external_id) for _ in range(10)),
                return_exceptions=True,
            )
        valid = [r for r in results if not isinstance(r, BaseException) and r.valid]
        others = [r for r in results if isinstance(r, BaseException) or not r.valid]
        assert len(valid) == 1
        assert all(isinstance(r, ThrottledError) or r.reason == "rejected" for r in others)  # type: ignore[union-attr]

        with pytest.raises(UserNotFoundError):
            await rp.status(username=unique("ghost"))
        users = [u async for u in admin.iter_users(page_size=3)]
        assert app_user.id in {u.id for u in users}
        events = [e async for e in admin.iter_audit_events(event="mfa.enabled", page_size=2)]
        assert any(e.subject_id == app_user.id for e in events)
        mfa = await admin.get_user_mfa(app_user.id)
        assert mfa.enrolled


def test_async_client_end_to_end(server: Server) -> None:
    asyncio.run(_flow(server))


async def _sign_in(server: Server) -> None:
    password = "an async passphrase, long enough"
    name = unique("as")
    async with AsyncClient(server.url, server.admin_key) as admin:
        await admin.create_user(name, password=password)
    async with AsyncClient(server.url) as app:
        step = await app.sign_in(name, password)
        assert step.signed_in
        assert step.access_token is not None
        me = await app.me(step.access_token)
        assert me.method == "password"
        await app.sign_out(step.access_token)


def test_async_sign_in(server: Server) -> None:
    asyncio.run(_sign_in(server))
