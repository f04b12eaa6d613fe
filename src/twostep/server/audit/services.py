"""Recording security decisions (DESIGN.md §4: "every decision goes to the audit log").

Functions:

- ``record(event, *, clock, actor=None, subject=None, address=None, **details)`` writes one
  row (one plain INSERT: it runs on every verification). ``event`` is one of the names in
  :class:`Events` (others may be added by the console and the API: use
  ``area.what_happened``). ``details`` is small JSON; keys that look like
  secrets (``code``, ``secret``, ``password``, ``token``, ...) are refused with ``ValueError`` so
  a slip cannot put a credential in the log.
- ``events_for(user)`` -> queryset of the events about a user, newest first.

Every row has the time (from ``clock``), the actor (who acted; ``None`` for the system or an
anonymous visitor), the subject (whose account it is about), and the client address.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ..clock import Clock
from ..rows import insert
from .models import Event

__all__ = [
    "FORBIDDEN_DETAIL_KEYS",
    "ApiEvents",
    "AppEvents",
    "ConsoleEvents",
    "Events",
    "events_for",
    "record",
    "relabel",
    "row_values",
]

FORBIDDEN_DETAIL_KEYS = frozenset(
    {"code", "secret", "password", "token", "key", "recovery_code", "otp", "uri", "seed"}
)


class Events:
    """The event names of sign-in, two-step verification, sessions and the policy."""

    OWNER_CREATED = "account.owner_created"
    USER_CREATED = "account.created"
    PASSWORD_OK = "signin.password_ok"  # noqa: S105 - an event name
    PASSWORD_FAILED = "signin.password_failed"  # noqa: S105
    PASSWORD_THROTTLED = "signin.password_throttled"  # noqa: S105
    ADDRESS_THROTTLED = "signin.address_throttled"
    SIGNED_IN = "signin.completed"
    CODE_OK = "mfa.code_ok"
    CODE_FAILED = "mfa.code_failed"
    CODE_REUSED = "mfa.code_reused"
    CODE_THROTTLED = "mfa.code_throttled"
    RECOVERY_USED = "mfa.recovery_used"
    RECOVERY_FAILED = "mfa.recovery_failed"
    RECOVERY_THROTTLED = "mfa.recovery_throttled"
    UNLOCKED_BY_RECOVERY = "mfa.unlocked_by_recovery"
    LOCKED_OUT = "mfa.locked_out"
    LOCKED_OUT_REFUSED = "signin.refused_locked_out"
    DEADLINE_REFUSED = "signin.refused_setup_deadline"
    SETUP_POSTPONED = "signin.setup_postponed"
    SETUP_STARTED = "mfa.setup_started"
    SETUP_FAILED = "mfa.setup_code_failed"
    ENABLED = "mfa.enabled"
    DISABLED = "mfa.disabled"
    RESET = "mfa.reset"
    RECOVERY_REGENERATED = "mfa.recovery_regenerated"
    UNLOCKED = "mfa.unlocked"
    STEP_UP_OK = "mfa.step_up_ok"
    STEP_UP_FAILED = "mfa.step_up_failed"
    SIGNED_OUT = "session.signed_out"
    OTHERS_SIGNED_OUT = "session.others_signed_out"
    EVERYWHERE_SIGNED_OUT = "session.everywhere_signed_out"
    PENDING_EXPIRED = "signin.pending_expired"
    KEYS_ROTATED = "keys.rotated"
    MAIL_FAILED = "mail.failed"
    POLICY_CHANGED = "policy.changed"
    REQUIREMENT_SET = "policy.user_required"
    ENROLMENT_EXTENDED = "policy.enrolment_extended"
    REQUIREMENT_LIFTED = "policy.user_requirement_lifted"
    ADMIN_REQUIREMENT_SET = "policy.admin_required"
    RESET_REQUESTED = "password.reset_requested"
    RESET_THROTTLED = "password.reset_throttled"
    RESET_LINK_REFUSED = "password.reset_link_refused"
    PASSWORD_RESET = "password.reset_done"  # noqa: S105 - an event name
    DEVICE_REMEMBERED = "session.device_remembered"
    DEVICE_RECOGNISED = "signin.device_remembered"
    DEVICE_FORGOTTEN = "session.device_forgotten"
    REMEMBER_SETTING = "policy.remember_device_changed"
    ORGANISATION_RENAMED = "organisation.renamed"


class ConsoleEvents:
    """The administrators' actions on users, groups and roles, and the console's mails."""

    PROFILE_CHANGED = "console.profile_changed"
    ROLE_CHANGED = "console.role_changed"
    ACTIVE_CHANGED = "console.active_changed"
    GROUPS_CHANGED = "console.groups_changed"
    USER_DELETED = "console.user_deleted"
    GROUP_CREATED = "console.group_created"
    GROUP_CHANGED = "console.group_changed"
    GROUP_DELETED = "console.group_deleted"
    ROLE_CREATED = "console.role_created"
    ROLE_UPDATED = "console.role_updated"
    ROLE_DELETED = "console.role_deleted"
    INVITED = "console.invited"
    INVITATION_ACCEPTED = "console.invitation_accepted"
    NOTICE_SENT = "console.notice_sent"
    AUDIT_EXPORTED = "console.audit_exported"


class ApiEvents:
    """API keys made and revoked."""

    KEY_CREATED = "api.key_created"
    KEY_REVOKED = "api.key_revoked"


class AppEvents:
    """Applications and their rules (who may use them, a code required...): made, changed,
    deleted by an administrator. Their OpenID Connect clients have their own events."""

    CREATED = "application.created"
    UPDATED = "application.updated"
    DELETED = "application.deleted"


def _label(user: Any) -> str:
    return "" if user is None else str(getattr(user, "username", "") or "")[:150]


def record(
    event: str,
    *,
    clock: Clock,
    actor: Any = None,
    subject: Any = None,
    address: str | None = None,
    **details: Any,
) -> Any:
    """Write one audit row; see the module docstring. Returns the row's id."""
    return insert(
        Event,
        **row_values(
            event, at=clock(), actor=actor, subject=subject, address=address, details=details
        ),
    )


def row_values(
    event: str,
    *,
    at: Any,
    actor: Any,
    subject: Any,
    address: str | None,
    details: dict[str, Any],
) -> dict[str, Any]:
    """The field values of one audit row (for :func:`record`, and for a statement that writes
    the row together with something else: ``mfa.statements``)."""
    check_details(details)
    actor = actor if getattr(actor, "pk", None) else None
    subject = subject if getattr(subject, "pk", None) else None
    return {
        "at": at,
        "event": event,
        "actor": actor,
        "actor_label": _label(actor),
        "subject": subject,
        "subject_label": _label(subject),
        "address": address or None,
        "details": details,
    }


def check_details(details: dict[str, Any]) -> None:
    bad = FORBIDDEN_DETAIL_KEYS.intersection(key.lower() for key in details)
    if bad:
        raise ValueError(f"audit details must not hold secrets: {sorted(bad)}")


def relabel(row_id: Any, event: str, **details: Any) -> None:
    """Rewrite the event and details of a row written before the outcome was known (a code
    attempt is logged as a failure when it is claimed: ``mfa.statements``)."""
    check_details(details)
    Event.objects.filter(pk=row_id).update(event=event, details=details)


def events_for(user: Any) -> QuerySet[Event]:
    return Event.objects.filter(subject=user).order_by("-at", "-id")
