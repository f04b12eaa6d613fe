from django.apps import AppConfig


class SyncApiConfig(AppConfig):
    name = "twostep.server.syncapi"
    label = "syncapi"
    verbose_name = "Sync API: the authenticator's backup endpoints and the verification page"
