"""Background jobs for triage, run by `btl worker`. The job carries only a comment id: the
stored comment is the truth, so a job that runs late or twice scores what is there now."""

from django_tasks import task

from belowtheline.triage import services

# Below webhook deliveries (integrations/tasks.py); a comment just posted at the default
# priority, the catch-up of comments nobody scored (`services.queue_unscored`) below it,
# so the newest comments are scored first after an outage.
CATCH_UP_PRIORITY = -10


@task()
def score_comment(comment_id: int) -> str:
    stored = services.score_comment(comment_id=comment_id)
    return ", ".join(f"{name} {s.score:.2f}" for name, s in stored.items()) or "nothing to do"
