from django.apps import AppConfig


class TriageConfig(AppConfig):
    """Scores every comment in the background: abuse, off-topic, spam and legal risk."""

    name = "belowtheline.triage"
    verbose_name = "Triage"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Discussion emits "comment.created"; we queue the scoring. Never a model here: the
        # web process only enqueues, the worker loads the encoder on its first comment.
        from belowtheline.discussion import hooks
        from belowtheline.triage import rules, services

        hooks.register_event_listener(services.queue_on_comment_event)
        hooks.register_publish_rule(rules.banned_words)
        hooks.register_on_report_filed(services.add_scores_to_report_priority)
