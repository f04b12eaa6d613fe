"""Invitations: a one-time link, mailed to a new user, to confirm the email address and choose a
password. Only a SHA-256 hash of the link's 256-bit token is stored; a new invitation replaces
the old one; the link works once (one conditional UPDATE decides) and for
:data:`~.models.INVITATION_LIFETIME`. The use cases mail the link and, on acceptance, start the
user's enrolment period again (they could not sign in before).

Functions: ``new_invitation(user, *, actor, clock, address=None) -> (token, expires_at)``,
``find_invitation(token, *, clock) -> Invitation | None``,
``accept_invitation(token, password, *, clock, address=None) -> User``.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import transaction

from ..audit.services import ConsoleEvents, record
from ..clock import Clock
from ..crypto import link_token_hash
from ..errors import ActionRefusedError, InvalidUserDataError
from .models import INVITATION_LIFETIME, Invitation, User
from .services import set_password

__all__ = ["accept_invitation", "find_invitation", "new_invitation"]


def new_invitation(
    user: User, *, actor: User | None, clock: Clock, address: str | None = None
) -> tuple[str, datetime]:
    """Make a new invitation (the old one stops working); returns its token and expiry."""
    if not user.email:
        raise InvalidUserDataError("email", "The user needs an email address to be invited.")
    if user.has_usable_password() and user.email_verified:
        raise ActionRefusedError("This user has already chosen a password.")
    token = secrets.token_urlsafe(32)
    now = clock()
    Invitation.objects.update_or_create(
        user=user,
        defaults={
            "token_hash": link_token_hash(token),
            "created_at": now,
            "expires_at": now + INVITATION_LIFETIME,
            "created_by": actor,
            "accepted_at": None,
        },
    )
    record(ConsoleEvents.INVITED, clock=clock, actor=actor, subject=user, address=address)
    return token, now + INVITATION_LIFETIME


def find_invitation(token: str, *, clock: Clock) -> Invitation | None:
    """The open invitation for ``token`` (None: unknown, used, or expired)."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    invitation = (
        Invitation.objects.select_related("user")
        .filter(token_hash=link_token_hash(token), accepted_at__isnull=True)
        .first()
    )
    if invitation is None or invitation.expires_at <= clock() or not invitation.user.is_active:
        return None
    return invitation


def accept_invitation(
    token: str, password: str, *, clock: Clock, address: str | None = None
) -> User:
    """Set the invitee's password and mark the email verified; the link then stops working."""
    invitation = find_invitation(token, clock=clock)
    if invitation is None:
        raise ActionRefusedError(
            "This invitation link is not valid any more. Ask your administrator for a new one."
        )
    user = invitation.user
    with transaction.atomic():
        # Used once: of two submissions racing, only one flips accepted_at.
        if (
            Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
                accepted_at=clock()
            )
            != 1
        ):
            raise ActionRefusedError("This invitation was already used. Sign in instead.")
        set_password(user, password, actor=user, clock=clock, address=address)
        User.objects.filter(pk=user.pk).update(email_verified=True)
    user.email_verified = True
    record(
        ConsoleEvents.INVITATION_ACCEPTED, clock=clock, actor=user, subject=user, address=address
    )
    return user
