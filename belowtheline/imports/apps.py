from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """Comments brought from another system (Disqus, WordPress, Isso) or a `btl export`."""

    name = "belowtheline.imports"
    verbose_name = "Imports"
