"""Protected sites: the access rules of forward authentication, in order (first match wins).

- :class:`ProtectedSite`: a domain (``app.example.com`` or ``*.example.com``), path regexes
  (none: every path), methods (none: every method), a policy, and the groups and roles whose
  members may pass (``limited``: some were named; a rule whose named groups were all deleted
  lets nobody through rather than everybody). ``position`` orders the rules.
- :class:`SitesVersion`: one row (pk=1) whose ``version`` (a random token) changes with every
  change of the rules, so each process keeps its compiled rules until they change
  (``rules.current``). Random rather than counted: a rolled-back change cannot bring back a
  version that named other rules.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from ..accounts.models import Group, Role

BYPASS = "bypass"
ONE_FACTOR = "one_factor"
TWO_FACTOR = "two_factor"
DENY = "deny"
POLICIES = (BYPASS, ONE_FACTOR, TWO_FACTOR, DENY)


class ProtectedSite(models.Model):
    position = models.PositiveIntegerField(unique=True)
    domain = models.CharField(max_length=253)
    paths = models.JSONField(default=list, blank=True)
    methods = models.JSONField(default=list, blank=True)
    policy = models.CharField(max_length=16, choices=[(p, p) for p in POLICIES])
    limited = models.BooleanField(default=False)
    groups = models.ManyToManyField(Group, related_name="+", blank=True)
    roles = models.ManyToManyField(Role, related_name="+", blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar = ["position"]

    def __str__(self) -> str:
        return f"rule {self.pk}: {self.domain} {self.policy}"


class SitesVersion(models.Model):
    version = models.CharField(max_length=32, default="")
