"""The vault's cryptography: AES-256-GCM (``cryptography``) and the password KDF (Argon2id).

- :func:`seal` / :func:`open_sealed`: AES-256-GCM (defined in :mod:`.sealed`, kept here too).
- :class:`KdfParams`: Argon2id parameters, stored in the vault header. :func:`calibrate_kdf`
  picks them so one derivation costs about :data:`TARGET_SECONDS` here (64 MiB of memory, the
  number of passes measured); :func:`derive_key` refuses parameters outside sane bounds, so a
  tampered header cannot make the app allocate gigabytes before the tag check fails.

Tests set ``TWOSTEP_TEST_INSECURE_KDF=1`` to make new vaults use the cheapest parameters (the
parameters go into the header, so such a vault stays cheap to attack: never set it for real;
``init``, ``unlock`` and ``passwd`` warn about a vault below the floor, :attr:`KdfParams.weak`).
``cryptography`` and ``argon2`` are imported on first use.
"""

from __future__ import annotations

import base64
import os
import secrets
import time
from dataclasses import dataclass
from typing import Any, Final

from twostep.authenticator.errors import WrongPasswordError

from .format import KEY_SIZE
from .sealed import open_sealed, seal

__all__ = [
    "TARGET_SECONDS",
    "KdfParams",
    "calibrate_kdf",
    "derive_key",
    "open_sealed",
    "seal",
]

#: Time one password derivation should take on the machine that creates the vault.
TARGET_SECONDS: Final = 0.3
DEFAULT_MEMORY_KIB: Final = 64 * 1024
MIN_PASSES: Final = 3
_MAX_MEMORY_KIB: Final = 1024 * 1024  # 1 GiB
_MAX_PASSES: Final = 64
_MAX_LANES: Final = 16
INSECURE_TEST_ENV: Final = "TWOSTEP_TEST_INSECURE_KDF"


@dataclass(frozen=True, slots=True)
class KdfParams:
    """Argon2id parameters (memory in KiB, passes, lanes) and the salt."""

    memory_kib: int
    passes: int
    lanes: int
    salt: bytes
    name: str = "argon2id"

    @property
    def weak(self) -> bool:
        """Below the floor of real vaults (64 MiB, 3 passes): the test parameters, or a vault
        made by another program; guessing its password is cheap."""
        return self.memory_kib < DEFAULT_MEMORY_KIB or self.passes < MIN_PASSES

    def to_header(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "memory_kib": self.memory_kib,
            "passes": self.passes,
            "lanes": self.lanes,
            "salt": base64.b64encode(self.salt).decode(),
        }

    @classmethod
    def from_header(cls, data: object) -> KdfParams:
        """Read and bound-check header parameters; :class:`WrongPasswordError` if insane."""
        try:
            assert isinstance(data, dict)
            params = cls(
                name=data["name"],
                memory_kib=data["memory_kib"],
                passes=data["passes"],
                lanes=data["lanes"],
                salt=base64.b64decode(data["salt"], validate=True),
            )
        except (AssertionError, KeyError, TypeError, ValueError):
            raise WrongPasswordError(detail="KDF parameters unreadable") from None
        params.check()
        return params

    def check(self) -> None:
        ints = (self.memory_kib, self.passes, self.lanes)
        if (
            self.name != "argon2id"
            or any(type(v) is not int for v in ints)
            or not 1 <= self.lanes <= _MAX_LANES
            or not 8 * self.lanes <= self.memory_kib <= _MAX_MEMORY_KIB
            or not 1 <= self.passes <= _MAX_PASSES
            or not 16 <= len(self.salt) <= 64
        ):
            raise WrongPasswordError(detail="KDF parameters out of bounds")

    def at_least(self, other: KdfParams) -> KdfParams:
        """These parameters, raised to ``other``'s where ``other``'s are stronger (new salt)."""
        return KdfParams(
            memory_kib=max(self.memory_kib, other.memory_kib),
            passes=max(self.passes, other.passes),
            lanes=max(self.lanes, other.lanes),
            salt=secrets.token_bytes(16),
        )


def derive_key(password: str, params: KdfParams) -> bytes:
    """The 256-bit key-encryption key for ``password``."""
    from argon2.low_level import Type, hash_secret_raw

    params.check()
    return hash_secret_raw(
        password.encode("utf-8"),
        params.salt,
        time_cost=params.passes,
        memory_cost=params.memory_kib,
        parallelism=params.lanes,
        hash_len=KEY_SIZE,
        type=Type.ID,
    )


def insecure_test_params() -> KdfParams:
    return KdfParams(memory_kib=64, passes=1, lanes=1, salt=secrets.token_bytes(16))


def calibrate_kdf(target_seconds: float = TARGET_SECONDS) -> KdfParams:
    """Parameters costing about ``target_seconds`` here (at least 64 MiB and 3 passes).

    With ``TWOSTEP_TEST_INSECURE_KDF=1`` in the environment: the cheapest parameters (tests).
    """
    if os.environ.get(INSECURE_TEST_ENV) == "1":
        return insecure_test_params()
    salt = secrets.token_bytes(16)

    def cost(passes: int) -> float:
        start = time.perf_counter()
        derive_key("calibration", KdfParams(DEFAULT_MEMORY_KIB, passes, 1, salt))
        return time.perf_counter() - start

    # Cost is affine in the passes (filling the memory once is the constant part).
    one, three = cost(1), cost(3)
    per_pass = max((three - one) / 2, 1e-3)
    fixed = max(one - per_pass, 0.0)
    passes = round((target_seconds - fixed) / per_pass)
    passes = min(_MAX_PASSES // 2, max(MIN_PASSES, passes))
    return KdfParams(memory_kib=DEFAULT_MEMORY_KIB, passes=passes, lanes=1, salt=salt)
