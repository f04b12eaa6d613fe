"""This computer's sync settings, kept inside the encrypted vault (the payload's ``"sync"``).

The device token and the vault key are secrets, so they live where the TOTP secrets live: in
the vault, encrypted with its master key; nothing about the account is written anywhere else.

``pending`` is not a stored flag but a comparison: the vault's clock (the newest change stamp,
:mod:`twostep.authenticator.vault.changes`) is above the clock of the last upload. So a change
made while the server cannot be reached is "waiting" until a sync sends it, whatever happens to
the process in between.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from twostep.authenticator.errors import NotRegisteredError

from .keys import b64, unb64

__all__ = ["SyncState", "describe", "pending", "read_state", "require_state", "write_state"]


@dataclass(slots=True)
class SyncState:
    server: str
    email: str
    device_id: str
    device_name: str
    device_token: str
    vault_key: str  # base64; never sent
    verified: bool = False
    version: int = 0  # the server's version this copy last merged with
    synced_clock: int = -1  # the vault clock of the last upload
    last_sync: float | None = None
    offline_since: float | None = None  # set when "cannot reach the server" was said
    recovery_key: str | None = None  # kept only until it has been printed once

    @property
    def key(self) -> bytes:
        return unb64(self.vault_key)

    @classmethod
    def new(
        cls, *, server: str, email: str, device: dict[str, Any], name: str, vault_key: bytes
    ) -> SyncState:
        return cls(
            server=server,
            email=email,
            device_id=str(device.get("device_id", "")),
            device_name=name,
            device_token=str(device["device_token"]),
            vault_key=b64(vault_key),
        )


def read_state(payload: dict[str, Any]) -> SyncState | None:
    data = payload.get("sync")
    if not isinstance(data, dict):
        return None
    known = {f.name for f in fields(SyncState)}
    try:
        return SyncState(**{k: v for k, v in data.items() if k in known})
    except TypeError:
        return None


def require_state(payload: dict[str, Any]) -> SyncState:
    state = read_state(payload)
    if state is None:
        raise NotRegisteredError(
            "this vault is not registered with a sync server: `twostep-auth register --server "
            "URL --email ADDRESS`, or `twostep-auth login ...` to join an existing account"
        )
    return state


def write_state(payload: dict[str, Any], state: SyncState | None) -> None:
    if state is None:
        payload.pop("sync", None)
    else:
        payload["sync"] = asdict(state)


def pending(payload: dict[str, Any], state: SyncState) -> bool:
    """Whether changes made here have not reached the server yet (or nothing was sent yet)."""
    if state.last_sync is None:
        return True
    clock = payload.get("clock")
    return isinstance(clock, int) and clock > state.synced_clock


def _ago(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} s ago"
    return f"{seconds // 60} min ago" if seconds < 7200 else f"{seconds // 3600} h ago"


def describe(payload: dict[str, Any], *, now: float) -> str:
    """One line of sync state (the ``watch`` view shows it): account, last sync, waiting."""
    state = read_state(payload)
    if state is None:
        return "sync: off (twostep-auth register)"
    if not state.verified:
        return f"sync: {state.email} not confirmed yet (open the mail's link)"
    last = "never synced" if state.last_sync is None else "synced " + _ago(now - state.last_sync)
    waiting = "changes waiting to be sent" if pending(payload, state) else "nothing waiting"
    if state.offline_since is not None and pending(payload, state):
        waiting += " (server unreachable)"
    return f"sync: {state.email} at {state.server} - {last} - {waiting}"
