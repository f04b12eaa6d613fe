from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "twostep.server.audit"
    label = "audit"
    verbose_name = "The audit log of security decisions"
