"""The provider's signing keys: made, sealed at rest, published, rotated.

Each algorithm (RS256, ES256) has its own keys. A key is

- **published** in the JWKS from ``created_at`` until ``retires_at`` plus the ID token lifetime
  (a token signed just before it retired still verifies until it expires);
- **signing** from ``activates_at`` until ``retires_at`` (the newest active key signs).

``rotate_key`` makes a new key that activates ``activate_in`` later (default: the JWKS cache
lifetime, so relying parties have fetched it before it signs) and retires the current one at
that moment. The private key is a PEM sealed with the server's keyring (``TWOSTEP_SECRET_KEYS``,
AES-256-GCM); the first key of an algorithm is made on first use.

- ``signing_key(algorithm, *, clock=None) -> LoadedKey`` the key that signs now;
- ``public_key(kid) -> JWK | None`` a published key by id (verifying our own ID tokens);
- ``verified_claims(token, *, clock=None) -> dict | None`` the claims of a JWT that one of our
  published keys signed (an ``id_token_hint``), else None; its expiry is not checked (a hint
  is often an old ID token);
- ``published_jwks(*, clock=None) -> list[dict]`` the JWKS's keys;
- ``rotate_key(*, clock, activate_in=JWKS_MAX_AGE, algorithms=(RS256, ES256)) -> list[SigningKey]``;
- ``key_report(*, clock) -> list[dict]`` for ``twostep oidc keys``;
- ``reseal_keys() -> (resealed, unreadable)`` the private keys re-encrypted under the current
  ``TWOSTEP_SECRET_KEYS`` key (``twostep rotate-keys``).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from django.db import transaction
from django.db.models import Q
from jwcrypto import jwk, jws, jwt
from jwcrypto.common import JWException

from ..audit.services import record
from ..clock import Clock, system_clock
from ..crypto import DecryptionError
from ..mfa.keys import keyring
from .events import OidcEvents
from .models import ALGORITHMS, ES256, RS256, SigningKey

__all__ = [
    "ID_TOKEN_LIFETIME",
    "JWKS_MAX_AGE",
    "LoadedKey",
    "key_report",
    "public_key",
    "published_jwks",
    "reseal_keys",
    "rotate_key",
    "signing_key",
    "verified_claims",
]

JWKS_MAX_AGE: Final = timedelta(minutes=15)
ID_TOKEN_LIFETIME: Final = timedelta(hours=1)


@dataclass(frozen=True)
class LoadedKey:
    kid: str
    algorithm: str
    private: jwk.JWK


def _generate(algorithm: str) -> jwk.JWK:
    if algorithm == RS256:
        return jwk.JWK.generate(kty="RSA", size=2048)
    if algorithm == ES256:
        return jwk.JWK.generate(kty="EC", crv="P-256")
    raise ValueError(f"unsupported algorithm {algorithm!r}")


def _new_key(algorithm: str, now: datetime, activates_at: datetime) -> SigningKey:
    key = _generate(algorithm)
    kid = key.thumbprint()
    public = json.loads(key.export_public())
    public.update({"kid": kid, "alg": algorithm, "use": "sig"})
    row = SigningKey(
        kid=kid,
        algorithm=algorithm,
        public_jwk=public,
        created_at=now,
        activates_at=activates_at,
    )
    sealed, key_id = keyring().seal(key.export_to_pem(private_key=True, password=None), row.aad())
    row.private_sealed = sealed
    row.key_id = key_id
    row.save()
    return row


@functools.lru_cache(maxsize=16)
def _open(kid: str, key_id: str, sealed: bytes, aad: bytes) -> jwk.JWK:
    return jwk.JWK.from_pem(keyring().open(sealed, key_id, aad))


def _load(row: SigningKey) -> LoadedKey:
    return LoadedKey(
        row.kid, row.algorithm, _open(row.kid, row.key_id, bytes(row.private_sealed), row.aad())
    )


def _signing_rows(algorithm: str, now: datetime) -> Any:
    return SigningKey.objects.filter(algorithm=algorithm, activates_at__lte=now).filter(
        Q(retires_at__isnull=True) | Q(retires_at__gt=now)
    )


def signing_key(algorithm: str, *, clock: Clock | None = None) -> LoadedKey:
    if algorithm not in dict(ALGORITHMS):
        raise ValueError(f"unsupported algorithm {algorithm!r}")
    now = (clock or system_clock)()
    row = _signing_rows(algorithm, now).order_by("-activates_at", "-id").first()
    if row is None:
        if SigningKey.objects.filter(algorithm=algorithm).exists():
            # Keys exist but none signs now (a clock set back): the newest one signs.
            row = SigningKey.objects.filter(algorithm=algorithm).order_by("-activates_at").first()
        else:  # the first key (two workers racing make two: both published, the newer signs)
            row = _new_key(algorithm, now, now)
    assert row is not None
    return _load(row)


def _published(now: datetime) -> Any:
    return SigningKey.objects.filter(created_at__lte=now).filter(
        Q(retires_at__isnull=True) | Q(retires_at__gt=now - ID_TOKEN_LIFETIME)
    )


def published_jwks(*, clock: Clock | None = None) -> list[dict[str, Any]]:
    for algorithm, _label in ALGORITHMS:  # a fresh server publishes its keys before any token
        if not SigningKey.objects.filter(algorithm=algorithm).exists():
            signing_key(algorithm, clock=clock)
    now = (clock or system_clock)()
    return [dict(row.public_jwk) for row in _published(now)]


def public_key(kid: str, *, clock: Clock | None = None) -> jwk.JWK | None:
    now = (clock or system_clock)()
    row = _published(now).filter(kid=kid).first()
    return jwk.JWK(**row.public_jwk) if row is not None else None


def verified_claims(token: str, *, clock: Clock | None = None) -> dict[str, Any] | None:
    try:
        unverified = jws.JWS()
        unverified.deserialize(token)
        header = unverified.jose_header
        kid = header.get("kid") if isinstance(header, dict) else None
        key = public_key(kid, clock=clock) if isinstance(kid, str) else None
        if key is None:
            return None
        # check_claims={}: the signature and the claims' types, not exp (see above).
        found = json.loads(jwt.JWT(key=key, jwt=token, check_claims={}).claims)
    except (JWException, ValueError, TypeError, KeyError):
        return None
    return found if isinstance(found, dict) else None


def rotate_key(
    *,
    clock: Clock,
    activate_in: timedelta = JWKS_MAX_AGE,
    algorithms: tuple[str, ...] = (RS256, ES256),
) -> list[SigningKey]:
    """A new key per algorithm, published now, signing ``activate_in`` from now; the keys that
    sign now (or were waiting) stop then. Keys whose tokens have all expired are deleted."""
    now = clock()
    activates_at = now + activate_in
    made = []
    with transaction.atomic():
        SigningKey.objects.filter(retires_at__lte=now - ID_TOKEN_LIFETIME).delete()
        for algorithm in algorithms:
            signing_key(algorithm, clock=clock)  # the first key, when there is none yet
            SigningKey.objects.filter(algorithm=algorithm).filter(
                Q(retires_at__isnull=True) | Q(retires_at__gt=activates_at)
            ).update(retires_at=activates_at)
            row = _new_key(algorithm, now, activates_at)
            made.append(row)
            record(
                OidcEvents.KEY_ROTATED,
                clock=clock,
                kid=row.kid,
                algorithm=algorithm,
                activates_at=activates_at.isoformat(),
            )
    return made


def key_report(*, clock: Clock) -> list[dict[str, Any]]:
    now = clock()
    report = []
    for row in SigningKey.objects.all():
        if row.activates_at > now:
            state = "next"
        elif row.retires_at is None or row.retires_at > now:
            state = "signing"
        elif row.retires_at > now - ID_TOKEN_LIFETIME:
            state = "retired"
        else:
            state = "expired"
        report.append(
            {
                "kid": row.kid,
                "algorithm": row.algorithm,
                "state": state,
                "created_at": row.created_at.isoformat(),
                "activates_at": row.activates_at.isoformat(),
                "retires_at": row.retires_at.isoformat() if row.retires_at else None,
                "published_until": (row.retires_at + ID_TOKEN_LIFETIME).isoformat()
                if row.retires_at
                else None,
            }
        )
    return report


def reseal_keys() -> tuple[int, list[str]]:
    """Re-encrypt the private keys sealed under an older keyring key with the current one."""
    ring = keyring()
    resealed, unreadable = 0, []
    for row in SigningKey.objects.exclude(key_id=ring.current_key_id):
        try:
            raw = ring.open(bytes(row.private_sealed), row.key_id, row.aad())
        except DecryptionError:
            unreadable.append(f"OpenID Connect {row.algorithm} signing key {row.kid}")
            continue
        sealed, key_id = ring.seal(raw, row.aad())
        resealed += SigningKey.objects.filter(pk=row.pk, key_id=row.key_id).update(
            private_sealed=sealed, key_id=key_id
        )
    return resealed, unreadable
