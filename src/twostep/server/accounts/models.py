"""Users, roles, groups and the organisation (DESIGN.md §4, Identity).

- :class:`User`: username and email both unique case-insensitively (email may be empty for users
  an outside application created through the API), display name, Argon2id password (or none:
  ``set_unusable_password``), active and verified-email flags, an optional unique external id,
  one :class:`Role`, any number of :class:`Group`. ``session_epoch`` is mixed into the session
  hash: raising it signs the user out of every session (see ``services.sign_out_everywhere``).
  ``must_change_password``: a recovery code unlocked the account; cleared by a new password.
- :class:`Role`: Owner, Admin and Member are built in (``key`` = ``owner``/``admin``/``member``);
  custom roles can be added. Roles with ``is_admin`` reach the admin console ("administrators").
- :class:`Group`: named sets of users, many-to-many.
- :class:`Organisation`: the single row (pk=1) for installation-wide facts: the name shown as
  the issuer in authenticator apps, and whether the owner account was created.

- :class:`RememberedDevice`: a browser where the user ticked "Remember this browser" after a
  code: its random id (in the browser's signed cookie), the session epoch it was made in (it
  ends when the epoch moves: password change, 2FA reset, sign out everywhere, an admin), when
  it expires. The rules are in :mod:`.remembered`.
- :class:`Invitation`: an invited user's one-time link to choose a password (and so verify the
  email address). Only a SHA-256 hash of the link's token is stored; one open invitation per
  user (a new one replaces the old); it expires after :data:`INVITATION_LIFETIME`.
- :class:`SignInState`: "password accepted, second step pending" for the sign-in API (code:
  5 minutes, setup: 10 minutes), bound to the user's session epoch; used once.
- :class:`AccessToken`: what a first-party client gets after a completed sign-in (12 hours),
  dead as soon as the user's session epoch moves (reset, password change, sign out
  everywhere) or the user is deactivated. Only SHA-256 digests of both tokens are stored;
  ``lookup`` is the public part that finds the row.

``same_text(field, value)``: the case-insensitive comparison that the unique indexes serve.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar, Final

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Value
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.crypto import salted_hmac

OWNER = "owner"
ADMIN = "admin"
MEMBER = "member"
BUILTIN_ROLES = (OWNER, ADMIN, MEMBER)
INVITATION_LIFETIME: Final = timedelta(days=7)
MAX_REMEMBER_DAYS: Final = 30


class Role(models.Model):
    key = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True)
    is_admin = models.BooleanField(
        default=False, help_text="Members of this role use the admin console."
    )
    builtin = models.BooleanField(default=False)

    class Meta:
        ordering: ClassVar = ["-is_admin", "name"]

    def __str__(self) -> str:
        return self.name


class Group(models.Model):
    name = models.CharField(max_length=150)
    description = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["name"]
        constraints: ClassVar = [
            models.UniqueConstraint(Lower("name"), name="group_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name


def same_text(field: str, value: str | None) -> Exact[Any]:
    """``LOWER(field) = LOWER(value)``, for ``filter()``: the expression of the case-insensitive
    unique indexes (``User``, ``Group``), so the lookup is an index scan. ``field__iexact``
    compiles to ``UPPER(...)`` on PostgreSQL, which no index covers: it read the whole users
    table on every check that a name or email is free, and it folded case unlike the index."""
    return Exact(Lower(field), Lower(Value(value, output_field=models.CharField())))


class UserManager(BaseUserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(same_text("username", username))


class User(AbstractBaseUser):
    username = models.CharField(max_length=150, unique=True)
    email = models.EmailField(max_length=254, null=True, blank=True)
    display_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    email_verified = models.BooleanField(default=False)
    external_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="users")
    groups = models.ManyToManyField(Group, related_name="users", blank=True)
    date_joined = models.DateTimeField(default=timezone.now)
    session_epoch = models.PositiveIntegerField(default=0)
    # Set when a recovery code lifted a lockout (whoever typed the wrong codes knew the
    # password): the pages allow nothing but a new password until it is changed.
    must_change_password = models.BooleanField(default=False)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar = ["email"]

    class Meta:
        ordering: ClassVar = ["username"]
        constraints: ClassVar = [
            models.UniqueConstraint(Lower("username"), name="user_username_unique_ci"),
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]
        indexes: ClassVar = [models.Index(fields=["date_joined"], name="user_joined_idx")]

    def __str__(self) -> str:
        return self.username

    @property
    def is_administrator(self) -> bool:
        return bool(self.role.is_admin)

    @property
    def is_owner(self) -> bool:
        return self.role.key == OWNER

    @property
    def name(self) -> str:
        return self.display_name or self.username

    # Django's session check compares this HMAC on every request: mixing in ``session_epoch``
    # lets us end every other session of a user by raising it.
    def _get_session_auth_hash(self, secret: Any = None) -> str:
        key_salt = "twostep.server.accounts.User.get_session_auth_hash"
        value = f"{self.password}:{self.session_epoch}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()


class Organisation(models.Model):
    """One row (pk=1), created by the first migration."""

    name = models.CharField(max_length=100, default="twostep")
    owner_created = models.BooleanField(default=False)
    # SHA-256s (hex, space-separated) of the one-time tokens of the setup links that
    # ``twostep serve`` prints on a first start: creating the owner on the pages needs one.
    # Empty: no link is valid.
    setup_token_hashes = models.TextField(blank=True, default="")
    # "Remember this browser": days a browser may skip the code step after a code (1 to
    # MAX_REMEMBER_DAYS); 0: off, the default.
    remember_device_days = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(MAX_REMEMBER_DAYS)]
    )

    def __str__(self) -> str:
        return self.name


class Invitation(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitation"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "console_invitation"  # made by the console app's first migration

    def __str__(self) -> str:
        return f"invitation of user {self.user_id}"


class SignInState(models.Model):
    CODE = "code"
    SETUP = "setup"
    STAGES = ((CODE, "code"), (SETUP, "setup"))

    lookup = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=8, choices=STAGES)
    epoch = models.PositiveIntegerField()
    enrolment_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        db_table = "api_signinstate"  # made by the api app's first migration
        indexes: ClassVar = [models.Index(fields=["expires_at"], name="api_signin_expires_idx")]

    def __str__(self) -> str:
        return f"sign-in of user {self.user_id} at {self.stage}"


class AccessToken(models.Model):
    lookup = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    epoch = models.PositiveIntegerField()
    method = models.CharField(max_length=16)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    # The last request with the token (written at most once a minute): 30 minutes idle end it.
    last_seen_at = models.DateTimeField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        db_table = "api_accesstoken"  # made by the api app's first migration
        indexes: ClassVar = [
            models.Index(fields=["user", "expires_at"], name="api_access_user_idx"),
            models.Index(fields=["expires_at"], name="api_access_expires_idx"),
        ]

    def __str__(self) -> str:
        return f"access token tsa_{self.lookup}_... of user {self.user_id}"


class WebSession(models.Model):
    """A signed-in session of the pages, as its owner sees it in their list of sessions (the
    Django session holds this row's id, ``ts_session``, which outlives its key's changes).
    Deleting the row ends the session at its next request."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    epoch = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    user_agent = models.CharField(max_length=200, blank=True, default="")
    address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["user", "last_seen_at"], name="web_session_user_idx")
        ]

    def __str__(self) -> str:
        return f"web session {self.pk} of user {self.user_id}"


class RememberedDevice(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="remembered_devices"
    )
    device_id = models.CharField(max_length=32, unique=True)
    epoch = models.PositiveIntegerField()
    label = models.CharField(max_length=120, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]
        indexes: ClassVar = [
            models.Index(fields=["user", "expires_at"], name="remembered_user_idx"),
        ]

    def __str__(self) -> str:
        return f"remembered browser of user {self.user_id}"
