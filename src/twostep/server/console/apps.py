from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "twostep.server.console"
    label = "console"
    verbose_name = "The admin console"
