"""Template context for every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    from ..accounts.models import Organisation

    org = Organisation.objects.filter(pk=1).first()
    user = getattr(request, "user", None)
    is_admin = bool(user is not None and user.is_authenticated and user.role.is_admin)
    return {"site_name": org.name if org else "twostep", "show_console": is_admin}
