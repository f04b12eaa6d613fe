"""The OpenID Connect provider (issue 16; docs/oidc-design.md): a Django app on
django-oauth-toolkit. An application (``applications.Application``) has at most one client.

What the console, the CLI and the API call (each records its audit row, naming the application):

``clients``
  - ``create_client(application, *, redirect_uris, public=False, first_party=False,
    algorithm="RS256", post_logout_redirect_uris=(), clock, actor=None, address=None)
    -> NewClient`` (``.client``, ``.client_id``, ``.client_secret``: shown once, None when
    public);
  - ``update_client(application, *, redirect_uris=None, post_logout_redirect_uris=None,
    first_party=None, algorithm=None, clock, actor=None, address=None) -> Client``;
  - ``rotate_secret(application, *, clock, actor=None, address=None) -> str``;
  - ``delete_client(application, *, clock, actor=None, address=None) -> None``;
  - ``client_for(application) -> Client | None``.
``grants``
  - ``grants_of(user) -> list[ConnectedApplication]`` ("Connected applications");
  - ``grants_for(application) -> list[ConnectedApplication]`` (admins);
  - ``revoke_grant(user, application, *, clock, actor=None, address=None) -> bool``.
``keys``
  - ``rotate_key(*, clock, activate_in=JWKS_MAX_AGE, algorithms=("RS256", "ES256"))``,
    ``key_report(*, clock) -> list[dict]`` (``twostep oidc rotate-key`` / ``oidc keys``).

Errors: ``InvalidUserDataError`` (bad redirect URI, algorithm), ``ConflictError`` (a second
client for one application; no client).

The provider asks :mod:`twostep.server.applications.access` (``may_use(application, user)``,
``requires_second_factor(application)``) who may sign in to an application.
"""
