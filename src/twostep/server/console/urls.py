"""Placeholder: the URL patterns of this app (filled in by its own issue)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "console"
urlpatterns: list[URLPattern | URLResolver] = []
