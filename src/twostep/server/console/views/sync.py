"""The Sync page: how many authenticator backups the server keeps, and who may register
(``TWOSTEP_SYNC``); counts only, never an address or what a backup holds (docs/sync.md)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from ...sync.stats import counts
from ..access import admin_required
from .common import page


@admin_required
@require_GET
def sync(request: HttpRequest) -> HttpResponse:
    return page(request, "sync.html", {"section": "sync", "n": counts()})
