"""The authentication service (verify keys): ``ping``, ``verify``, ``status``, setting up
2FA for a user, making an application's user.

Mixed into :class:`~.client.Client` (:class:`VerifyMethods`) and
:class:`~.aio.AsyncClient` (:class:`AsyncVerifyMethods`, the same methods as coroutines);
the calls themselves are described once, in :mod:`._verify_ops`."""

from __future__ import annotations

import uuid

from . import _verify_ops as ops
from . import models as m
from ._caller import AsyncCaller, Caller

__all__ = ["AsyncVerifyMethods", "VerifyMethods"]


class VerifyMethods(Caller):
    def ping(self) -> m.Ping:
        """Check the API key: its scope and name."""
        return self._call(ops.ping())

    def verify(
        self,
        code: str,
        *,
        username: str | None = None,
        email: str | None = None,
        external_id: str | None = None,
        client_address: str | None = None,
    ) -> m.VerifyResult:
        """Verify a user's 6-digit code or recovery code (name the user by exactly one of
        ``username``, ``email``, ``external_id``). ``valid`` is True once per code; a wrong,
        reused or locked-out attempt is ``valid=False`` (not an exception). Pass the end user's
        IP as ``client_address`` for per-network throttling and the audit log. Raises
        :class:`ThrottledError` (retry after ``retry_after`` s), :class:`NotEnrolledError`,
        :class:`UserNotFoundError`, :class:`MalformedCodeError`; :class:`TransportError` once
        ``verify_deadline`` (5 s) passed."""
        return self._call(
            ops.verify(
                code,
                username=username,
                email=email,
                external_id=external_id,
                client_address=client_address,
            ),
            self.verify_deadline,
        )

    def status(
        self,
        *,
        username: str | None = None,
        email: str | None = None,
        external_id: str | None = None,
    ) -> m.MfaStatus:
        """A user's two-step verification: enrolled, required, deadline, locked."""
        return self._call(ops.status(username=username, email=email, external_id=external_id))

    def start_enrolment(
        self,
        *,
        username: str | None = None,
        email: str | None = None,
        external_id: str | None = None,
    ) -> m.Enrolment:
        """Start setting up 2FA for a user: the QR code (SVG and PNG), the key and an
        enrolment id, valid 10 minutes. :class:`AlreadyEnrolledError` if set up already."""
        return self._call(
            ops.start_enrolment(username=username, email=email, external_id=external_id)
        )

    def get_enrolment(self, enrolment_id: uuid.UUID | str) -> m.Enrolment:
        """A pending setup again (:class:`EnrolmentExpiredError` once it is gone)."""
        return self._call(ops.get_enrolment(enrolment_id))

    def confirm_enrolment(
        self, enrolment_id: uuid.UUID | str, code: str, *, client_address: str | None = None
    ) -> m.EnrolmentConfirmation:
        """Confirm a setup with the first code; returns the 10 recovery codes, shown once.
        :class:`InvalidCodeError` if the code does not match (the setup stays pending)."""
        return self._call(ops.confirm_enrolment(enrolment_id, code, client_address=client_address))

    def create_app_user(
        self,
        external_id: str,
        *,
        username: str | None = None,
        email: str | None = None,
        display_name: str = "",
    ) -> m.User:
        """Create a user that exists only for your application (no password); needs a verify
        key made with ``--allow-create-users``."""
        return self._call(
            ops.create_app_user(
                external_id, username=username, email=email, display_name=display_name
            )
        )


class AsyncVerifyMethods(AsyncCaller):
    async def ping(self) -> m.Ping:
        """Check the API key: its scope and name."""
        return await self._call(ops.ping())

    async def verify(
        self,
        code: str,
        *,
        username: str | None = None,
        email: str | None = None,
        external_id: str | None = None,
        client_address: str | None = None,
    ) -> m.VerifyResult:
        """Verify a user's 6-digit code or recovery code (name the user by exactly one of
        ``username``, ``email``, ``external_id``). ``valid`` is True once per code; a wrong,
        reused or locked-out attempt is ``valid=False`` (not an exception). Pass the end user's
        IP as ``client_address`` for per-network throttling and the audit log. Raises
        :class:`ThrottledError` (retry after ``retry_after`` s), :class:`NotEnrolledError`,
        :class:`UserNotFoundError`, :class:`MalformedCodeError`; :class:`TransportError` once
        ``verify_deadline`` (5 s) passed."""
        return await self._call(
            ops.verify(
                code,
                username=username,
                email=email,
                external_id=external_id,
                client_address=client_address,
            ),
            self.verify_deadline,
        )

    async def status(
        self,
        *,
        username: str | None = None,
        email: str | None = None,
        external_id: str | None = None,
    ) -> m.MfaStatus:
        """A user's two-step verification: enrolled, required, deadline, locked."""
        return await self._call(ops.status(username=username, email=email, external_id=external_id))

    async def start_enrolment(
        self,
        *,
        username: str | None = None,
        email: str | None = None,
        external_id: str | None = None,
    ) -> m.Enrolment:
        """Start setting up 2FA for a user: the QR code (SVG and PNG), the key and an
        enrolment id, valid 10 minutes. :class:`AlreadyEnrolledError` if set up already."""
        return await self._call(
            ops.start_enrolment(username=username, email=email, external_id=external_id)
        )

    async def get_enrolment(self, enrolment_id: uuid.UUID | str) -> m.Enrolment:
        """A pending setup again (:class:`EnrolmentExpiredError` once it is gone)."""
        return await self._call(ops.get_enrolment(enrolment_id))

    async def confirm_enrolment(
        self, enrolment_id: uuid.UUID | str, code: str, *, client_address: str | None = None
    ) -> m.EnrolmentConfirmation:
        """Confirm a setup with the first code; returns the 10 recovery codes, shown once.
        :class:`InvalidCodeError` if the code does not match (the setup stays pending)."""
        return await self._call(
            ops.confirm_enrolment(enrolment_id, code, client_address=client_address)
        )

    async def create_app_user(
        self,
        external_id: str,
        *,
        username: str | None = None,
        email: str | None = None,
        display_name: str = "",
    ) -> m.User:
        """Create a user that exists only for your application (no password); needs a verify
        key made with ``--allow-create-users``."""
        return await self._call(
            ops.create_app_user(
                external_id, username=username, email=email, display_name=display_name
            )
        )
