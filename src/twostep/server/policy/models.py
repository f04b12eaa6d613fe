"""Who must use two-step verification (DESIGN.md §4): the stored settings of the three rules.

- :class:`OrgPolicy` (one row, pk=1): rule 1, the organisation setting (off / all users / users
  with some roles / users in some groups, with a grace period in days), and the switch of rule 3
  that requires 2FA of every administrator.
- :class:`UserRequirement` (one row per user, created when first needed): rule 2, "Require
  two-step verification on sign-in" with its enrolment period, and rule 3's per-administrator
  checkbox.
- :class:`Notice`: the mails about a 2FA requirement that were sent (``required``, ``reminder``,
  ``locked``), one row per user, kind and deadline (``key``), so that ``twostep remind`` sends
  each mail once however often it runs, and two runs at once cannot both send it (the unique
  constraint decides).

The decision is made by :func:`twostep.server.policy.services.decide`, never here.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models

MAX_DAYS = 365


class OrgPolicy(models.Model):
    OFF = "off"
    ALL = "all"
    ROLES = "roles"
    GROUPS = "groups"
    MODES = (
        (OFF, "Off"),
        (ALL, "All users"),
        (ROLES, "Users with specific roles"),
        (GROUPS, "Users in specific groups"),
    )

    mode = models.CharField(max_length=8, choices=MODES, default=OFF)
    roles = models.ManyToManyField("accounts.Role", blank=True, related_name="+")
    groups = models.ManyToManyField("accounts.Group", blank=True, related_name="+")
    grace_days = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(MAX_DAYS)]
    )
    applies_since = models.DateTimeField(null=True, blank=True)
    require_all_admins = models.BooleanField(default=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"organisation 2FA policy ({self.mode})"


class UserRequirement(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="mfa_requirement",
    )
    required = models.BooleanField(default=False)
    enrolment_days = models.PositiveSmallIntegerField(
        default=7, validators=[MaxValueValidator(MAX_DAYS)]
    )
    required_since = models.DateTimeField(null=True, blank=True)
    admin_required = models.BooleanField(default=False)
    period_restarted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"2FA requirement of user {self.user_id}"


class Notice(models.Model):
    REQUIRED = "required"
    REMINDER = "reminder"
    LOCKED = "locked"
    KINDS = ((REQUIRED, "2FA now required"), (REMINDER, "Reminder"), (LOCKED, "Deadline passed"))

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mfa_notices"
    )
    kind = models.CharField(max_length=16, choices=KINDS)
    key = models.CharField(max_length=64)
    sent_at = models.DateTimeField()

    class Meta:
        db_table = "console_notice"  # made by the console app's first migration
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "kind", "key"], name="notice_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} notice to user {self.user_id} ({self.key})"
