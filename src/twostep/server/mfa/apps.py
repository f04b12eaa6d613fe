from django.apps import AppConfig


class MfaConfig(AppConfig):
    name = "twostep.server.mfa"
    label = "mfa"
    verbose_name = "Two-step verification: devices, enrolment, recovery codes, throttling"
