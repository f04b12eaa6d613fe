"""The HTTP client of the sync protocol (docs/sync.md), with httpx.

One method per endpoint; binary values are base64 in JSON. Every failure is a
:class:`~twostep.authenticator.errors.SyncError` (or a subclass) whose message a person can act
on: :class:`ServerUnreachableError` when nothing answered (no network, server down, timeout),
:class:`AccountCredentialsError` for a wrong email or password (the server never says which),
:class:`VersionConflictError` for a 409 on upload (merge and retry), :class:`DeviceRevokedError`
when this computer's device token is refused.
"""

from __future__ import annotations

from typing import Any, Final

import httpx

from twostep.authenticator.errors import (
    AccountCredentialsError,
    DeviceRevokedError,
    ServerUnreachableError,
    SyncError,
    VersionConflictError,
)

from .keys import b64

__all__ = ["SyncApi"]

PREFIX: Final = "/api/sync/v1/"
#: Connecting gives up quickly (automatic syncs must not hold up a change for long); a
#: transfer may take longer.
TIMEOUT: Final = httpx.Timeout(20.0, connect=4.0)


class SyncApi:
    """The server at ``server`` (its base URL), as the device holding ``token`` (if any)."""

    def __init__(
        self, server: str, token: str | None = None, *, timeout: httpx.Timeout = TIMEOUT
    ) -> None:
        self.server = normalise_server(server)
        self.token = token
        self._client = httpx.Client(
            base_url=self.server + PREFIX, timeout=timeout, follow_redirects=False
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> SyncApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing ---------------------------------------------------------------------------------
    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = self._client.request(method, path, json=body, headers=headers)
        except httpx.TimeoutException:
            raise ServerUnreachableError(
                f"the sync server {self.server} did not answer in time"
            ) from None
        except httpx.TransportError as exc:
            raise ServerUnreachableError(
                f"the sync server {self.server} cannot be reached", detail=repr(exc)
            ) from None
        if response.status_code == 204:
            return {}
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.is_success and isinstance(data, dict):
            return data
        raise _error(response.status_code, data if isinstance(data, dict) else {}, self.server)

    # -- endpoints --------------------------------------------------------------------------------
    def prelogin(self, email: str) -> dict[str, Any]:
        return dict(self._call("POST", "prelogin", {"email": email}))

    def register(self, **fields: Any) -> dict[str, Any]:
        return dict(self._call("POST", "register", _encode(fields)))

    def account(self) -> dict[str, Any]:
        return dict(self._call("GET", "account"))

    def verify(self, code: str) -> dict[str, Any]:
        return dict(self._call("POST", "verify", {"code": code}))

    def resend(self) -> dict[str, Any]:
        return dict(self._call("POST", "verify/resend", {}))

    def login(self, email: str, auth_key: bytes, device_name: str) -> dict[str, Any]:
        body = {"email": email, "auth_key": b64(auth_key), "device_name": device_name}
        return dict(self._call("POST", "login", body))

    def get_vault(self) -> dict[str, Any]:
        return dict(self._call("GET", "vault"))

    def put_vault(self, base_version: int, ciphertext: bytes) -> dict[str, Any]:
        body = {"base_version": base_version, "ciphertext": b64(ciphertext)}
        return dict(self._call("PUT", "vault", body))

    def devices(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "devices").get("devices", []))

    def revoke(self, device_id: str) -> None:
        self._call("DELETE", f"devices/{device_id}")

    def change_password(self, **fields: Any) -> None:
        self._call("POST", "password", _encode(fields))

    def recover(self, email: str, recovery_auth_key: bytes) -> dict[str, Any]:
        body = {"email": email, "recovery_auth_key": b64(recovery_auth_key)}
        return dict(self._call("POST", "recover", body))

    def recover_reset(self, **fields: Any) -> dict[str, Any]:
        return dict(self._call("POST", "recover/reset", _encode(fields)))

    def delete_account(self, auth_key: bytes) -> None:
        self._call("DELETE", "account", {"auth_key": b64(auth_key)})


def normalise_server(server: str) -> str:
    """``https://host[:port][/path]`` without a trailing slash; plain http only for this
    computer (tests, a server on localhost)."""
    url = httpx.URL(server.strip())
    if url.scheme not in ("https", "http") or not url.host:
        raise SyncError(f"{server!r} is not a server address (https://...)")
    if url.scheme == "http" and url.host not in ("localhost", "127.0.0.1", "::1"):
        raise SyncError(
            f"{server}: plain http would let anyone on the way see and change what is sent; "
            "use https://"
        )
    return str(url.copy_with(query=None, fragment=None)).rstrip("/")


def _encode(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: b64(v) if isinstance(v, bytes) else v for k, v in fields.items()}


def _error(status: int, data: dict[str, Any], server: str) -> Exception:
    code = str(data.get("error", ""))
    message = str(data.get("message", "")) or f"HTTP {status}"
    if code == "invalid_credentials":
        return AccountCredentialsError("wrong email address or password")
    if code == "unauthorized" or status == 401:
        return DeviceRevokedError(
            "the server no longer accepts this computer (its device was revoked or the account "
            "deleted); log in again with `twostep-auth login`",
            detail=message,
        )
    if code == "version_conflict":
        return VersionConflictError(message, version=int(data.get("version", 0)))
    if code == "wrong_code" and isinstance(data.get("attempts_left"), int):
        left = data["attempts_left"]
        return SyncError(f"{message} ({left} tr{'y' if left == 1 else 'ies'} left)")
    if code == "throttled":
        wait = data.get("retry_after")
        return SyncError(f"too many attempts; try again in {wait} s" if wait else message)
    error = SyncError(f"the sync server refused: {message}", detail=f"{status} {code}")
    error.code = code
    error.data = data
    return error
