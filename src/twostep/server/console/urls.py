"""The admin console's pages, under ``/console/`` (see docs/console.md).

Every view here is wrapped in :func:`~.access.admin_required` (anonymous: sign in; not an
administrator: 403), except ``join``, the invitation link for people not signed in (a working
link opened while signed in gets 403 there too). ``tests/server/console/test_access.py``
walks this list.
"""

from __future__ import annotations

from django.urls import path

from .views import applications, audit, directory, join, org, sites, sync, user, users, webhooks

app_name = "console"
PUBLIC = frozenset({"join"})

urlpatterns = [
    path("", users.dashboard, name="dashboard"),
    path("users/", users.users_list, name="users"),
    path("users/bulk/", users.users_bulk, name="users_bulk"),
    path("users/new/", users.user_new, name="user_new"),
    path("users/<int:pk>/", user.user_page, name="user"),
    path("users/<int:pk>/extend/", user.user_extend, name="user_extend"),
    path("users/<int:pk>/lift/", user.user_lift, name="user_lift"),
    path("users/<int:pk>/reset/", user.user_reset, name="user_reset"),
    path("users/<int:pk>/unlock/", user.user_unlock, name="user_unlock"),
    path("users/<int:pk>/sign-out/", user.user_sign_out, name="user_sign_out"),
    path("users/<int:pk>/invite/", user.user_invite, name="user_invite"),
    path("users/<int:pk>/delete/", user.user_delete, name="user_delete"),
    path("groups/", directory.groups, name="groups"),
    path("groups/<int:pk>/", directory.group_page, name="group"),
    path("groups/<int:pk>/members/", directory.group_add_member, name="group_add_member"),
    path(
        "groups/<int:pk>/members/<int:user_pk>/remove/",
        directory.group_remove_member,
        name="group_remove_member",
    ),
    path("groups/<int:pk>/delete/", directory.group_delete, name="group_delete"),
    path("roles/", directory.roles, name="roles"),
    path("roles/<int:pk>/", directory.role_page, name="role"),
    path("roles/<int:pk>/delete/", directory.role_delete, name="role_delete"),
    path("applications/", applications.applications, name="applications"),
    path("applications/<int:pk>/", applications.application_page, name="application"),
    path(
        "applications/<int:pk>/secret/", applications.application_rotate, name="application_rotate"
    ),
    path(
        "applications/<int:pk>/delete/", applications.application_delete, name="application_delete"
    ),
    path(
        "applications/<int:pk>/grants/<int:user_pk>/revoke/",
        applications.application_revoke,
        name="application_revoke",
    ),
    path("administrators/", org.administrators, name="administrators"),
    path("security/", org.security, name="security"),
    path("security/name/", org.security_name, name="security_name"),
    path("security/reset/", org.security_reset, name="security_reset"),
    path("security/remember/", org.security_remember, name="security_remember"),
    path("sync/", sync.sync, name="sync"),
    path("webhooks/", webhooks.webhooks, name="webhooks"),
    path("webhooks/<int:pk>/", webhooks.webhook_page, name="webhook"),
    path("webhooks/<int:pk>/test/", webhooks.webhook_test, name="webhook_test"),
    path("webhooks/<int:pk>/delete/", webhooks.webhook_delete, name="webhook_delete"),
    path("sites/", sites.sites, name="sites"),
    path("sites/<int:pk>/move/", sites.site_move, name="site_move"),
    path("sites/<int:pk>/remove/", sites.site_remove, name="site_remove"),
    path("audit/", audit.audit, name="audit"),
    path("audit/export.csv", audit.audit_export, name="audit_export"),
    path("confirm/", org.confirm, name="confirm"),
    path("join/<str:token>/", join.join, name="join"),
]
