"""The sync account's use cases: register, verify, log in, recover, change the password,
devices, delete, status. The CLI (:mod:`twostep.authenticator.sync_commands`) asks the
questions and prints; everything that talks to the server or touches keys is here.

The account password is separate from the vault password (it may be the same text): it is what
another computer needs to join, and with the recovery key the only way to read the backup.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from twostep.authenticator.errors import (
    AccountCredentialsError,
    AmbiguousNameError,
    NotFoundError,
    SyncError,
    UsageError,
    WrongPasswordError,
)
from twostep.authenticator.vault.changes import next_stamp

from . import keys as k
from .api import SyncApi, normalise_server
from .engine import SyncResult, sync
from .state import SyncState, pending, read_state, require_state, write_state

if TYPE_CHECKING:  # pragma: no cover
    from twostep.authenticator.vault import Vault

__all__ = [
    "Registration",
    "change_password",
    "delete_account",
    "devices",
    "finish_registration",
    "is_verified",
    "join",
    "login",
    "recover",
    "register",
    "revoke_device",
    "status",
    "verify_code",
]


@dataclass(frozen=True, slots=True)
class Registration:
    state: SyncState
    expires_at: str


def _refuse_if_registered(payload: dict[str, Any], server: str, email: str) -> None:
    state = read_state(payload)
    if state is not None and (state.server, state.email) != (server, email):
        raise UsageError(
            f"this vault is already registered as {state.email} at {state.server}; "
            "`twostep-auth account delete` first, or use another vault (TWOSTEP_VAULT)"
        )


def _save(vault: Vault, state: SyncState | None) -> None:
    vault.update_payload(lambda payload: write_state(payload, state))


def register(
    vault: Vault, *, server: str, email: str, password: str, device_name: str
) -> Registration:
    """Create the account (pending until the mail's link or code confirms the address). The
    recovery key is kept in the vault until :func:`finish_registration` hands it out once."""
    server = normalise_server(server)
    _refuse_if_registered(vault.read_payload(), server, email)
    salt, kdf = k.new_salt(), k.default_kdf()
    keys = k.derive(password, salt, kdf)
    vault_key, recovery = secrets.token_bytes(k.KEY_SIZE), secrets.token_bytes(k.KEY_SIZE)
    rk = k.recovery_keys(recovery)
    with SyncApi(server) as api:
        answer = api.register(
            email=email,
            auth_key=keys.auth_key,
            salt=salt,
            kdf=kdf,
            wrapped_key=k.wrap(keys.wrap_key, vault_key),
            recovery_auth_key=rk.auth_key,
            recovery_wrapped_key=k.wrap(rk.wrap_key, vault_key),
            device_name=device_name,
        )
    state = SyncState.new(
        server=server, email=email, device=answer, name=device_name, vault_key=vault_key
    )
    state.recovery_key = k.b64(recovery)
    state.verified = bool(answer.get("verified"))
    _save(vault, state)
    return Registration(state, str(answer.get("expires_at", "")))


def is_verified(vault: Vault) -> bool:
    """Ask the server whether the address is confirmed (and remember it when it is)."""
    state = require_state(vault.read_payload())
    if state.verified:
        return True
    with SyncApi(state.server, state.device_token) as api:
        verified = bool(api.account().get("verified"))
    if verified:
        state.verified = True
        _save(vault, state)
    return verified


def verify_code(vault: Vault, code: str) -> None:
    """Confirm the address with the short code from the mail."""
    state = require_state(vault.read_payload())
    with SyncApi(state.server, state.device_token) as api:
        api.verify(code.strip())
    state.verified = True
    _save(vault, state)


def resend(vault: Vault) -> str:
    state = require_state(vault.read_payload())
    with SyncApi(state.server, state.device_token) as api:
        return str(api.resend().get("expires_at", ""))


def finish_registration(vault: Vault) -> tuple[SyncResult, str | None]:
    """Upload the vault; return the recovery key for printing (once: it is then forgotten)."""
    result = sync(vault)
    state = require_state(vault.read_payload())
    recovery = state.recovery_key
    state.recovery_key = None
    _save(vault, state)
    return result, None if recovery is None else k.format_recovery_key(k.unb64(recovery))


def _open_account(api: SyncApi, keys: k.AccountKeys) -> bytes:
    remote = api.get_vault()
    try:
        return k.unwrap(keys.wrap_key, k.unb64(remote.get("wrapped_key")))
    except (WrongPasswordError, ValueError):
        raise AccountCredentialsError("wrong email address or password") from None


def login(*, server: str, email: str, password: str, device_name: str) -> SyncState:
    """Sign this computer in to an existing account; the state to :func:`join` a vault with."""
    server = normalise_server(server)
    with SyncApi(server) as api:
        pre = api.prelogin(email)
        keys = k.derive(password, k.unb64(pre.get("salt")), pre.get("kdf") or {})
        answer = api.login(email, keys.auth_key, device_name)
        api.token = str(answer["device_token"])
        vault_key = _open_account(api, keys)
    state = SyncState.new(
        server=server, email=email, device=answer, name=device_name, vault_key=vault_key
    )
    state.verified = True
    return state


def recover(
    *, server: str, email: str, recovery_key: str, new_password: str, device_name: str
) -> SyncState:
    """With the recovery key: a new account password, and this computer signed in."""
    server = normalise_server(server)
    rk = k.recovery_keys(k.parse_recovery_key(recovery_key))
    with SyncApi(server) as api:
        answer = api.recover(email, rk.auth_key)
        try:
            vault_key = k.unwrap(rk.wrap_key, k.unb64(answer.get("recovery_wrapped_key")))
        except (WrongPasswordError, ValueError):
            raise AccountCredentialsError("wrong email address or recovery key") from None
        salt, kdf = k.new_salt(), k.default_kdf()
        keys = k.derive(new_password, salt, kdf)
        device = api.recover_reset(
            email=email,
            recovery_auth_key=rk.auth_key,
            new_auth_key=keys.auth_key,
            salt=salt,
            kdf=kdf,
            wrapped_key=k.wrap(keys.wrap_key, vault_key),
            device_name=device_name,
            revoke_other_devices=False,
        )
    state = SyncState.new(
        server=server, email=email, device=device, name=device_name, vault_key=vault_key
    )
    state.verified = True
    return state


def _dedupe_key(item: dict[str, Any]) -> tuple[str, str, str]:
    return (
        str(item.get("issuer", "")).casefold(),
        str(item.get("name", "")).casefold(),
        str(item.get("secret", "")),
    )


def join(vault: Vault, state: SyncState, *, now: float | None = None) -> SyncResult:
    """Attach this vault to the account and merge: the account's entries appear here, and the
    entries only this vault had are uploaded. An entry here that is the very same account as
    one of the account's (issuer, name and secret) is folded into it, not doubled."""
    when = time.time() if now is None else now
    with SyncApi(state.server, state.device_token) as api:
        remote = api.get_vault()
    ciphertext = remote.get("ciphertext")
    theirs = k.decrypt_document(state.key, k.unb64(ciphertext)) if ciphertext else {"entries": []}
    known = {_dedupe_key(item): item["id"] for item in theirs["entries"]}

    def edit(payload: dict[str, Any]) -> None:
        _refuse_if_registered(payload, state.server, state.email)
        keep: list[dict[str, Any]] = []
        gone: list[dict[str, Any]] = []
        for item in payload.get("entries", ()):
            other = known.get(_dedupe_key(item))
            (gone if other is not None and other != item["id"] else keep).append(item)
        if gone:
            payload["entries"] = keep
            removed = list(payload.get("removed", ()))
            removed += [
                {"id": item["id"], "stamp": list(next_stamp(payload, when))} for item in gone
            ]
            payload["removed"] = removed
        write_state(payload, state)

    vault.update_payload(edit)
    return sync(vault)


def _with_password(vault: Vault, password: str) -> tuple[SyncState, SyncApi, k.AccountKeys]:
    state = require_state(vault.read_payload())
    api = SyncApi(state.server, state.device_token)
    try:
        remote = api.get_vault()
        keys = k.derive(password, k.unb64(remote.get("salt")), remote.get("kdf") or {})
        try:
            k.unwrap(keys.wrap_key, k.unb64(remote.get("wrapped_key")))
        except (WrongPasswordError, ValueError):
            raise AccountCredentialsError("wrong account password") from None
    except BaseException:
        api.close()
        raise
    return state, api, keys


def change_password(vault: Vault, current: str, new: str) -> None:
    """A new account password: new salt, new auth key, the vault key re-wrapped. The vault key
    (and so the backup and the recovery key) stays; other computers keep working."""
    state, api, keys = _with_password(vault, current)
    with api:
        salt, kdf = k.new_salt(), k.default_kdf()
        fresh = k.derive(new, salt, kdf)
        api.change_password(
            auth_key=keys.auth_key,
            new_auth_key=fresh.auth_key,
            salt=salt,
            kdf=kdf,
            wrapped_key=k.wrap(fresh.wrap_key, state.key),
        )


def delete_account(vault: Vault, password: str) -> None:
    """Delete the account and everything the server holds; the vault here stays as it is."""
    _state, api, keys = _with_password(vault, password)
    with api:
        api.delete_account(keys.auth_key)
    _save(vault, None)


def devices(vault: Vault) -> list[dict[str, Any]]:
    state = require_state(vault.read_payload())
    with SyncApi(state.server, state.device_token) as api:
        return api.devices()


def revoke_device(vault: Vault, name: str) -> dict[str, Any]:
    """Revoke the device named ``name`` (its name, case-insensitive, or its id). Revoking this
    computer signs it out (the sync settings are removed here; the vault stays)."""
    state = require_state(vault.read_payload())
    with SyncApi(state.server, state.device_token) as api:
        listed = api.devices()
        found = [d for d in listed if str(d.get("id")) == name]
        found = found or [d for d in listed if str(d.get("name", "")).casefold() == name.casefold()]
        if not found:
            raise NotFoundError(f"no device named {name!r} (see `twostep-auth devices`)")
        if len(found) > 1:
            raise AmbiguousNameError(name, [f"{d.get('name')} (id {d.get('id')})" for d in found])
        api.revoke(str(found[0]["id"]))
    if found[0].get("current") or str(found[0].get("id")) == state.device_id:
        _save(vault, None)
    return found[0]


def status(vault: Vault) -> dict[str, Any]:
    """What ``status`` shows: server, account, device, last sync, whether changes wait."""
    payload = vault.read_payload()
    state = read_state(payload)
    if state is None:
        return {"registered": False}
    return {
        "registered": True,
        "server": state.server,
        "email": state.email,
        "verified": state.verified,
        "device": state.device_name,
        "device_id": state.device_id,
        "version": state.version,
        "last_sync": state.last_sync,
        "pending": pending(payload, state),
        "offline_since": state.offline_since,
    }


def check_server(server: str) -> str:
    try:
        return normalise_server(server)
    except SyncError as exc:
        raise UsageError(str(exc)) from None
