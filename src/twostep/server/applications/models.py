"""What an application that uses twostep is known by: its name, its API keys, its users.

Only SHA-256 digests of the keys are stored; ``lookup`` is the public part that finds the row.

- :class:`Application`: a relying party; its ``issuer`` is the name its users' authenticator
  apps show ("Shop: alice"; blank: the organisation's name). Each application has its own
  namespace of external ids. Its rules for signing in through twostep's OpenID provider
  (:mod:`.access`): who may use it (``access``: all users, or the chosen ``groups`` and
  ``roles``), ``require_second_factor`` whatever the policy says; and what the user portal
  shows: ``launch_url``, ``icon_url``, ``description``.
- :class:`AppUser`: a user who exists for one application (created through its verify key):
  the application's external id for them, unique within the application only.
- :class:`ApiKey`: made by an administrator (console, CLI or the API itself), scope ``verify``
  (the authentication service for relying parties) or ``admin``; ``allow_create_users`` lets a
  verify key create users that exist only for its application; revoked keys stay for the
  record (``revoked_at``); ``last_used_at`` is updated at most once a minute. An admin key made
  by an administrator (``made_by_user``) stops working when that person is no longer an active
  administrator. A verify key belongs to one application: it enrols and reads only that
  application's users unless an administrator granted it ``may_enrol_any_user``.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models


class Application(models.Model):
    DEFAULT_NAME = "Default"
    ALL = "all"
    SELECTED = "selected"
    ACCESS = ((ALL, "All users"), (SELECTED, "Users in the chosen groups or with the chosen roles"))

    name = models.CharField(max_length=100, unique=True)
    issuer = models.CharField(
        max_length=100, blank=True, default="", help_text="shown in authenticator apps"
    )
    created_at = models.DateTimeField()
    # Who may sign in to it (see .access): everyone, or the members of ``groups`` and the
    # holders of ``roles`` (nobody when both are empty: deleting the last group closes it).
    access = models.CharField(max_length=8, choices=ACCESS, default=ALL)
    groups = models.ManyToManyField("accounts.Group", blank=True, related_name="applications")
    roles = models.ManyToManyField("accounts.Role", blank=True, related_name="applications")
    require_second_factor = models.BooleanField(
        default=False, help_text="a code at every sign-in, whatever the organisation's policy"
    )
    launch_url = models.URLField(max_length=500, blank=True, default="")
    icon_url = models.URLField(max_length=500, blank=True, default="")
    description = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name


class AppUser(models.Model):
    """A user of one application: the application's own external id for them."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="users")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="app_membership"
    )
    external_id = models.CharField(max_length=255)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["application", "external_id"], name="applications_appuser_external_id"
            )
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} of application {self.application_id}"


class ApiKey(models.Model):
    VERIFY = "verify"
    ADMIN = "admin"
    SCOPES = ((VERIFY, "verify: the authentication service"), (ADMIN, "admin: administration"))

    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=8, choices=SCOPES)
    lookup = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    allow_create_users = models.BooleanField(default=False)
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="api_keys"
    )
    may_enrol_any_user = models.BooleanField(
        default=False,
        help_text="may enrol and read any user, not only its application's (granted by an admin)",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_by_user = models.BooleanField(
        default=False, help_text="made by an administrator (not the command line)"
    )
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "api_apikey"  # made by the api app's first migration
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.scope}, tsk_{self.lookup}_...)"

    @property
    def creator_gone(self) -> bool:
        """An admin key acts for the administrator who made it: True once that person was
        deleted, deactivated or is no longer an administrator (the key then stops working)."""
        if not self.made_by_user:
            return False
        creator = self.created_by
        return creator is None or not creator.is_active or not creator.role.is_admin

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def display_prefix(self) -> str:
        return f"tsk_{self.lookup}_"
