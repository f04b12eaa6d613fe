"""AES-CBC with PKCS#7 padding and a fixed zero IV: the unauthenticated scheme that Authy and
TOTP Authenticator use. Import only; twostep never writes it.

Without a MAC, a wrong password shows only as bad padding or as plaintext that does not parse.
Both, and a tampered ciphertext, are one :class:`WrongPasswordError` with the same message;
callers that parse the plaintext must raise :func:`wrong` for anything unexpected in it.
"""

from __future__ import annotations

from typing import Final

from .errors import DamagedFileError, WrongPasswordError

__all__ = ["aes_cbc_open", "wrong"]

ZERO_IV: Final = bytes(16)
_WRONG: Final = "wrong password, or the file was altered"


def wrong() -> WrongPasswordError:
    return WrongPasswordError(_WRONG)


def aes_cbc_open(key: bytes, ciphertext: bytes, iv: bytes = ZERO_IV) -> bytes:
    """Decrypt and unpad; WrongPasswordError when the padding is not valid PKCS#7."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    if len(key) not in (16, 24, 32) or len(iv) != 16:
        raise DamagedFileError("the encryption parameters are damaged")
    if not ciphertext or len(ciphertext) % 16:
        raise DamagedFileError("the encrypted data is truncated (not whole AES blocks)")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise wrong() from None
