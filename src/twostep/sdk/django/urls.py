"""``path("twostep/", include("twostep.sdk.django.urls"))``: ``twostep:code`` and
``twostep:setup``."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "twostep"
urlpatterns = [
    path("code/", views.code, name="code"),
    path("setup/", views.setup, name="setup"),
]
