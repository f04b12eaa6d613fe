"""End-to-end encrypted backup and sync of ``twostep-auth``'s vault (docs/sync.md).

Sync accounts are separate from the organisation's users. The server holds ciphertext, keys
wrapped under keys it never sees, and slow hashes of the clients' derived auth keys.

Modules: ``models`` (accounts, devices, vaults, verifications), ``errors`` (the API's error
codes), ``fields`` (checking what clients send), ``keys`` (the server's own derived keys: fake
salts, address digests, code digests), ``registration`` (who may register, registering,
verifying the address), ``signin`` (prelogin, login, password change, recovery, delete),
``devices`` (device tokens), ``vault`` (versioned reads and writes), ``stats`` (counts for the
console), ``events`` (audit event names).
"""
