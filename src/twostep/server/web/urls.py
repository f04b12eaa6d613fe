"""The pages (see docs/server.md for the map)."""

from __future__ import annotations

from django.urls import path

from .views import account, authz, metrics, oidc, password, setup, signin

app_name = "web"
urlpatterns = [
    path("", signin.home, name="home"),
    path("healthz", signin.healthz, name="healthz"),
    path("readyz", signin.readyz, name="readyz"),
    path("metrics", metrics.metrics_page, name="metrics"),
    path("authz/auth-request", authz.auth_request, name="authz_auth_request"),
    path("authz/forward-auth", authz.forward_auth, name="authz_forward_auth"),
    path("welcome/", signin.welcome, name="welcome"),
    path("signin/", signin.signin, name="signin"),
    path("signin/code/", signin.code, name="code"),
    path("signin/continue/", signin.signin_continue, name="signin_continue"),
    path("signin/recovery/", signin.recovery, name="recovery"),
    path("signout/", signin.signout, name="signout"),
    path("signin/forgot/", password.forgot, name="forgot"),
    path("signin/reset/<str:uidb64>/<str:token>/", password.reset_link, name="reset_link"),
    path("two-step/setup/", setup.setup, name="setup"),
    path("two-step/enabled/", setup.enabled, name="enabled"),
    path("account/", account.account, name="account"),
    path(
        "account/applications/<int:application_id>/disconnect/",
        account.disconnect_view,
        name="disconnect",
    ),
    path("account/two-step/disable/", account.disable_view, name="disable"),
    path("account/recovery-codes/", account.regenerate_view, name="regenerate"),
    path("account/sessions/sign-out-others/", account.sign_out_others, name="sign_out_others"),
    path("account/sessions/<str:session_id>/end/", account.end_session_view, name="end_session"),
    path("account/browsers/forget/", account.forget_browser, name="forget_browser"),
    path("account/confirm-password/", account.confirm_password, name="confirm_password"),
    path("account/password/", account.change_password_view, name="change_password"),
    # the OpenID Connect provider (docs/oidc-design.md)
    path(".well-known/openid-configuration", oidc.discovery, name="oidc_discovery"),
    path("oidc/authorize", oidc.authorize, name="oidc_authorize"),
    path("oidc/token", oidc.token, name="oidc_token"),
    path("oidc/userinfo", oidc.userinfo, name="oidc_userinfo"),
    path("oidc/jwks", oidc.jwks, name="oidc_jwks"),
    path("oidc/revoke", oidc.revoke, name="oidc_revoke"),
    path("oidc/logout", oidc.logout_view, name="oidc_logout"),
    path("oidc/code/", oidc.step_up, name="oidc_code"),
]
