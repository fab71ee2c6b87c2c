"""The per-reader request without Django's middleware stack (`belowtheline/viewer_path.py`):
it answers exactly what Django would, and leaves to Django everything it does not take."""

import json
from datetime import timedelta

import jwt
import pytest
from django.urls import reverse, set_script_prefix

from belowtheline import clock, wsgi
from belowtheline.discussion import services
from belowtheline.viewer_path import ViewerPath
from tests.test_fastpath import (
    call,
)

SECRET = "a-long-shared-secret-for-the-gazette-0123456789"


@pytest.fixture
def app(django_app) -> ViewerPath:
    return ViewerPath(django_app)


@pytest.fixture
def token(site, rules, article, other_subscriber) -> str:
    site.sso_algorithm, site.sso_secret = "HS256", SECRET
    site.save()
    services.post_comment(site=site, article=article, author=other_subscriber, text="Hello")
    now = clock.now()
    return jwt.encode(
        {"sub": "tess", "name": "Tess Token", "subscriber": True, "aud": site.slug,
         "iat": int(now.timestamp()), "exp": int((now + timedelta(hours=1)).timestamp())},
        SECRET, algorithm="HS256",
    )


def html_path(site, article) -> str:
    return reverse("thread_viewer", args=[site.slug, article.pk])


def api_path(site, article) -> str:
    return f"/api/v1/sites/{site.slug}/articles/{article.pk}/thread/viewer"


def comparable(headers: dict) -> dict:
    # Django's gzip middleware says Vary: Accept-Encoding on a body it could compress; the
    # viewer path never compresses this kilobyte of private JSON.
    return {k: v for k, v in headers.items() if k != "Vary"}


@pytest.mark.parametrize("where", ["html", "api"])
@pytest.mark.parametrize("query", ["", "sort=oldest&page=1&embed=1", "sort=loudest",
                                   "page=0"])
def test_it_answers_a_token_exactly_as_django_does_without_entering_it(
    app, django_app, site, article, token, where, query
):
    path = (html_path if where == "html" else api_path)(site, article)
    auth = {"authorization": f"Bearer {token}"}
    call(app, path, query, **auth)  # the reader's first request creates them
    django_app.calls = 0

    status, headers, body = call(app, path, query, **auth)
    assert django_app.calls == 0
    expected = call(wsgi.django_application, path, query, **auth)
    assert status == expected[0]
    assert comparable(headers) == comparable(expected[1])
    assert json.loads(body) == json.loads(expected[2])
    if status.startswith("200"):
        assert json.loads(body)[("name" if where == "html" else "viewer")]
        assert headers["Cache-Control"] == "private, no-store"
        assert headers["X-Frame-Options"] == "DENY"


def test_addresses_in_the_answer_carry_the_script_name(app, django_app, site, article, token):
    """Mounted under a prefix (SCRIPT_NAME), the box's form posts under it, as Django's."""
    def mounted(inner):
        return lambda environ, start_response: inner({**environ, "SCRIPT_NAME": "/talk"},
                                                     start_response)

    path = html_path(site, article)
    auth = {"authorization": f"Bearer {token}"}
    try:
        call(mounted(app), path, **auth)
        django_app.calls = 0
        _, _, body = call(mounted(app), path, **auth)
        assert django_app.calls == 0
        assert 'action="/talk/sites/' in json.loads(body)["box_html"]
        assert body == call(mounted(wsgi.django_application), path, **auth)[2]
    finally:
        set_script_prefix("/")  # the thread's prefix, as a request left it


@pytest.mark.parametrize("where", ["html", "api"])
def test_a_refused_token_gets_djangos_401(app, django_app, site, article, token, where):
    path = (html_path if where == "html" else api_path)(site, article)
    bad = {"authorization": f"Bearer {token[:-6]}AAAAAA", "accept": "application/json"}
    status, headers, body = call(app, path, **bad)
    assert django_app.calls == 0
    expected = call(wsgi.django_application, path, **bad)
    assert (status, json.loads(body)["code"]) == ("401 Unauthorized", "token_invalid")
    # Django's refusal leaves the middleware chain before X-Frame-Options and the CSP are
    # added; the viewer path adds them to every answer.
    extra = set(comparable(headers).items()) - set(comparable(expected[1]).items())
    assert {name for name, _ in extra} <= {"X-Frame-Options", "Content-Security-Policy"}
    assert set(comparable(expected[1]).items()) <= set(headers.items())
    assert (status, body) == (expected[0], expected[2])
    assert "invalid_token" in headers["WWW-Authenticate"]


def test_unknown_sites_and_articles_are_the_same_404s(app, django_app, site, article, token):
    auth = {"authorization": f"Bearer {token}"}
    for path in (f"/sites/{site.slug}/threads/999999/viewer",
                 f"/api/v1/sites/{site.slug}/articles/999999/thread/viewer"):
        status, _, body = call(app, path, **auth)
        assert (status, json.loads(body)["code"]) == ("404 Not Found", "article_not_found")
        assert body == call(wsgi.django_application, path, **auth)[2]
    assert django_app.calls == 0


def test_a_head_request_gets_the_headers_alone(app, django_app, site, article, token):
    status, headers, body = call(app, html_path(site, article), method="HEAD",
                                 authorization=f"Bearer {token}")
    assert (status, body, django_app.calls) == ("200 OK", b"", 0)
    assert int(headers["Content-Length"]) > 0


def test_everything_else_goes_to_django(app, django_app, site, article, token, subscriber,
                                        client):
    auth = {"authorization": f"Bearer {token}"}
    cases = [
        (html_path(site, article), "", {}),  # no credential
        (html_path(site, article), "", {"authorization": "Bearer btlk_notakey"}),  # API key
        (html_path(site, article) + "/", "", auth),  # not the address
        (reverse("thread", args=[site.slug, article.pk]), "", auth),  # the page itself
        (f"/api/v1/sites/{site.slug}/articles/0/thread/viewer", "", auth),  # ninja's 400
        (html_path(site, article), "", {**auth, "host": "evil.example"}),  # Django's 400
    ]
    for n, (path, query, headers) in enumerate(cases, start=1):
        status, _, _ = call(app, path, query, **headers)
        assert django_app.calls == n, path
    assert status.startswith("400")
    status, _, _ = call(app, html_path(site, article), method="POST", **auth)
    assert (status, django_app.calls) == ("405 Method Not Allowed", len(cases) + 1)
