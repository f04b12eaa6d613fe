"""What the SDK returns: frozen dataclasses read from the API's JSON (unknown fields ignored,
so a newer server does not break an older SDK). Times are aware ``datetime`` objects.

Every result is importable from here; each is defined with the others of its API area:
:mod:`.verify_models` (ping, verify, status, enrolment), :mod:`.directory_models` (users, roles,
groups), :mod:`.admin_models` (policy, audit log, API keys), :mod:`.signin_models` (sign-in
steps, the signed-in user, sessions) and :mod:`.webhook_models`."""

from __future__ import annotations

from .admin_models import (
    ApiKey,
    AuditEvent,
    AuditPage,
    CreatedApiKey,
    Policy,
)
from .directory_models import (
    Group,
    MfaSummary,
    Role,
    UserDetail,
    UserPage,
)
from .signin_models import (
    Me,
    Session,
    SignInStep,
)
from .verify_models import (
    Enrolment,
    EnrolmentConfirmation,
    MfaDetail,
    MfaStatus,
    Ping,
    Requirement,
    User,
    VerifyResult,
)

__all__ = [
    "ApiKey",
    "AuditEvent",
    "AuditPage",
    "CreatedApiKey",
    "Enrolment",
    "EnrolmentConfirmation",
    "Group",
    "Me",
    "MfaDetail",
    "MfaStatus",
    "MfaSummary",
    "Ping",
    "Policy",
    "Requirement",
    "Role",
    "Session",
    "SignInStep",
    "User",
    "UserDetail",
    "UserPage",
    "VerifyResult",
]
