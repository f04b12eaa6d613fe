"""The synchronous client: :class:`Client`. :class:`twostep.sdk.AsyncClient` has the same
methods as coroutines (a test keeps them in step).

::

    from twostep.sdk import Client

    with Client("https://2fa.example.com", api_key=os.environ["TWOSTEP_API_KEY"]) as twostep:
        if twostep.verify("123456", username="alice").valid:
            ...

Every call sends ``Authorization: Bearer <api_key>``; 429 and 503 answers are retried
honouring ``Retry-After`` (see :class:`RetryPolicy`) within the call's deadline; a request met
by a connection reset before any answer goes once more on a fresh connection; errors raise the
exceptions of :mod:`twostep.sdk.errors`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TypeVar

import httpx

from . import _ops as ops
from . import models as m
from ._core import (
    _DEFAULT,
    DEFAULT_DEADLINE,
    DEFAULT_TIMEOUT,
    DEFAULT_VERIFY_DEADLINE,
    USER_AGENT,
    Call,
    Deadline,
    RetryPolicy,
    _Default,
    as_timeout,
    build_request,
    check_api_key,
    check_base_url,
    check_deadline,
    read,
    transport_error,
    unanswered,
)
from ._ops import UNSET, _Unset
from ._transport import DEADLINE, Connections, sync_client
from ._webhook_methods import WebhookMethods
from .applications import ApplicationsMethods

__all__ = ["Client"]

T = TypeVar("T")


class Client(WebhookMethods, ApplicationsMethods):
    """A client of one twostep server's API.

    ``base_url`` is the server's address (``https://2fa.example.com``; ``/api/v1`` is added);
    ``api_key`` is a key made with ``twostep apikeys create`` (None for the sign-in endpoints
    only; surrounding whitespace is removed, any other space, control or non-ASCII character
    is a ``ValueError`` that does not show the key); ``timeout`` bounds each step (seconds or
    an :class:`httpx.Timeout`; default 5 s to connect, 10 s for each read or write);
    ``deadline`` bounds a whole call, its retries and waits included (default 10 s),
    ``verify_deadline`` a call of :meth:`verify` (default 5 s; None: no deadline);
    ``max_retries`` and ``max_retry_wait`` bound the retries of 429/503 answers;
    ``http_client`` lets you bring your own :class:`httpx.Client` (proxies, TLS settings; the
    SDK will not close it; the deadline is then checked between the pieces of an answer,
    which a server sending headers byte by byte can stretch by up to ``timeout``).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout: float | httpx.Timeout | None = None,
        deadline: float | None = DEFAULT_DEADLINE,
        verify_deadline: float | None = DEFAULT_VERIFY_DEADLINE,
        max_retries: int = 2,
        max_retry_wait: float = 10.0,
        http_client: httpx.Client | None = None,
    ) -> None:
        self.base_url = check_base_url(base_url)
        key = check_api_key(api_key)
        self.deadline = check_deadline("deadline", deadline)
        self.verify_deadline = check_deadline("verify_deadline", verify_deadline)
        self.retry = RetryPolicy(max_retries=max_retries, max_wait=max_retry_wait)
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        self._headers = headers
        self._connections = Connections()
        self._owns_http = http_client is None
        if http_client is None:
            self._timeout = as_timeout(timeout, DEFAULT_TIMEOUT)
            self._http = sync_client(self._timeout, self._connections)
        else:
            self._timeout = as_timeout(timeout, http_client.timeout)
            self._http = http_client

    def __repr__(self) -> str:
        return f"Client({self.base_url!r})"

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, call: Call[T], deadline: float | _Default | None = _DEFAULT) -> T:
        clock = Deadline(self.deadline if isinstance(deadline, _Default) else deadline)
        token = DEADLINE.set(clock.end)
        try:
            return self._attempts(call, clock)
        finally:
            DEADLINE.reset(token)

    def _attempts(self, call: Call[T], clock: Deadline) -> T:
        attempt = 0
        resent = False
        while True:
            request = build_request(
                self._http, call, self.base_url, self._headers, clock.timeout(self._timeout)
            )
            try:
                response = self._http.send(request, stream=True)
            except httpx.HTTPError as exc:
                if not resent and unanswered(exc) and not clock.passed():
                    resent = True  # once, on a fresh connection
                    self._connections.retire()
                    continue
                raise transport_error(call, exc, clock) from exc
            response = self._read(call, request, response, clock)
            wait = self.retry.delay(response, attempt, clock.left())
            if wait is None:
                return read(call, response)
            attempt += 1
            time.sleep(wait)

    def _read(
        self, call: Call[T], request: httpx.Request, response: httpx.Response, clock: Deadline
    ) -> httpx.Response:
        """The whole answer, within the deadline (checked after each piece that comes)."""
        if response.is_stream_consumed:  # read already (a transport that does not stream)
            return response
        chunks = []
        try:
            for chunk in response.iter_raw():
                chunks.append(chunk)
                clock.check(request)
        except httpx.HTTPError as exc:
            raise transport_error(call, exc, clock) from exc
        finally:
            response.close()
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            content=b"".join(chunks),
            request=request,
        )

    # -- meta and the authentication service (verify scope) ---------------------------------

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

    # -- administration (admin scope): users --------------------------------------------------

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
        offset = 0
        while True:
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
            offset += len(page.items)
            if not page.items or offset >= page.total:
                return

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

    # -- roles and groups ---------------------------------------------------------------------

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

    # -- policy, audit, API keys --------------------------------------------------------------

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

    # -- sign-in for first-party clients (no API key) -----------------------------------------

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
