"""End-to-end encrypted backup and sync of the vault with a twostep server (docs/sync.md).

- :mod:`.keys`: what is derived from what (Argon2id, HKDF, AES-GCM; the recovery key on paper);
- :mod:`.api`: the HTTP client (httpx), one method per endpoint;
- :mod:`.state`: this computer's sync settings, inside the encrypted vault;
- :mod:`.engine`: download, merge, upload (409: merge and retry); the sync after each change;
- :mod:`.account`: register, verify, log in, recover, password, devices, delete, status.

The merge itself is :mod:`twostep.authenticator.vault.merge`. Nothing here imports the server.
"""
