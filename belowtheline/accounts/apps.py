from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "belowtheline.accounts"
    verbose_name = "Accounts and subscriptions"

    def ready(self) -> None:
        # An unconfirmed address shows in the comment box, as a ban does (standing.py).
        from belowtheline.accounts import standing

        standing.register()
