"""Secrets whose codes repeat inside a window: the cases where *which* step matched matters."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache

from twostep.otp import Secret, generate_totp, time_step

AT = 1_700_000_000  # the current time of these scenarios
SPAN = 40  # steps either side of AT searched for a repeated code


@dataclass(frozen=True)
class Collision:
    secret: Secret
    code: str
    earlier: int  # the two steps (earlier < later) with the same 6-digit code
    later: int


@cache
def find_collisions(count: int = 3) -> tuple[Collision, ...]:
    """The first ``count`` derived secrets with one code at two steps within AT ± SPAN steps.

    Deterministic (secrets are SHA-256 of a counter) and quick: about one secret in 150 has one.
    """
    current = time_step(AT)
    found: list[Collision] = []
    index = 0
    while len(found) < count:
        secret = Secret(hashlib.sha256(b"collision %d" % index).digest()[:20])
        index += 1
        seen: dict[str, int] = {}
        for step in range(current - SPAN, current + SPAN + 1):
            code = generate_totp(secret, step * 30)
            if code in seen:
                found.append(Collision(secret, code, seen[code], step))
                break
            seen[code] = step
    return tuple(found)
