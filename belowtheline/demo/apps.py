from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo publication: its front page, article pages and sample data."""

    name = "belowtheline.demo"
    verbose_name = "Demo publication"
