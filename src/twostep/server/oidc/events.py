"""The audit log's event names of the OpenID Connect provider (``area.what_happened``).

Each row about an application carries ``application`` (its name) and ``client_id`` in its
details."""

from __future__ import annotations


class OidcEvents:
    CLIENT_CREATED = "oidc.client_created"
    CLIENT_UPDATED = "oidc.client_updated"
    CLIENT_DELETED = "oidc.client_deleted"
    SECRET_ROTATED = "oidc.secret_rotated"  # noqa: S105 - an event name
    AUTHORIZED = "oidc.authorized"
    CONSENTED = "oidc.consented"
    DENIED = "oidc.denied"  # the user may not use the application, or refused consent
    STEP_UP_REQUIRED = "oidc.step_up_required"
    TOKENS_ISSUED = "oidc.tokens_issued"
    CODE_REUSED = "oidc.code_reused"
    REFRESH_REUSED = "oidc.refresh_token_reused"
    GRANT_REVOKED = "oidc.grant_revoked"
    LOGGED_OUT = "oidc.logged_out"
    KEY_ROTATED = "oidc.key_rotated"
