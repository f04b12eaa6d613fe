from django.apps import AppConfig


class AttemptsConfig(AppConfig):
    name = "twostep.server.attempts"
    label = "attempts"
    verbose_name = "Attempts: throttling of passwords and codes, per account and per network"
