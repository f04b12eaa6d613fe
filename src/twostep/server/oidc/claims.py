"""What the provider says about a user: ``sub``, the profile claims, ``amr`` and ``acr``.

``amr`` (RFC 8176 values, plus ``rcv``) and ``acr`` tell a relying party how the user signed in:

===========================================  =======================  ======================
sign-in                                      ``amr``                  ``acr``
===========================================  =======================  ======================
password, then an authenticator app's code   ``["pwd", "otp"]``       ``urn:twostep:acr:2fa``
(or the code that confirmed a new setup)
password, then a recovery code               ``["pwd", "otp", "rcv"]``  ``urn:twostep:acr:2fa``
password only (no 2FA yet, setup postponed,  ``["pwd"]``              ``urn:twostep:acr:1fa``
a remembered browser)
===========================================  =======================  ======================

- ``amr_for(method) -> list[str]`` from the sign-in's method (``web.state.complete_login``);
- ``with_code(amr) -> list[str]`` after a step-up code;
- ``acr_for(amr) -> str``; ``two_factors(amr) -> bool``;
- ``wants_two_factors(acr_values) -> bool``: the client's ``acr_values`` accept only 2FA;
- ``subject_for(user) -> str`` the stable random ``sub`` (made on first use);
- ``user_claims(user, scopes) -> dict`` name, email, groups... as the scopes release them.
"""

from __future__ import annotations

import secrets
from typing import Any, Final

from django.db import IntegrityError, transaction

from ..accounts.models import User
from .models import Subject

__all__ = [
    "ACR_ONE_FACTOR",
    "ACR_TWO_FACTORS",
    "CLAIM_SCOPES",
    "acr_for",
    "amr_for",
    "subject_for",
    "two_factors",
    "user_claims",
    "wants_two_factors",
    "with_code",
]

ACR_ONE_FACTOR: Final = "urn:twostep:acr:1fa"
ACR_TWO_FACTORS: Final = "urn:twostep:acr:2fa"
_CODE_METHODS: Final = {"totp": ["pwd", "otp"], "setup": ["pwd", "otp"]}

#: Which scope releases which claim (sub, amr, acr, auth_time: always).
CLAIM_SCOPES: Final = {
    "sub": "openid",
    "amr": "openid",
    "acr": "openid",
    "name": "profile",
    "preferred_username": "profile",
    "email": "email",
    "email_verified": "email",
    "groups": "groups",
}


def amr_for(method: str) -> list[str]:
    if method == "recovery":
        return ["pwd", "otp", "rcv"]
    return list(_CODE_METHODS.get(method, ["pwd"]))


def with_code(amr: list[str]) -> list[str]:
    return amr if "otp" in amr else [*amr, "otp"]


def two_factors(amr: list[str] | tuple[str, ...]) -> bool:
    return "pwd" in amr and "otp" in amr


def acr_for(amr: list[str] | tuple[str, ...]) -> str:
    return ACR_TWO_FACTORS if two_factors(amr) else ACR_ONE_FACTOR


def wants_two_factors(acr_values: str | None) -> bool:
    """True when the client listed only two-factor levels (``acr_values`` is a preference
    list: listing the one-factor level too accepts either)."""
    values = (acr_values or "").split()
    return ACR_TWO_FACTORS in values and ACR_ONE_FACTOR not in values


def subject_for(user: User) -> str:
    row = Subject.objects.filter(user=user).only("sub").first()
    if row is not None:
        return row.sub
    try:
        with transaction.atomic():
            return Subject.objects.create(user=user, sub=secrets.token_hex(16)).sub
    except IntegrityError:  # made by a concurrent request
        return Subject.objects.get(user=user).sub


def user_claims(user: User, scopes: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The claims the ``scopes`` release (the groups are read only when asked)."""
    found: dict[str, Any] = {}
    if "profile" in scopes:
        found["name"] = user.display_name or user.username
        found["preferred_username"] = user.username
    if "email" in scopes:
        found["email"] = user.email or None
        found["email_verified"] = bool(user.email and user.email_verified)
    if "groups" in scopes:
        found["groups"] = sorted(user.groups.values_list("name", flat=True))
    return found
