from django.apps import AppConfig


class OidcConfig(AppConfig):
    name = "twostep.server.oidc"
    label = "oidc"
    verbose_name = "OpenID Connect provider: clients, signing keys, consents"
