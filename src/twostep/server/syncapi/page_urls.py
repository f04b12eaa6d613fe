"""``/sync/``: the verification link's page."""

from __future__ import annotations

from django.urls import path

from . import pages

app_name = "syncpages"
urlpatterns = [path("verify/<str:token>/", pages.verify_page, name="verify")]
