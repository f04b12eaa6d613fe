from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "twostep.server.applications"
    label = "applications"
    verbose_name = "Applications: API keys of relying parties and administration tools"
