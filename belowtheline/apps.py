from django.apps import AppConfig


class BelowTheLineConfig(AppConfig):
    """The project package is an app too, for project-wide commands and templates."""

    name = "belowtheline"
    verbose_name = "Below the Line"

    def ready(self) -> None:
        from belowtheline import checks  # noqa: F401  (registers the system checks)
