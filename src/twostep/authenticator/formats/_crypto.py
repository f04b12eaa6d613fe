"""The primitives the apps use, with their parameters checked before any work is done.

Every KDF parameter read from a file is bounded (a hostile file must not make twostep allocate
gigabytes or spin for hours); every authentication failure becomes one
:class:`WrongPasswordError`, whatever failed.
"""

from __future__ import annotations

import hashlib
from typing import Final

from .errors import DamagedFileError, UnsupportedFileError, WrongPasswordError

__all__ = [
    "aes_cbc_open",
    "aes_gcm_open",
    "aes_gcm_seal",
    "argon2id",
    "argon2id_lanes",
    "pbkdf2",
    "scrypt",
    "secretstream_open",
    "secretstream_seal",
]

#: scrypt memory is 128·n·r bytes; Aegis uses n=32768, r=8 (32 MiB).
_SCRYPT_MAX_MEMORY: Final = 1024 * 1024 * 1024
#: PBKDF2 iterations: Aegis caps andOTP's at 10 million as a sanity check; so do we.
PBKDF2_MAX_ITERATIONS: Final = 10_000_000
#: Argon2id: ente starts at 256 MiB and 16 passes; allow up to 1 GiB and a bounded total.
_ARGON2_MAX_MEMORY: Final = 1024 * 1024 * 1024
_ARGON2_MAX_WORK: Final = 64 * 1024 * 1024 * 1024  # memory bytes x passes
_WRONG: Final = "wrong password, or the file was altered"


def _password_bytes(password: str) -> bytes:
    return password.encode("utf-8")


def scrypt(password: str, salt: bytes, *, n: int, r: int, p: int, length: int = 32) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    for value in (n, r, p):
        if type(value) is not int or value < 1:
            raise DamagedFileError("the scrypt parameters are not positive whole numbers")
    if n < 2 or n & (n - 1) or 128 * n * r * p > _SCRYPT_MAX_MEMORY or p > 64:
        raise UnsupportedFileError("the scrypt parameters are out of the range twostep accepts")
    return Scrypt(salt=salt, length=length, n=n, r=r, p=p).derive(_password_bytes(password))


def pbkdf2(password: str, salt: bytes, iterations: int, hash_name: str, length: int = 32) -> bytes:
    if type(iterations) is not int or iterations < 1:
        raise DamagedFileError("the PBKDF2 iteration count is not a positive whole number")
    if iterations > PBKDF2_MAX_ITERATIONS:
        raise UnsupportedFileError("the PBKDF2 iteration count is above 10 million")
    return hashlib.pbkdf2_hmac(hash_name, _password_bytes(password), salt, iterations, length)


def argon2id(password: str, salt: bytes, *, ops: int, mem_bytes: int) -> bytes:
    """libsodium ``crypto_pwhash`` (Argon2id v1.3, 32 bytes), as ente uses it."""
    import nacl.exceptions
    import nacl.pwhash

    for value in (ops, mem_bytes):
        if type(value) is not int or value < 1:
            raise DamagedFileError("the Argon2id parameters are not positive whole numbers")
    if (
        mem_bytes > _ARGON2_MAX_MEMORY
        or mem_bytes * ops > _ARGON2_MAX_WORK
        or ops < nacl.pwhash.argon2id.OPSLIMIT_MIN
        or mem_bytes < nacl.pwhash.argon2id.MEMLIMIT_MIN
    ):
        raise UnsupportedFileError("the Argon2id parameters are out of the range twostep accepts")
    if len(salt) != nacl.pwhash.argon2id.SALTBYTES:
        raise DamagedFileError("the Argon2id salt is not 16 bytes")
    try:
        return bytes(
            nacl.pwhash.argon2id.kdf(
                32, _password_bytes(password), salt, opslimit=ops, memlimit=mem_bytes
            )
        )
    except (nacl.exceptions.RuntimeError, MemoryError):  # pragma: no cover - out of memory
        raise UnsupportedFileError("not enough memory for the file's Argon2id parameters") from None


def argon2id_lanes(
    password: str, salt: bytes, *, time_cost: int, memory_kib: int, parallelism: int
) -> bytes:
    """Argon2id v1.3 with any number of lanes (libsodium's :func:`argon2id` has one), 32 bytes.

    For formats whose parameters are fixed by the app (Authenticator Pro: 3 passes, 64 MiB,
    4 lanes; Proton Authenticator: 2 passes, 19 MiB, 1 lane), not read from the file.
    """
    from argon2.exceptions import HashingError
    from argon2.low_level import Type, hash_secret_raw

    if memory_kib * 1024 > _ARGON2_MAX_MEMORY or not 1 <= parallelism <= 16:
        raise UnsupportedFileError("the Argon2id parameters are out of the range twostep accepts")
    try:
        return hash_secret_raw(
            _password_bytes(password),
            salt,
            time_cost=time_cost,
            memory_cost=memory_kib,
            parallelism=parallelism,
            hash_len=32,
            type=Type.ID,
        )
    except HashingError:  # pragma: no cover - out of memory, or a salt under 8 bytes
        raise DamagedFileError("the Argon2id key could not be derived") from None


def aes_cbc_open(key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    """AES-256-CBC with PKCS#7 padding. It has no tag: bad padding is a wrong password (the
    caller must also treat undecodable plaintext as one, as a tampered file gives garbage)."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    if len(key) != 32 or len(iv) != 16 or not ciphertext or len(ciphertext) % 16:
        raise DamagedFileError("the encrypted data is truncated or its parameters are damaged")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise WrongPasswordError(_WRONG) from None


def aes_gcm_open(
    key: bytes, nonce: bytes, ciphertext_and_tag: bytes, aad: bytes | None = None
) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if len(key) != 32 or not 8 <= len(nonce) <= 128 or len(ciphertext_and_tag) < 16:
        raise DamagedFileError("the encrypted data is truncated or its parameters are damaged")
    try:
        return AESGCM(key).decrypt(nonce, ciphertext_and_tag, aad)
    except InvalidTag:
        raise WrongPasswordError(_WRONG) from None


def aes_gcm_seal(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes | None = None) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key).encrypt(nonce, plaintext, aad)


def secretstream_open(key: bytes, header: bytes, ciphertext: bytes) -> bytes:
    """libsodium ``crypto_secretstream_xchacha20poly1305`` holding one chunk tagged FINAL.

    That is how ente's ``encryptData`` writes an export (one push of the whole text).
    """
    import nacl.bindings as sodium
    import nacl.exceptions

    if len(header) != sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES:
        raise DamagedFileError("the encryption nonce (secretstream header) is not 24 bytes")
    abytes = sodium.crypto_secretstream_xchacha20poly1305_ABYTES
    if len(ciphertext) < abytes:
        raise DamagedFileError("the encrypted data is truncated")
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    try:
        sodium.crypto_secretstream_xchacha20poly1305_init_pull(state, header, key)
        message, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(state, ciphertext, None)
    except (nacl.exceptions.RuntimeError, nacl.exceptions.ValueError, TypeError):
        raise WrongPasswordError(_WRONG) from None
    if tag != sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL:
        raise DamagedFileError("the encrypted data is truncated (no final chunk)")
    return bytes(message)


def secretstream_seal(key: bytes, plaintext: bytes) -> tuple[bytes, bytes]:
    """(header, ciphertext) of ``plaintext`` as one FINAL chunk, like ente's ``encryptData``."""
    import nacl.bindings as sodium

    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    header = sodium.crypto_secretstream_xchacha20poly1305_init_push(state, key)
    ciphertext = sodium.crypto_secretstream_xchacha20poly1305_push(
        state, plaintext, None, sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
    )
    return bytes(header), bytes(ciphertext)
