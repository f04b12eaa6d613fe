"""The session backend: loads the signed-in user for each request.

Passwords are checked by :func:`twostep.server.accounts.password_check.check_password_for_sign_in`,
never by ``django.contrib.auth.authenticate``: signing in is a multi-step flow (password, then
the code) driven by the pages and the API, and ``authenticate`` would skip the second step.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend

from .models import User


class UserBackend(BaseBackend):
    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None  # never: see the module docstring

    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User.objects.select_related("role").get(pk=user_id)
        except (User.DoesNotExist, ValueError, TypeError):
            return None
        return user if user.is_active else None
