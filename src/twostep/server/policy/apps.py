from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "twostep.server.policy"
    label = "policy"
    verbose_name = "Who must use two-step verification, and by when"
