from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "twostep.server.accounts"
    label = "accounts"
    verbose_name = "Accounts: users, roles, groups and the organisation"
