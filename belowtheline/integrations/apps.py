from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """What a publisher plugs in: the embed script and webhooks."""

    name = "belowtheline.integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        # Discussion and moderation emit events; they never import us.
        from belowtheline.discussion import hooks
        from belowtheline.integrations import webhooks

        hooks.register_event_listener(webhooks.record_deliveries)
