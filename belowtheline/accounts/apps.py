from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "belowtheline.accounts"
    verbose_name = "Accounts and subscriptions"
