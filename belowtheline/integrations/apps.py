from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """What a publisher plugs in: the embed script and webhooks."""

    name = "belowtheline.integrations"
    verbose_name = "Integrations"
