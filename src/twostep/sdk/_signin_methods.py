"""Sign-in for first-party clients (no API key): password, code, setup, sessions.

Mixed into :class:`~.client.Client` (:class:`SignInMethods`) and
:class:`~.aio.AsyncClient` (:class:`AsyncSignInMethods`, the same methods as coroutines);
the calls themselves are described once, in :mod:`._signin_ops`."""

from __future__ import annotations

from . import _signin_ops as ops
from . import models as m
from ._caller import AsyncCaller, Caller

__all__ = ["AsyncSignInMethods", "SignInMethods"]


class SignInMethods(Caller):
    def sign_in(
        self, identifier: str, password: str, device_token: str | None = None
    ) -> m.SignInStep:
        """Step 1: username or email and password. See :class:`SignInStep` for what next.
        ``device_token``: the one this client's last completed sign-in gave (its wrong
        passwords are then counted on their own, so others' cannot keep it out)."""
        return self._call(ops.sign_in(identifier, password, device_token))

    def sign_in_code(self, signin_token: str, code: str) -> m.SignInStep:
        """Step 2: the code (or a recovery code) within 5 minutes."""
        return self._call(ops.sign_in_code(signin_token, code))

    def sign_in_setup(self, signin_token: str) -> m.Enrolment:
        """Step 2 when setup is required: the QR code to show."""
        return self._call(ops.sign_in_setup(signin_token))

    def confirm_sign_in_setup(self, signin_token: str, code: str) -> m.SignInStep:
        """Finish setup with the first code: signed in, recovery codes shown once."""
        return self._call(ops.confirm_sign_in_setup(signin_token, code))

    def postpone_sign_in_setup(self, signin_token: str) -> m.SignInStep:
        """ "Remind me later", while the enrolment period allows it."""
        return self._call(ops.postpone_sign_in_setup(signin_token))

    def me(self, access_token: str) -> m.Me:
        """The user signed in with ``access_token``."""
        return self._call(ops.me(access_token))

    def sign_out(self, access_token: str) -> None:
        """End ``access_token``."""
        return self._call(ops.sign_out(access_token))

    def list_sessions(self, access_token: str) -> tuple[m.Session, ...]:
        """The signed-in user's sessions, browsers and apps (``current``: this token's)."""
        return self._call(ops.list_sessions(access_token))

    def end_session(self, access_token: str, session_id: str) -> None:
        """End one of the signed-in user's sessions (``NotFoundError`` if there is none)."""
        return self._call(ops.end_session(access_token, session_id))


class AsyncSignInMethods(AsyncCaller):
    async def sign_in(
        self, identifier: str, password: str, device_token: str | None = None
    ) -> m.SignInStep:
        """Step 1: username or email and password. See :class:`SignInStep` for what next.
        ``device_token``: the one this client's last completed sign-in gave (its wrong
        passwords are then counted on their own, so others' cannot keep it out)."""
        return await self._call(ops.sign_in(identifier, password, device_token))

    async def sign_in_code(self, signin_token: str, code: str) -> m.SignInStep:
        """Step 2: the code (or a recovery code) within 5 minutes."""
        return await self._call(ops.sign_in_code(signin_token, code))

    async def sign_in_setup(self, signin_token: str) -> m.Enrolment:
        """Step 2 when setup is required: the QR code to show."""
        return await self._call(ops.sign_in_setup(signin_token))

    async def confirm_sign_in_setup(self, signin_token: str, code: str) -> m.SignInStep:
        """Finish setup with the first code: signed in, recovery codes shown once."""
        return await self._call(ops.confirm_sign_in_setup(signin_token, code))

    async def postpone_sign_in_setup(self, signin_token: str) -> m.SignInStep:
        """ "Remind me later", while the enrolment period allows it."""
        return await self._call(ops.postpone_sign_in_setup(signin_token))

    async def me(self, access_token: str) -> m.Me:
        """The user signed in with ``access_token``."""
        return await self._call(ops.me(access_token))

    async def sign_out(self, access_token: str) -> None:
        """End ``access_token``."""
        return await self._call(ops.sign_out(access_token))

    async def list_sessions(self, access_token: str) -> tuple[m.Session, ...]:
        """The signed-in user's sessions, browsers and apps (``current``: this token's)."""
        return await self._call(ops.list_sessions(access_token))

    async def end_session(self, access_token: str, session_id: str) -> None:
        """End one of the signed-in user's sessions (``NotFoundError`` if there is none)."""
        return await self._call(ops.end_session(access_token, session_id))
