"""A client that retries a post whose answer it lost gets the first comment back, never a
second one."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from belowtheline.discussion.models import Comment
from tests.api.test_bearer_tokens import SECRET, bearer, token
from tests.discussion.test_pages_actions import post_url

JSON = "application/json"


@pytest.fixture
def token_site(site, rules, settings):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "comment": "100000/60"}
    site.sso_algorithm, site.sso_secret = "HS256", SECRET
    site.save()
    return site


def _accept(client, site, auth):
    assert client.post(f"/api/v1/sites/{site.slug}/rules/acceptance", content_type=JSON,
                       **auth).status_code == 201


def test_a_retry_with_the_same_key_returns_the_first_comment(token_site, article):
    site, auth, client = token_site, bearer(token(token_site)), Client()
    _accept(client, site, auth)
    path = f"/api/v1/sites/{site.slug}/articles/{article.pk}/comments"
    key = {"HTTP_IDEMPOTENCY_KEY": "3f1c7a9e-retry-me"}
    first = client.post(path, {"text": "Said once."}, content_type=JSON, **auth, **key)
    again = client.post(path, {"text": "Said once."}, content_type=JSON, **auth, **key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert Comment.objects.filter(article=article).count() == 1

    other = client.post(path, {"text": "Something else."}, content_type=JSON, **auth, **key)
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"
    fresh = client.post(path, {"text": "Said once."}, content_type=JSON, **auth,
                        HTTP_IDEMPOTENCY_KEY="another-key")
    assert fresh.status_code == 201  # a new key is a new comment, even with the same text
    assert Comment.objects.filter(article=article).count() == 2

    bad = client.post(path, {"text": "x"}, content_type=JSON, **auth,
                      HTTP_IDEMPOTENCY_KEY="k" * 201)
    assert bad.status_code == 400
    assert bad.json()["code"] == "idempotency_key_invalid"


@pytest.mark.django_db(transaction=True)
def test_simultaneous_retries_make_one_comment(token_site, article):
    site, auth = token_site, bearer(token(token_site))
    _accept(Client(), site, auth)
    path = f"/api/v1/sites/{site.slug}/articles/{article.pk}/comments"

    def post(_: int) -> tuple[int, int]:
        try:
            answer = Client().post(path, {"text": "Only once, please."}, content_type=JSON,
                                   **auth, HTTP_IDEMPOTENCY_KEY="same-key-everywhere")
            return answer.status_code, answer.json()["id"]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(post, range(6)))
    assert {status for status, _ in answers} == {201}
    assert len({pk for _, pk in answers}) == 1
    assert Comment.objects.filter(article=article).count() == 1


def test_the_html_form_takes_the_key_too(client, site, article, subscriber):
    client.force_login(subscriber)
    for _ in range(2):
        client.post(post_url(site, article), {"text": "From the embed."},
                    HTTP_IDEMPOTENCY_KEY="form-key-1")
    assert Comment.objects.filter(article=article).count() == 1
