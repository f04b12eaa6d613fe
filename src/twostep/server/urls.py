"""The URL map: pages at the root, the admin console under ``/console/``, the API under
``/api/``, the authenticator's sync API under ``/api/sync/v1/`` (docs/sync.md)."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("console/", include("twostep.server.console.urls")),
    path("api/sync/v1/", include("twostep.server.syncapi.urls")),
    path("sync/", include("twostep.server.syncapi.page_urls")),
    path("api/", include("twostep.server.api.urls")),
    path("", include("twostep.server.web.urls")),
]

handler400 = "twostep.server.web.views.errors.bad_request"
handler403 = "twostep.server.web.views.errors.forbidden"
handler404 = "twostep.server.web.views.errors.not_found"
handler500 = "twostep.server.web.views.errors.server_error"
