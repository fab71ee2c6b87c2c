"""Scores stored per comment, computed by the worker from the database queue.

The post path only queues: a comment is published at once, with or without a worker, and
is scored when the worker runs. These use django-tasks' database backend and
`btl worker --batch`, as in production.
"""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django_tasks_db.models import DBTaskResult

from belowtheline import clock
from belowtheline.discussion import services
from belowtheline.discussion.models import Comment
from belowtheline.triage import services as triage
from belowtheline.triage.models import CommentScore, Fingerprint, LegalProceedings
from tests.conftest import make_subscriber
from tests.discussion.factories import ArticleFactory

pytestmark = pytest.mark.django_db(transaction=True)
TASK = "belowtheline.triage.tasks.score_comment"
SPAM = ("Earn five thousand pounds a week from home with this one simple trick, thousands "
        "already have: http://quick-cash.example.com/start")


@pytest.fixture(autouse=True)
def database_queue(settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _queued() -> int:
    return DBTaskResult.objects.filter(task_path=TASK, status="READY").count()


def test_a_comment_is_published_at_once_and_scored_when_the_worker_returns(
        site, article, subscriber, run_worker):
    # The worker is down: posting still publishes, and the scoring waits in the queue.
    comment = services.post_comment(site=site, article=article, author=subscriber,
                                    text="The new bridge is overdue, but the cost worries me.")
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.PUBLISHED
    assert CommentScore.objects.count() == 0
    assert _queued() == 1

    run_worker()  # the worker comes back

    scores = triage.scores_for(comment)
    assert set(scores) == {"abuse", "insult", "offtopic", "spam", "legal", "words"}
    assert all(0.0 <= s.score <= 1.0 for s in scores.values())
    assert scores["abuse"].version.startswith("minilm-l6-linear/")
    assert scores["spam"].version.startswith("minhash")
    assert "closest to the article" in scores["offtopic"].explanation
    assert _queued() == 0


def test_the_same_text_across_threads_and_accounts_is_spam(site, rules, run_worker):
    posted = []
    for n in range(4):
        author = make_subscriber(site, username=f"spammer{n}")
        story = ArticleFactory(site=site)
        text = SPAM.upper() if n % 2 else SPAM.replace(",", "")
        posted.append(services.post_comment(site=site, article=story, author=author, text=text))
    run_worker()
    last = triage.scores_for(posted[-1])["spam"]
    assert last.score > 0.9
    assert last.explanation.startswith("same text as 3 comments in 3 threads by 3 accounts")
    first = triage.scores_for(posted[0])["spam"]
    assert "same text" not in first.explanation  # the first had no earlier copy
    assert first.score < last.score
    assert Fingerprint.objects.count() == 4


def test_copies_outside_the_window_do_not_count(site, rules, run_worker, settings):
    settings.BTL_TRIAGE_DUPLICATE_HOURS = 24
    old_author = make_subscriber(site, username="early")
    new_author = make_subscriber(site, username="late", date_joined=clock.now())
    long_ago = clock.now() - timedelta(days=3)
    services.post_comment(site=site, article=ArticleFactory(site=site), author=old_author,
                          text=SPAM, now=long_ago)
    fresh = services.post_comment(site=site, article=ArticleFactory(site=site),
                                  author=new_author, text=SPAM)
    run_worker()
    spam = triage.scores_for(fresh)["spam"]
    assert "same text" not in spam.explanation
    assert spam.explanation.endswith("from an account less than a day old")  # the link


def test_naming_someone_on_an_article_in_active_proceedings(site, article, subscriber,
                                                            run_worker):
    LegalProceedings.objects.create(article=article, site=site, people="Graham Tulley")
    comment = services.post_comment(site=site, article=article, author=subscriber,
                                    text="Graham Tulley is guilty and everyone knows it.")
    run_worker()
    legal = triage.scores_for(comment)["legal"]
    assert legal.score > 0.9
    assert "names Graham Tulley on an article marked active proceedings" in legal.explanation


def test_a_comment_is_scored_again_only_when_asked_or_changed(site, article, subscriber,
                                                             run_worker):
    comment = services.post_comment(site=site, article=article, author=subscriber,
                                    text="Lovely weather for the opening of the bridge.")
    run_worker()
    first = triage.scores_for(comment)["abuse"].scored_at
    triage.score_comment(comment_id=comment.pk, now=clock.now() + timedelta(minutes=5))  # no change
    assert triage.scores_for(comment)["abuse"].scored_at == first
    triage.score_comment(comment_id=comment.pk, now=clock.now() + timedelta(minutes=6), again=True)
    assert triage.scores_for(comment)["abuse"].scored_at > first
    assert CommentScore.objects.filter(comment=comment, scorer="abuse").count() == 1


def test_unscored_comments_are_queued_again(site, article, subscriber):
    comment = services.post_comment(site=site, article=article, author=subscriber,
                                    text="The bridge should have a cycle lane.")
    DBTaskResult.objects.all().delete()  # as if the process died between commit and enqueue
    assert triage.queue_unscored() == 1
    assert _queued() == 1
    triage.score_comment(comment_id=comment.pk)
    assert triage.queue_unscored() == 0


def test_the_web_process_never_loads_a_model():
    """Everything the web process imports when it starts serving, and the scoring hook,
    leave numpy and the encoder unloaded: only the worker's task imports them."""
    code = ("import django, sys; django.setup(); import belowtheline.urls, "
            "belowtheline.discussion.services, belowtheline.triage.services; "
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('numpy', "
            "'belowtheline.triage.encoder', 'belowtheline.triage.scorers'))))) ")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "belowtheline.settings"}
    done = subprocess.run([sys.executable, "-c", "import json; " + code], env=env,
                          capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
