"""Counts shown to readers must stay right when many people post at once.

Runs on whichever database the run uses: SQLite (WAL, immediate transactions, busy timeout)
in the first run and PostgreSQL in the second.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from belowtheline.discussion import services
from belowtheline.discussion.models import Comment
from tests.conftest import make_subscriber

THREADS = 8
POSTS_EACH = 50


@pytest.mark.django_db(transaction=True)
def test_eight_posters_at_once_leave_exactly_four_hundred_comments_counted(
    site, rules, article, settings
):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "comment": "100000/60"}
    posters = [make_subscriber(site, username=f"poster{i}") for i in range(THREADS)]
    top = services.post_comment(site=site, article=article, author=posters[0], text="Start")

    def post_many(index: int) -> int:
        author = posters[index]
        try:
            for n in range(POSTS_EACH):
                services.post_comment(
                    site=site,
                    article=article,
                    author=author,
                    text=f"Comment {n} from poster {index}",
                    parent=top if n % 5 == 0 else None,
                )
        finally:
            connection.close()
        return POSTS_EACH

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        posted = sum(pool.map(post_many, range(THREADS)))

    article.refresh_from_db()
    assert posted == THREADS * POSTS_EACH
    assert Comment.objects.filter(article=article).exclude(pk=top.pk).count() == 400
    assert article.comment_count == 401  # the 400 plus the comment they replied to


@pytest.mark.django_db(transaction=True)
def test_concurrent_recommendations_of_one_comment_are_each_counted_once(
    site, rules, article
):
    author = make_subscriber(site, username="author")
    fans = [make_subscriber(site, username=f"fan{i}") for i in range(THREADS)]
    comment = services.post_comment(site=site, article=article, author=author, text="Popular")

    def recommend_twice(index: int) -> None:
        try:
            for _ in range(2):
                services.recommend_comment(site=site, comment_id=comment.pk, user=fans[index])
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(recommend_twice, range(THREADS)))

    comment.refresh_from_db()
    assert comment.recommendation_count == THREADS
