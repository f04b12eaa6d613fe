"""Who may use an application through the OpenID Connect provider.

A minimal version written by the OIDC branch so the provider can call it; the portal branch
owns this module and replaces it with the application's access rules (all users, groups or
roles; "require two-step verification"):

- ``may_use(application, user) -> bool``: all active users may use every application;
- ``requires_second_factor(application) -> bool``: no application asks more than the
  organisation's policy.
"""

from __future__ import annotations

from ..accounts.models import User
from .models import Application

__all__ = ["may_use", "requires_second_factor"]


def may_use(application: Application, user: User) -> bool:
    return user.is_active


def requires_second_factor(application: Application) -> bool:
    return False
