from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "twostep.server.web"
    label = "web"
    verbose_name = "The pages"
