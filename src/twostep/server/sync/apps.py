from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "twostep.server.sync"
    label = "sync"
    verbose_name = "Sync: end-to-end encrypted vault backups of the authenticator (docs/sync.md)"
