"""The settings of the Django app and the one :class:`~twostep.sdk.Client` per process made
from them (made again when a test changes the settings)."""

from __future__ import annotations

import functools
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.http import HttpRequest

from ..client import Client
from ..web import DEFAULT_MAX_AGE, AppUser, passed, require_mode

__all__ = ["PASSED", "app_user", "client", "max_age", "require", "second_factor_passed"]

PASSED = "twostep"  # the session's record of the second factor
SETUP = "twostep_setup"  # {"user": external id, "id": the pending enrolment}
NEXT = "twostep_next"
EXEMPT = "twostep_not_required"  # TWOSTEP_REQUIRE = "policy": twostep requires no 2FA now


@functools.cache
def client() -> Client:
    """The process's client, from ``TWOSTEP_BASE_URL`` and ``TWOSTEP_API_KEY``."""
    url = getattr(settings, "TWOSTEP_BASE_URL", None)
    key = getattr(settings, "TWOSTEP_API_KEY", None)
    if not url or not key:
        raise ImproperlyConfigured("twostep.sdk.django: set TWOSTEP_BASE_URL and TWOSTEP_API_KEY")
    return Client(url, key)


def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("TWOSTEP_"):
        client.cache_clear()


setting_changed.connect(_settings_changed)


def max_age() -> float | None:
    value: float | None = getattr(settings, "TWOSTEP_MAX_AGE", DEFAULT_MAX_AGE)
    return value


def require() -> str:
    """``TWOSTEP_REQUIRE``: ``"always"`` (the default) or ``"policy"``."""
    try:
        return require_mode(getattr(settings, "TWOSTEP_REQUIRE", None))
    except ValueError as exc:
        raise ImproperlyConfigured(f"twostep.sdk.django: {exc}") from None


def app_user(request: HttpRequest) -> AppUser | None:
    """The signed-in user as twostep knows them: the primary key, email and full name."""
    user = request.user
    if not user.is_authenticated:
        return None
    full_name = getattr(user, "get_full_name", None)
    return AppUser(
        str(user.pk),
        email=getattr(user, "email", None) or None,
        display_name=full_name() if callable(full_name) else "",
    )


def second_factor_passed(request: HttpRequest) -> bool:
    """Whether the signed-in user gave a fresh second factor in this session."""
    user = app_user(request)
    return user is not None and passed(
        request.session.get(PASSED), user, now=time.time(), max_age=max_age()
    )
