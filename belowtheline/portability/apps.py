from django.apps import AppConfig


class PortabilityConfig(AppConfig):
    name = "belowtheline.portability"
    label = "portability"
    verbose_name = "Export and restore"
    default_auto_field = "django.db.models.BigAutoField"
