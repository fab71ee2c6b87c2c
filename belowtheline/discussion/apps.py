from django.apps import AppConfig


class DiscussionConfig(AppConfig):
    name = "belowtheline.discussion"
    verbose_name = "Discussion"
