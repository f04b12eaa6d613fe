from django.apps import AppConfig


class GatewayConfig(AppConfig):
    name = "twostep.server.gateway"
    label = "gateway"
    verbose_name = "Forward authentication: protected sites"
