"""Users: create, find, set a password, sign out everywhere. Shared by pages, CLI and API.

The first account and its setup links are in :mod:`.owner`; the password step of a sign-in
in :mod:`.password_check`.

Functions (``clock``: callable returning an aware datetime; ``actor``: the user acting, or None
for the system; ``address``: the client address for the audit log):

- ``create_user(*, username, email, password=None, display_name="", role="member",
  external_id=None, email_verified=False, groups=(), actor=None, clock, address=None) -> User``
  validates every field (``InvalidUserDataError`` with ``field``, and every problem found in
  ``errors``); ``password=None`` makes a
  user without a password (API-created users who only use 2FA through an outside application).
- ``validate_password_for(user_or_none, password, *, username="", email="")`` Django's password
  validators, as ``InvalidUserDataError("password", ...)``.
- ``set_password(user, password, *, actor, clock, address=None)`` validates, sets, signs the
  user out of other sessions (``session_epoch`` + 1), and clears ``must_change_password``.
- ``find_user(identifier) -> User | None`` by username or email, case-insensitive;
  ``user_lookup(identifier)`` the same as a condition for ``rows.select_one``.
- ``sign_out_everywhere(user, *, actor, clock, address=None)`` ends all the user's sessions
  (the caller refreshes its own with ``update_session_auth_hash`` to keep it);
  ``end_sessions(user)`` the same without the audit row, for changes audited themselves.
- ``get_role(key) -> Role``; ``client_address(request) -> str | None`` (honours
  ``TWOSTEP_TRUSTED_PROXIES`` and ``TWOSTEP_PROXY_COUNT``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any, Final

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F

from ..audit.services import Events, record
from ..clock import Clock
from ..errors import (
    InvalidUserDataError,
    NameTakenError,
    NoSuchReferenceError,
)
from ..proxies import client_address as _client_address_of
from ..rows import select_one
from .models import MEMBER, Role, User, same_text

__all__ = [
    "client_address",
    "create_user",
    "end_sessions",
    "find_user",
    "get_role",
    "normalize_username",
    "set_password",
    "sign_out_everywhere",
    "user_lookup",
    "validate_password_for",
]

USERNAME_RE: Final = re.compile(r"^[\w.+-]{1,150}$")
MAX_PASSWORD: Final = 1024


def normalize_username(text: Any) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).strip()


def get_role(key: str) -> Role:
    try:
        return Role.objects.get(key=key)
    except Role.DoesNotExist:
        raise NoSuchReferenceError("role", f"There is no role {key!r}.") from None


def user_lookup(identifier: str) -> tuple[str, list[Any]] | None:
    """The condition that finds the user with this username or email, as ``rows.select_one``
    takes it (``({field}-style where, params)``); None when no user can have it."""
    text = normalize_username(identifier)
    if not text or len(text) > 254:
        return None
    # LOWER(column) = LOWER(value), the expression of the unique indexes (models.py): Django's
    # iexact compiles to UPPER(...) on PostgreSQL, which no index covers (a scan per lookup).
    field = "email" if "@" in text else "username"
    return f"LOWER({{{field}}}) = LOWER(%s)", [text]


def find_user(identifier: str) -> User | None:
    """The user with this username or email (case-insensitive), with the role."""
    lookup = user_lookup(identifier)
    return None if lookup is None else select_one(User, *lookup, related=("role",))


def validate_password_for(
    user: User | None, password: str, *, username: str = "", email: str = ""
) -> None:
    if not isinstance(password, str) or not password:
        raise InvalidUserDataError("password", "Choose a password.")
    if len(password) > MAX_PASSWORD:
        raise InvalidUserDataError("password", f"Use at most {MAX_PASSWORD} characters.")
    probe = user or User(username=username, email=email)
    try:
        validate_password(password, probe)
    except ValidationError as exc:
        raise InvalidUserDataError("password", " ".join(exc.messages)) from None


def _validated(
    username: str, email: str | None, display_name: str, external_id: str | None
) -> tuple[tuple[str, str | None, str, str | None], dict[str, str], dict[str, str]]:
    """The values normalized, every field's problem (field -> message) and, apart, the fields
    whose value another user has (field -> message), all at once."""
    errors: dict[str, str] = {}
    taken: dict[str, str] = {}
    username = normalize_username(username)
    if not USERNAME_RE.match(username):
        errors["username"] = "Use 1 to 150 letters, digits and . + - _ (no spaces, no @)."
    elif User.objects.filter(same_text("username", username)).exists():
        taken["username"] = "That username is taken."
    if email:
        email = unicodedata.normalize("NFKC", email).strip()
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = "Enter an email address like name@example.com."
        else:
            local, _, domain = email.rpartition("@")
            email = f"{local}@{domain.lower()}"
            if User.objects.filter(same_text("email", email)).exists():
                taken["email"] = "An account with that email already exists."
    else:
        email = None
    display_name = unicodedata.normalize("NFKC", display_name or "").strip()
    if len(display_name) > 150:
        errors["display_name"] = "Use at most 150 characters."
    if external_id is not None:
        external_id = external_id.strip()
        if not external_id or len(external_id) > 255:
            errors["external_id"] = "Use 1 to 255 characters."
        elif User.objects.filter(external_id=external_id).exists():
            taken["external_id"] = "Another user has that external id."
    return (username, email, display_name, external_id), errors, taken


def create_user(
    *,
    username: str,
    email: str | None,
    password: str | None = None,
    display_name: str = "",
    role: str | Role = MEMBER,
    external_id: str | None = None,
    email_verified: bool = False,
    groups: Iterable[Any] = (),
    actor: User | None = None,
    clock: Clock,
    address: str | None = None,
) -> User:
    (username, email, display_name, external_id), errors, taken = _validated(
        username, email, display_name, external_id
    )
    role_obj = role if isinstance(role, Role) else get_role(role)
    if password is not None:
        try:
            validate_password_for(None, password, username=username, email=email or "")
        except InvalidUserDataError as exc:
            errors.update(exc.errors)
    if errors:  # every field's problem at once, not the first one only
        raise InvalidUserDataError.of({**errors, **taken})
    if taken:  # a valid request that clashes with another user: 409 in the API
        raise NameTakenError.of(taken)
    user = User(
        username=username,
        email=email,
        display_name=display_name,
        role=role_obj,
        external_id=external_id,
        email_verified=email_verified,
        date_joined=clock(),
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    try:
        with transaction.atomic():
            user.save(force_insert=True)
            if groups:
                user.groups.set(list(groups))
    except IntegrityError:  # a concurrent request took the name or email
        raise NameTakenError("username", "That username or email is taken.") from None
    record(
        Events.USER_CREATED,
        clock=clock,
        actor=actor,
        subject=user,
        address=address,
        role=role_obj.key,
        has_password=password is not None,
    )
    return user


def set_password(
    user: User, password: str, *, actor: User | None, clock: Clock, address: str | None = None
) -> None:
    validate_password_for(user, password)
    user.set_password(password)
    user.session_epoch = F("session_epoch") + 1
    user.must_change_password = False
    user.save(update_fields=["password", "session_epoch", "must_change_password"])
    user.refresh_from_db(fields=["session_epoch"])
    record("account.password_changed", clock=clock, actor=actor, subject=user, address=address)


def end_sessions(user: User) -> None:
    """Raise the user's session epoch: every session and token made before ends."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])


def sign_out_everywhere(
    user: User, *, actor: User | None, clock: Clock, address: str | None = None
) -> None:
    end_sessions(user)
    event = (
        Events.OTHERS_SIGNED_OUT
        if actor is not None and actor.pk == user.pk
        else Events.EVERYWHERE_SIGNED_OUT
    )
    record(event, clock=clock, actor=actor, subject=user, address=address)


def client_address(request: Any) -> str | None:
    """The client's IP address (:func:`twostep.server.proxies.client_address`: from
    ``X-Forwarded-For`` only on a request from a trusted proxy)."""
    return _client_address_of(request.META)
