"""Many subscribers posting at once, through the whole stack as the benchmark does.

Each poster is a publisher's reader with a signed token (so each request also checks the
token), in its own thread with its own database connection. Whatever the database (SQLite
with its single writer in the first run, PostgreSQL in the second), every comment we
acknowledge must be stored exactly once, nothing we refused may be stored, and the article's
count must match.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from belowtheline.accounts.models import ExternalIdentity, Subscription
from belowtheline.discussion.models import Article, Comment
from tests.api.test_bearer_tokens import SECRET, bearer, token

POSTERS = 8
POSTS_EACH = 20
JSON = "application/json"


@pytest.fixture
def token_site(site, rules, settings):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "comment": "100000/60"}
    site.sso_algorithm, site.sso_secret = "HS256", SECRET
    site.save()
    return site


def _in_thread(work):
    """Run `work` and give the thread's database connection back, as a web worker would."""

    def run(*args):
        try:
            return work(*args)
        finally:
            connection.close()

    return run


@pytest.mark.django_db(transaction=True)
def test_every_acknowledged_comment_is_stored_exactly_once(token_site, article):
    site = token_site
    path = f"/api/v1/sites/{site.slug}/articles/{article.pk}/comments"
    auths = [bearer(token(site, sub=f"reader-{n}", name=f"Reader {n}")) for n in range(POSTERS)]
    for auth in auths:
        assert Client().post(f"/api/v1/sites/{site.slug}/rules/acceptance",
                             content_type=JSON, **auth).status_code == 201

    @_in_thread
    def post_many(n: int) -> list[tuple[int, str, int | None]]:
        client, answers = Client(), []
        for i in range(POSTS_EACH):
            text = f"Comment {i} from reader {n}"
            response = client.post(path, {"text": text}, content_type=JSON, **auths[n])
            answers.append((response.status_code, text,
                            response.json()["id"] if response.status_code == 201 else None))
        return answers

    with ThreadPoolExecutor(max_workers=POSTERS) as pool:
        answers = [answer for batch in pool.map(post_many, range(POSTERS)) for answer in batch]

    acknowledged = {text: pk for status, text, pk in answers if status == 201}
    assert [status for status, _, _ in answers if status != 201] == []
    stored = list(Comment.objects.filter(article=article).values_list("text", "pk"))
    assert len(stored) == len({text for text, _ in stored})  # no text twice
    assert dict(stored) == acknowledged
    assert Article.objects.get(pk=article.pk).comment_count == POSTERS * POSTS_EACH


@pytest.mark.django_db(transaction=True)
def test_a_new_readers_first_requests_at_once_make_one_account(token_site):
    site = token_site
    auth = bearer(token(site, sub="brand-new", name="Newcomer"))

    @_in_thread
    def ask(_: int) -> int:
        return Client().get(f"/api/v1/sites/{site.slug}/me", **auth).status_code

    with ThreadPoolExecutor(max_workers=POSTERS) as pool:
        statuses = list(pool.map(ask, range(POSTERS)))

    assert statuses == [200] * POSTERS
    identity = ExternalIdentity.objects.get(site=site, subject="brand-new")
    assert Subscription.objects.filter(site=site, user=identity.user).count() == 1
