from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "belowtheline.moderation"
    verbose_name = "Moderation"

    def ready(self) -> None:
        # Moderation plugs its rules into the reader's side; discussion never imports us.
        from belowtheline.moderation import rules

        rules.register()
