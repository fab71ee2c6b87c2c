"""What a decision's transaction locks, and in which order, on PostgreSQL.

Found by `make faults` (bench/faults.py) under mixed load: readers' reports, posts and the
worker's triage decisions deadlocked on PostgreSQL, and the posts and reports caught in it
were answered 503. Two causes: a `select_for_update()` with `select_related()` locks the
joined rows too (the site's row, the article's), so every other transaction writing a row
of that site waited at commit on its foreign-key check; and a report moved the queue's
version before a hold moved the thread's, where a decision does it the other way round.

SQLite has one writer at a time and no row locks, so these cases run on PostgreSQL only.
"""

import contextlib
import threading
from datetime import UTC, datetime

import pytest
from django.db import DatabaseError, OperationalError, connection, transaction

from belowtheline.discussion import services as discussion
from belowtheline.errors import BtlError
from belowtheline.triage import services as triage
from belowtheline.triage.models import CommentScore
from tests.conftest import make_subscriber, on_postgresql
from tests.discussion.factories import ArticleFactory

pytestmark = [
    pytest.mark.skipif(not on_postgresql(),
                       reason="row locks are PostgreSQL's (BTL_TEST_POSTGRES=1 runs them)"),
    pytest.mark.django_db(transaction=True),
]

WEDNESDAY_MORNING = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def many(settings):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "comment": "100000/60",
                                "report": "100000/60"}


def _while_holding(locker, other) -> BaseException | None:
    """Run `locker` in a transaction left open until `other` has run on another connection
    (which gives up after 2 s of waiting for a lock); `other`'s error, if any."""
    locked, done = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    def hold() -> None:
        try:
            with transaction.atomic():
                locker()
                locked.set()
                done.wait(15)
        finally:
            locked.set()
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    locked.wait(15)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        other()
    except OperationalError as error:
        failure.append(error)
    finally:
        done.set()
        holder.join(15)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    return failure[0] if failure else None


def test_a_reader_can_post_while_the_worker_decides_on_another_comments_scores(
    site, rules, article, subscriber, other_subscriber, many
):
    scored = discussion.post_comment(site=site, article=article, author=subscriber,
                                     text="An ordinary point about the bypass.")
    stored = {"abuse": CommentScore.objects.create(
        site=site, comment=scored, scorer="abuse", version="test", score=0.05,
        scored_at=WEDNESDAY_MORNING)}
    elsewhere = ArticleFactory(site=site)

    failure = _while_holding(
        lambda: triage.act_on_scores(comment=scored, scores=stored, now=WEDNESDAY_MORNING),
        lambda: discussion.post_comment(site=site, article=elsewhere, author=other_subscriber,
                                        text="Meanwhile, on another story."),
    )

    assert failure is None, f"the post waited on the worker's locks: {failure}"


def test_a_reader_can_post_on_a_thread_while_a_moderator_decides_on_one_of_its_comments(
    site, rules, article, subscriber, other_subscriber, many
):
    decided = discussion.post_comment(site=site, article=article, author=subscriber,
                                      text="A comment a moderator is looking at.")

    failure = _while_holding(
        lambda: discussion.locked_comment(site=site, comment_id=decided.pk),
        lambda: discussion.post_comment(site=site, article=article, author=other_subscriber,
                                        text="A reply posted meanwhile."),
    )

    assert failure is None, f"the post waited on the decision's locks: {failure}"


def test_reports_and_holds_on_one_thread_at_once_never_deadlock(site, rules, article, many):
    """Readers report comments (some reports hold them automatically) while a moderator
    holds others on the same thread: every one of them goes through."""
    from belowtheline.moderation import services as moderation
    from tests.conftest import make_staff

    authors = [make_subscriber(site, username=f"author{i}") for i in range(4)]
    reporters = [make_subscriber(site, username=f"reporter{i}") for i in range(12)]
    moderator = make_staff(site, "moderator", "mona")
    comments = [discussion.post_comment(site=site, article=article, author=authors[i % 4],
                                        text=f"Comment {i} on the bypass.") for i in range(24)]
    errors: list[BaseException] = []

    def report_all(index: int) -> None:
        try:
            for comment in comments[index % 2::2]:
                discussion.report_comment(site=site, comment_id=comment.pk,
                                          reporter=reporters[index], reason="abusive")
        except DatabaseError as error:
            errors.append(error)
        finally:
            connection.close()

    def hold_all() -> None:
        try:
            for comment in comments[::3]:
                with contextlib.suppress(BtlError):  # held already, by the reports
                    moderation.hold_comment(site=site, actor=moderator, comment_id=comment.pk,
                                            reason="Checking a claim.")
        except DatabaseError as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=report_all, args=(i,)) for i in range(len(reporters))]
    threads.append(threading.Thread(target=hold_all))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert not errors, f"{len(errors)} failed, the first: {errors[0]!r}"
