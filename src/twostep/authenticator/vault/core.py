"""The unlocked vault: a file path and its master key.

A random 256-bit master key encrypts the payload (the entries); the master key itself is stored
wrapped by a key derived from the password (:mod:`.crypto`). Sessions hold the master key, so
they skip the KDF. ``key_id`` (random, in the authenticated header) names the master key: a
session whose key is not the file's any more (the password was changed) is refused clearly.

Reading takes no lock; :meth:`Vault.update` is a read-modify-write under the writer lock, so two
processes adding entries at once both land (nothing lost), and each save is atomic
(:mod:`.storage`).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from twostep.authenticator.errors import (
    NoVaultError,
    VaultExistsError,
)

from . import storage
from .crypto import KdfParams, calibrate_kdf, derive_key, open_sealed, seal
from .format import (
    KEY_SIZE,
    VaultLayout,
    build_prefix,
    build_vault_file,
    parse_vault_file,
)
from .sealed import open_payload

if TYPE_CHECKING:  # pragma: no cover
    from twostep.authenticator.entry import Entry

__all__ = ["Vault", "read_layout"]

T = TypeVar("T")
_CIPHER = "AES-256-GCM"


def read_layout(path: Path) -> VaultLayout:
    """Read and split the vault file; :class:`NoVaultError` when there is none."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NoVaultError(
            f"no vault at {path}; create one with `twostep-auth init`"
            " (or set TWOSTEP_VAULT to the vault's path)"
        ) from None
    except IsADirectoryError:
        raise NoVaultError(f"{path} is a directory, not a vault file") from None
    return parse_vault_file(data)


def _new_header(kdf: KdfParams, now: float) -> dict[str, Any]:
    return {
        "cipher": _CIPHER,
        "kdf": kdf.to_header(),
        "key_id": secrets.token_hex(16),
        "created_at": now,
    }


def _build_file(header: dict[str, Any], kek: bytes, master_key: bytes, payload: bytes) -> bytes:
    prefix = build_prefix(header)
    wrap_nonce, wrapped = seal(kek, master_key, prefix)
    payload_aad = prefix + wrap_nonce + wrapped
    nonce, ciphertext = seal(master_key, payload, payload_aad)
    return build_vault_file(prefix, wrap_nonce, wrapped, nonce, ciphertext)


class Vault:
    """An unlocked vault. Build it with :meth:`create`, :meth:`unlock` or from a session."""

    __slots__ = ("_master_key", "key_id", "path", "registered")

    def __init__(self, path: Path, master_key: bytes, key_id: str) -> None:
        if len(master_key) != KEY_SIZE:
            raise ValueError("a master key is 32 bytes")
        self.path = path
        self._master_key = master_key
        self.key_id = key_id
        #: Whether the payload last saved holds sync settings (so a change should sync).
        self.registered = False

    def __repr__(self) -> str:
        return f"Vault({str(self.path)!r}, key_id={self.key_id!r})"

    @property
    def master_key(self) -> bytes:
        """The raw master key (for creating a session only)."""
        return self._master_key

    # -- opening --------------------------------------------------------------------------------
    @classmethod
    def create(
        cls, path: Path, password: str, *, kdf: KdfParams | None = None, now: float | None = None
    ) -> Vault:
        """A new, empty vault at ``path``; :class:`VaultExistsError` if there is one."""
        now = time.time() if now is None else now
        kdf = calibrate_kdf() if kdf is None else kdf
        master_key = secrets.token_bytes(KEY_SIZE)
        header = _new_header(kdf, now)
        from .codec import encode_payload

        payload = encode_payload([], generation=1, saved_at=now, previous={})
        data = _build_file(header, derive_key(password, kdf), master_key, payload)
        with storage.write_lock(path):
            if path.exists():
                raise VaultExistsError(
                    f"a vault already exists at {path}; use it, or set TWOSTEP_VAULT to "
                    "another path"
                )
            storage.write_atomic(path, data, keep_backup=False)
        return cls(path, master_key, header["key_id"])

    @classmethod
    def unlock(cls, path: Path, password: str) -> Vault:
        """Derive the key from ``password`` and unwrap the master key (the slow path)."""
        layout = read_layout(path)
        kdf = KdfParams.from_header(layout.header.get("kdf"))
        kek = derive_key(password, kdf)
        master_key = open_sealed(kek, layout.wrap_nonce, layout.wrapped_key, layout.header_aad)
        vault = cls(path, master_key, str(layout.header.get("key_id", "")))
        vault.decrypt(layout)  # a damaged payload fails now, with the same error
        return vault

    def kdf_params(self) -> KdfParams:
        return KdfParams.from_header(read_layout(self.path).header.get("kdf"))

    # -- reading --------------------------------------------------------------------------------
    def decrypt(self, layout: VaultLayout) -> dict[str, Any]:
        """The payload dictionary of ``layout`` (see :mod:`.codec`)."""
        return open_payload(layout, self._master_key, self.key_id)

    def read_payload(self) -> dict[str, Any]:
        return self.decrypt(read_layout(self.path))

    def read_entries(self) -> list[Entry]:
        from .codec import decode_entries

        return decode_entries(self.read_payload())

    # -- writing --------------------------------------------------------------------------------
    def update(self, change: Callable[[list[Entry]], T], *, now: float | None = None) -> T:
        """Read the entries under the writer lock, let ``change`` edit the list in place, then
        save it in one atomic write. If ``change`` raises, nothing is written. What changed is
        stamped, and removed entries leave tombstones (:mod:`.changes`), for syncing."""
        from .changes import record_changes
        from .codec import decode_entries, entry_to_dict

        when = time.time() if now is None else now

        def edit(payload: dict[str, Any]) -> T:
            entries = decode_entries(payload)
            result = change(entries)
            payload["entries"] = record_changes(payload, [entry_to_dict(e) for e in entries], when)
            return result

        return self.update_payload(edit, now=when)

    def update_payload(
        self, change: Callable[[dict[str, Any]], T], *, now: float | None = None
    ) -> T:
        """Like :meth:`update`, on the whole payload dictionary (entries in payload form, see
        :mod:`.codec`; the caller keeps their stamps right, as :mod:`.merge` does)."""
        from .codec import encode_payload

        with storage.write_lock(self.path):
            layout = read_layout(self.path)
            payload = self.decrypt(layout)
            result = change(payload)
            self.registered = isinstance(payload.get("sync"), dict)
            plaintext = encode_payload(
                payload["entries"],
                generation=int(payload.get("generation", 0)) + 1,
                saved_at=time.time() if now is None else now,
                previous=payload,
            )
            nonce, ciphertext = seal(self._master_key, plaintext, layout.payload_aad)
            data = build_vault_file(
                layout.header_aad, layout.wrap_nonce, layout.wrapped_key, nonce, ciphertext
            )
            storage.write_atomic(self.path, data)
        return result

    def change_password(
        self, new_password: str, *, kdf: KdfParams | None = None, now: float | None = None
    ) -> Vault:
        """Re-key the vault: a new master key and key id, wrapped under ``new_password`` with
        KDF parameters at least as strong as the current ones. Old sessions stop working."""
        now = time.time() if now is None else now
        from .codec import encode_payload

        with storage.write_lock(self.path):
            layout = read_layout(self.path)
            payload = self.decrypt(layout)
            current = KdfParams.from_header(layout.header.get("kdf"))
            new_kdf = calibrate_kdf().at_least(current) if kdf is None else kdf
            header = _new_header(new_kdf, now)
            header["created_at"] = layout.header.get("created_at", now)
            master_key = secrets.token_bytes(KEY_SIZE)
            plaintext = encode_payload(
                payload["entries"],
                generation=int(payload.get("generation", 0)) + 1,
                saved_at=now,
                previous=payload,
            )
            data = _build_file(header, derive_key(new_password, new_kdf), master_key, plaintext)
            storage.write_atomic(self.path, data)
        return Vault(self.path, master_key, header["key_id"])
