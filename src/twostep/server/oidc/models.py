"""The OpenID Connect provider's rows (django-oauth-toolkit keeps codes and tokens in its own).

- :class:`Client`: the OIDC side of one :class:`~twostep.server.applications.models.Application`
  (one-to-one: admins see the application; it also holds API keys). It is django-oauth-toolkit's
  application model (``OAUTH2_PROVIDER_APPLICATION_MODEL``): client id, redirect URIs (matched
  exactly), public or confidential, the ID token algorithm (RS256 or ES256). The secret is
  stored as ``sha256:<hex>`` (a 48-byte random secret needs no slow hash), never in clear.
- :class:`SigningKey`: the provider's signing keys, private part sealed with the server's
  keyring; published from ``created_at``, signing from ``activates_at``, published until
  ``retires_at`` plus the ID token lifetime.
- :class:`Subject`: the stable random ``sub`` of a user (never the username or the row id).
- :class:`Consent`: a user's "yes" to an application's scopes, asked once (not for first-party
  clients); what "Connected applications" lists.
- :class:`Authentication`: how the user signed in for one authorization code (``amr``, ``acr``,
  ``auth_time``), found by the code's digest; once redeemed, the token family it became, so a
  reused code revokes its tokens and a refresh keeps the same ``amr``.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from oauth2_provider.models import AbstractApplication

from ..applications.models import Application

RS256 = "RS256"
ES256 = "ES256"
ALGORITHMS = ((RS256, "RSA with SHA-256"), (ES256, "ECDSA P-256 with SHA-256"))


class Client(AbstractApplication):  # type: ignore[misc]  # django-oauth-toolkit has no types
    objects: ClassVar[models.Manager[Client]] = models.Manager()
    # (inherited: client_id, client_type, client_secret, redirect_uris, algorithm, name...)
    client_id: str
    client_type: str
    client_secret: str
    redirect_uris: str
    post_logout_redirect_uris: str
    algorithm: str
    name: str
    application: models.OneToOneField[Application, Application] = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="oidc_client"
    )
    application_id: int
    first_party: models.BooleanField[bool, bool] = models.BooleanField(
        default=False, help_text="trusted by the organisation: no consent page"
    )

    class Meta(AbstractApplication.Meta):  # type: ignore[misc]
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"

    def __str__(self) -> str:
        return f"OIDC client {self.client_id} of application {self.application_id}"

    @property
    def is_public(self) -> bool:
        return self.client_type == str(AbstractApplication.CLIENT_PUBLIC)

    @property
    def jwk_key(self) -> object:
        """The key that signs this client's ID tokens now (:mod:`.keys`)."""
        from .keys import signing_key

        return signing_key(self.algorithm).private

    def clean(self) -> None:  # django-oauth-toolkit's checks know only RS256/HS256 from settings
        return None


class SigningKey(models.Model):
    kid = models.CharField(max_length=64, unique=True)
    algorithm = models.CharField(max_length=5, choices=ALGORITHMS)
    public_jwk = models.JSONField()
    private_sealed = models.BinaryField()
    key_id = models.CharField(max_length=16, help_text="the keyring key that sealed it")
    created_at = models.DateTimeField()
    activates_at = models.DateTimeField()
    retires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["algorithm", "activates_at", "id"]

    def __str__(self) -> str:
        return f"{self.algorithm} key {self.kid}"

    def aad(self) -> bytes:
        return f"twostep:oidc-key:{self.kid}:{self.algorithm}".encode()


class Subject(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_subject"
    )
    sub = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return self.sub


class Consent(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="consents")
    scopes = models.CharField(max_length=255)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "client"], name="oidc_consent_user_client")
        ]

    def __str__(self) -> str:
        return f"consent of user {self.user_id} to client {self.client_id}"


class Authentication(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    code_digest = models.CharField(max_length=64, unique=True)
    amr = models.JSONField(default=list)
    acr = models.CharField(max_length=64)
    auth_time = models.DateTimeField()
    created_at = models.DateTimeField()
    redeemed_at = models.DateTimeField(null=True, blank=True)
    token_family = models.UUIDField(null=True, blank=True, db_index=True)
    access_token_id = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"authentication of user {self.user_id} for client {self.client_id}"
