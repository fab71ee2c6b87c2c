from django.apps import AppConfig


class DiscussionConfig(AppConfig):
    name = "belowtheline.discussion"
    verbose_name = "Discussion"

    def ready(self) -> None:
        from belowtheline.accounts.hooks import register_on_public_name_changed
        from belowtheline.discussion.thread_cache import author_renamed

        register_on_public_name_changed(author_renamed)
