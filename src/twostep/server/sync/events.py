"""The audit log's sync events (``area.what_happened``). Their details name the sync account
and the device by number, never the address, a key or a token."""

from __future__ import annotations


class SyncEvents:
    REGISTERED = "sync.registered"
    REGISTRATION_REFUSED = "sync.registration_refused"
    REGISTRATION_THROTTLED = "sync.registration_throttled"
    VERIFIED = "sync.verified"
    VERIFICATION_FAILED = "sync.verification_failed"
    VERIFICATION_SENT = "sync.verification_sent"
    SIGNED_IN = "sync.signed_in"
    SIGNIN_FAILED = "sync.signin_failed"
    THROTTLED = "sync.throttled"
    DEVICE_REVOKED = "sync.device_revoked"
    VAULT_UPLOADED = "sync.vault_uploaded"
    VAULT_CONFLICT = "sync.vault_conflict"
    VAULT_TOO_LARGE = "sync.vault_too_large"
    PASSWORD_CHANGED = "sync.password_changed"  # noqa: S105 - an event name
    RECOVERY_CHECKED = "sync.recovery_checked"
    RECOVERED = "sync.recovered"
    RECOVERY_FAILED = "sync.recovery_failed"
    ACCOUNT_DELETED = "sync.account_deleted"
