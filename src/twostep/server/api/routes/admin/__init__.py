"""Administration (API keys with the ``admin`` scope): users, roles, groups and memberships, the
organisation's 2FA policy, per-user requirements, reset, unlock, the audit log, API keys,
webhook subscriptions, applications (OpenID Connect relying parties) and their users' grants.

Changes are recorded in the audit log with the key's creator as the actor (the administrator
answerable for the key) and the caller's address.
"""

from __future__ import annotations

from . import (  # noqa: F401 - each adds its operations to the router
    applications,
    directory,
    org,
    users,
    webhooks,
)
from .common import router

__all__ = ["router"]
