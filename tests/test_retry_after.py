"""Every refusal by a rate limit says when to try again, whichever way the write came."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.api.test_bearer_tokens import SECRET, bearer, token
from tests.discussion.test_pages_actions import post_url


@pytest.fixture
def tight(settings):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "comment": "2/60",
                                "signup": "1/3600", "login": "1/300"}


def _waits(response, window: int) -> int:
    seconds = int(response["Retry-After"])
    assert 1 <= seconds <= window
    return seconds


def test_a_token_post_past_the_limit_says_when(tight, site, rules, article):
    site.sso_algorithm, site.sso_secret = "HS256", SECRET
    site.save()
    auth = bearer(token(site))
    client = Client()
    assert client.post(f"/api/v1/sites/{site.slug}/rules/acceptance",
                       content_type="application/json", **auth).status_code == 201
    path = f"/api/v1/sites/{site.slug}/articles/{article.pk}/comments"
    answers = [client.post(path, {"text": f"Comment {n}"}, content_type="application/json",
                           **auth) for n in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 429]
    assert answers[2].json()["code"] == "rate_limited"
    _waits(answers[2], 60)


def test_the_html_form_past_the_limit_says_when(tight, client, site, article, subscriber):
    client.force_login(subscriber)
    answers = [client.post(post_url(site, article), {"text": f"Comment {n}"})
               for n in range(3)]
    assert answers[2].status_code == 429
    _waits(answers[2], 60)


def test_sign_up_past_the_limit_is_a_429_with_the_form_and_when(tight, db):
    def sign_up(n: int):
        return Client().post(reverse("signup"), {
            "username": f"newreader{n}", "display_name": "", "email": f"n{n}@example.org",
            "password": "a-long-and-unusual-passphrase",
            "password_again": "a-long-and-unusual-passphrase"})

    assert sign_up(1).status_code == 303
    refused = sign_up(2)
    assert refused.status_code == 429
    assert "Too many" in refused.content.decode()
    assert 'name="username"' in refused.content.decode()  # the form again, to retry
    _waits(refused, 3600)


def test_sign_in_past_the_limit_says_when(tight, subscriber):
    client = Client()
    for _ in range(2):
        answer = client.post(reverse("login"), {"username": "sam", "password": "wrong"})
    assert answer.status_code == 429
    _waits(answer, 300)
