"""Background jobs for triage, run by `btl worker`. The job carries only a comment id: the
stored comment is the truth, so a job that runs late or twice scores what is there now."""

from django_tasks import task

from belowtheline.triage import services


@task()
def score_comment(comment_id: int) -> str:
    stored = services.score_comment(comment_id=comment_id)
    return ", ".join(f"{name} {s.score:.2f}" for name, s in stored.items()) or "nothing to do"
