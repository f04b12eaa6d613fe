from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "twostep.server.api"
    label = "api"
    verbose_name = "The REST API"
