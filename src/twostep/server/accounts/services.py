"""Users: create, find, check a password, sign out everywhere. Shared by pages, CLI and API.

Functions (``clock``: callable returning an aware datetime; ``actor``: the user acting, or None
for the system; ``address``: the client address for the audit log):

- ``needs_owner() -> bool`` True until the first (owner) account exists.
- ``new_setup_token(*, keep_earlier=False) -> tuple[str, bool]`` the one-time token of a
  setup link (``twostep serve`` prints one on the first start, keeping the links of earlier
  starts valid; ``twostep setup-link`` one that replaces every earlier link); only SHA-256s
  are stored, the last ``SETUP_LINKS_KEPT``; True when that dropped the oldest link.
  ``setup_token_valid(token) -> bool``.
- ``create_owner(*, username, email, password, display_name="", setup_token, clock,
  address=None) -> User`` the first account (role Owner); raises ``OwnerExistsError`` once one
  was made (atomic: two visitors racing cannot both become owner) and ``SetupLinkError`` unless
  ``setup_token`` is the current setup link's token (None: the command line, run on the
  server). The token is spent with it.
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
- ``check_password_for_sign_in(identifier, password, *, clock, address=None, device=None) ->
  User`` throttled per account (or per typed name), or per known device when ``device`` is a
  valid device token of the account (``known_devices``), and per client network; unknown names
  cost the same time as known ones; raises ``SignInFailedError`` (uniform) or ``ThrottledError``.
- ``sign_out_everywhere(user, *, actor, clock, address=None)`` ends all the user's sessions
  (the caller refreshes its own with ``update_session_auth_hash`` to keep it);
  ``end_sessions(user)`` the same without the audit row, for changes audited themselves.
- ``get_role(key) -> Role``; ``client_address(request) -> str | None`` (honours
  ``TWOSTEP_TRUSTED_PROXIES`` and ``TWOSTEP_PROXY_COUNT``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Iterable
from typing import Any, Final

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F

from ..attempts import network, throttle
from ..attempts.models import Throttle
from ..audit.services import Events, record
from ..clock import Clock
from ..crypto import link_token_hash
from ..errors import (
    InvalidUserDataError,
    NameTakenError,
    NoSuchReferenceError,
    OwnerExistsError,
    SetupLinkError,
    SignInFailedError,
    ThrottledError,
)
from ..proxies import client_address as _client_address_of
from ..rows import select_one
from .known_devices import device_id
from .models import MEMBER, OWNER, Organisation, Role, User, same_text

__all__ = [
    "SETUP_LINKS_KEPT",
    "check_password_for_sign_in",
    "client_address",
    "create_owner",
    "create_user",
    "end_sessions",
    "find_user",
    "get_role",
    "needs_owner",
    "new_setup_token",
    "normalize_username",
    "set_password",
    "setup_token_valid",
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


def needs_owner() -> bool:
    org = Organisation.objects.filter(pk=1).first()
    return not (org and org.owner_created) and not User.objects.exists()


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


#: how many setup links stay valid at once (each start of a fresh server prints one)
SETUP_LINKS_KEPT: Final = 8


def new_setup_token(*, keep_earlier: bool = False) -> tuple[str, bool]:
    """A new one-time token for a setup link (``/welcome/?token=...``) and whether an earlier
    link stopped working. ``keep_earlier``: the links given before stay valid (the oldest
    beyond ``SETUP_LINKS_KEPT`` excepted), so that a second ``twostep serve`` started on the
    same fresh database does not silently break the link the first one printed; otherwise the
    new link replaces every earlier one. Raises ``OwnerExistsError`` once there is an account."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        Organisation.objects.get_or_create(pk=1)
        org = Organisation.objects.select_for_update().get(pk=1)  # two starts at once: in turn
        if not needs_owner():
            raise OwnerExistsError()
        earlier = org.setup_token_hashes.split() if keep_earlier else []
        kept = [*earlier, link_token_hash(token)][-SETUP_LINKS_KEPT:]
        org.setup_token_hashes = " ".join(kept)
        org.save(update_fields=["setup_token_hashes"])
    dropped = bool(org.setup_token_hashes) and len(earlier) >= SETUP_LINKS_KEPT
    return token, dropped


def setup_token_valid(token: str | None) -> bool:
    """True if ``token`` is one of the valid setup links' (compared in constant time)."""
    if not token or len(token) > 128:
        return False
    stored = Organisation.objects.filter(pk=1).values_list("setup_token_hashes", flat=True).first()
    given = link_token_hash(token)
    matches = [hmac.compare_digest(str(h), given) for h in str(stored or "").split()]
    return any(matches)


def create_owner(
    *,
    username: str,
    email: str,
    password: str,
    display_name: str = "",
    setup_token: str | None,
    clock: Clock,
    address: str | None = None,
) -> User:
    """``setup_token``: the setup link's token, from the pages; None from the command line (it
    runs on the server, as whoever can read its database)."""
    if not email:
        raise InvalidUserDataError("email", "Enter your email address.")
    if password is None:
        raise InvalidUserDataError("password", "Choose a password.")
    with transaction.atomic():
        Organisation.objects.get_or_create(pk=1)
        if User.objects.exists():
            raise OwnerExistsError()
        if setup_token is not None and not setup_token_valid(setup_token):
            raise SetupLinkError()
        # The flag flips once: of two visitors racing, only one gets rowcount 1. The setup
        # link is spent with it.
        flipped = Organisation.objects.filter(pk=1, owner_created=False).update(
            owner_created=True, setup_token_hashes=""
        )
        if flipped != 1:
            raise OwnerExistsError()
        user = create_user(
            username=username,
            email=email,
            password=password,
            display_name=display_name,
            role=OWNER,
            clock=clock,
            address=address,
        )
    record(Events.OWNER_CREATED, clock=clock, actor=user, subject=user, address=address)
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


def _throttle_key(user: User | None, identifier: str) -> str:
    if user is not None:
        return str(user.pk)
    digest = hashlib.sha256(normalize_username(identifier).lower().encode("utf-8", "replace"))
    return "name:" + digest.hexdigest()[:40]


def check_password_for_sign_in(
    identifier: str,
    password: str,
    *,
    clock: Clock,
    address: str | None = None,
    device: str | None = None,
) -> User:
    identifier = normalize_username(identifier)[:254]
    password = password if isinstance(password, str) else ""
    user = find_user(identifier)
    known = device_id(device, user)
    # A known device of this account counts its own failures; everyone else shares the
    # account's lane (throttle.py: "device" and "password").
    lane, key = (
        (Throttle.DEVICE, known) if known else (Throttle.PASSWORD, _throttle_key(user, identifier))
    )
    try:
        network.check_address(address, clock=clock)
        claimed = throttle.claim(lane, key, clock=clock, user=user)
    except ThrottledError:
        record(
            Events.PASSWORD_THROTTLED,
            clock=clock,
            subject=user,
            address=address,
            known_device=bool(known),
        )
        raise
    ok = False
    if password and len(password) <= MAX_PASSWORD and user is not None:
        ok = user.is_active and user.has_usable_password() and user.check_password(password)
    else:
        make_password(password[:MAX_PASSWORD] or "x")  # same cost for unknown names
    if not ok:
        network.fail_address(address, clock=clock)
        record(
            Events.PASSWORD_FAILED,
            clock=clock,
            subject=user,
            address=address,
            known_user=user is not None,
            known_device=bool(known),
        )
        raise SignInFailedError()
    assert user is not None
    throttle.succeed(claimed, clock=clock)
    record(Events.PASSWORD_OK, clock=clock, actor=user, subject=user, address=address)
    return user


def client_address(request: Any) -> str | None:
    """The client's IP address (:func:`twostep.server.proxies.client_address`: from
    ``X-Forwarded-For`` only on a request from a trusted proxy)."""
    return _client_address_of(request.META)
