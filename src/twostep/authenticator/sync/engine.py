"""Syncing: download, merge, upload; and the automatic sync after each change.

:func:`sync` downloads the server's copy, merges it into the vault (under the vault's writer
lock, :mod:`twostep.authenticator.vault.merge`), and uploads the merged copy with the version it
was based on. If someone else uploaded meanwhile the server answers 409: download, merge and
try again. The vault here is saved (atomically) before anything is uploaded, and an upload that
is cut off never changes it, so a killed process or a dropped connection loses nothing: the
changes stay "waiting" (:func:`~.state.pending`) and the next sync sends them.

:func:`after_change` is what every change runs when the vault is registered: a sync that never
raises. When the server cannot be reached it says so once (not again until a sync succeeds);
the change is already saved here.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from twostep.authenticator.errors import (
    AuthenticatorError,
    ServerUnreachableError,
    SyncError,
    VersionConflictError,
)
from twostep.authenticator.vault.merge import document_of, merge, same_content

from .api import SyncApi
from .keys import decrypt_document, encrypt_document, unb64
from .state import SyncState, read_state, require_state, write_state

if TYPE_CHECKING:  # pragma: no cover
    from twostep.authenticator.vault import Vault

__all__ = ["SyncResult", "after_change", "apply_document", "sync"]

ATTEMPTS: Final = 5
FORMAT: Final = "twostep-sync-vault/1"


@dataclass(frozen=True, slots=True)
class SyncResult:
    version: int
    uploaded: bool
    received: int  # entries added or changed here by the server's copy
    removed: int  # entries removed here by the server's copy
    rollback: bool  # the server's version was older than one seen before


def apply_document(payload: dict[str, Any], remote: dict[str, Any]) -> tuple[int, int]:
    """Merge ``remote`` into ``payload`` in place; returns (entries added or changed, removed)."""
    before = {item["id"]: item for item in payload.get("entries", ())}
    merged = merge(document_of(payload), remote)
    payload["entries"] = merged["entries"]
    payload["removed"] = merged["removed"]
    clock = payload.get("clock")
    payload["clock"] = max(clock if isinstance(clock, int) else 0, merged["clock"])
    after = {item["id"]: item for item in merged["entries"]}
    received = sum(1 for key, item in after.items() if before.get(key) != item)
    return received, sum(1 for key in before if key not in after)


def _upload_document(payload: dict[str, Any]) -> dict[str, Any]:
    return {"format": FORMAT, **document_of(payload)}


def _save_state(vault: Vault, change: Callable[[SyncState], None]) -> None:
    def edit(payload: dict[str, Any]) -> None:
        state = read_state(payload)
        if state is not None:
            change(state)
            write_state(payload, state)

    vault.update_payload(edit)


def sync(vault: Vault, *, clock: Callable[[], float] = time.time) -> SyncResult:
    """Bring the vault and the server's copy together (see the module docstring)."""
    state = require_state(vault.read_payload())
    if not state.verified:
        raise SyncError(
            f"{state.email} is not confirmed yet: open the link in the mail, or run "
            f"`twostep-auth register --server {state.server} --email {state.email}` again"
        )
    key = state.key
    received = removed = 0
    rollback = False
    with SyncApi(state.server, state.device_token) as api:
        for _ in range(ATTEMPTS):
            remote = api.get_vault()
            version = int(remote.get("version") or 0)
            rollback = rollback or version < state.version
            ciphertext = remote.get("ciphertext")
            remote_doc = decrypt_document(key, unb64(ciphertext)) if ciphertext else None

            def edit(
                payload: dict[str, Any], remote_doc: dict[str, Any] | None = remote_doc
            ) -> tuple[dict[str, Any], int, int]:
                got = (0, 0) if remote_doc is None else apply_document(payload, remote_doc)
                return _upload_document(payload), *got

            document, got, gone = vault.update_payload(edit)
            received, removed = received + got, removed + gone
            if remote_doc is not None and same_content(document, remote_doc):
                uploaded, new_version = False, version
            else:
                try:
                    answer = api.put_vault(version, encrypt_document(key, document))
                except VersionConflictError:
                    continue
                uploaded, new_version = True, int(answer.get("version") or version + 1)
            now = clock()

            def done(
                s: SyncState, v: int = new_version, c: int = document["clock"], t: float = now
            ) -> None:
                s.version, s.synced_clock, s.last_sync, s.offline_since = v, c, t, None

            _save_state(vault, done)
            return SyncResult(new_version, uploaded, received, removed, rollback)
    raise SyncError(
        f"the server's copy kept changing during {ATTEMPTS} attempts (another computer "
        "syncing a lot?); your changes are kept here: run `twostep-auth sync` again"
    )


def _say(text: str) -> None:
    print(f"twostep-auth: {text}", file=sys.stderr)


def after_change(vault: Vault) -> None:
    """The automatic sync after a change (never raises; see the module docstring)."""
    state: SyncState | None = None
    try:
        state = read_state(vault.read_payload())
        if state is None or not state.verified:
            return
        sync(vault)
    except ServerUnreachableError:
        if state is not None and state.offline_since is None:
            _say(
                "saved here; the sync server cannot be reached, so this change will be sent "
                "with the next sync (`twostep-auth sync`, or the next change)"
            )
            now = time.time()

            def offline(s: SyncState) -> None:
                s.offline_since = now

            with contextlib.suppress(AuthenticatorError):
                _save_state(vault, offline)
    except AuthenticatorError as exc:
        _say(f"saved here, but not synced: {exc}")
