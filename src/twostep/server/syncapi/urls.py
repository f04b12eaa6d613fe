"""``/api/sync/v1/`` (docs/sync.md)."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "syncapi"
urlpatterns = [
    path("prelogin", views.prelogin, name="prelogin"),
    path("register", views.register, name="register"),
    path("account", views.account, name="account"),
    path("verify", views.verify, name="verify"),
    path("verify/resend", views.resend, name="resend"),
    path("login", views.login, name="login"),
    path("vault", views.vault_view, name="vault"),
    path("devices", views.devices_list, name="devices"),
    path("devices/<str:device_id>", views.device_revoke, name="device_revoke"),
    path("password", views.password, name="password"),
    path("recover", views.recover, name="recover"),
    path("recover/reset", views.recover_reset, name="recover_reset"),
]
