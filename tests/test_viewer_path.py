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


def token_for(site, sub: str, name: str) -> str:
    now = clock.now()
    return jwt.encode(
        {"sub": sub, "name": name, "subscriber": True, "aud": site.slug,
         "iat": int(now.timestamp()), "exp": int((now + timedelta(hours=1)).timestamp())},
        SECRET, algorithm="HS256",
    )


@pytest.mark.parametrize("where", ["html", "api"])
def test_a_known_subscribers_request_costs_two_queries_here(
    app, django_app, site, article, token, where, django_assert_num_queries
):
    """The site with the article, then (the token verified) the reader with their marks on
    the article and their acceptance of the rules: two round trips, where Django's stack
    asks the same selectors in four (tests/discussion/test_viewer_request.py)."""
    path = (html_path if where == "html" else api_path)(site, article)
    auth = {"authorization": f"Bearer {token}"}
    call(app, path, **auth)  # the reader's first request creates them
    call(app, path, **auth)  # and the API's shared rendering, once
    with django_assert_num_queries(2):
        status, _, body = call(app, path, **auth)
    assert status == "200 OK"
    assert django_app.calls == 0
    # The first request, before the reader existed, read what it needed (and wrote them).
    assert json.loads(body)[("name" if where == "html" else "viewer")]


def test_what_is_read_ahead_for_one_reader_never_answers_another(
    app, django_app, site, article, token, other_subscriber, moderator
):
    """Readers asking one after another on the same thread of the same process: each gets
    their own recommendations, reports and comments under review, never those read for
    the reader before them, and a reader seen for the first time is read afresh."""
    from belowtheline.accounts.models import User
    from belowtheline.moderation import services as moderation

    theirs = services.post_comment(site=site, article=article, author=other_subscriber,
                                   text="Someone else's comment")
    path = html_path(site, article)
    tess_auth = {"authorization": f"Bearer {token}"}
    call(app, path, **tess_auth)
    tess = User.objects.get(external_identity__site=site, external_identity__subject="tess")
    services.accept_rules(site=site, user=tess)
    services.recommend_comment(site=site, comment_id=theirs.pk, user=tess)
    services.report_comment(site=site, comment_id=theirs.pk, reporter=tess, reason="spam")
    held = services.post_comment(site=site, article=article, author=tess,
                                 text="Tess's words under review")
    moderation.hold_comment(site=site, actor=moderator, comment_id=held.pk)
    rob_auth = {"authorization": f"Bearer {token_for(site, 'rob', 'Rob Reader')}"}
    call(app, path, **rob_auth)  # Rob exists from here on

    for _ in range(2):
        for where in ("html", "api"):
            target = (html_path if where == "html" else api_path)(site, article)
            mine = json.loads(call(app, target, **tess_auth)[2])
            robs_status, _, robs_body = call(app, target, **rob_auth)
            robs = json.loads(robs_body)
            assert robs_status == "200 OK"
            assert "Tess" not in robs_body.decode()
            assert "under review" not in robs_body.decode()
            if where == "html":
                assert (mine["name"], mine["recommended"], mine["reported"]) == (
                    "Tess Token", [theirs.pk], [theirs.pk])
                assert [u["id"] for u in mine["unpublished"]] == [held.pk]
                assert (robs["name"], robs["recommended"], robs["reported"], robs["own"],
                        robs["unpublished"], robs["must_accept_rules"]) == (
                    "Rob Reader", [], [], [], [], True)
            else:
                assert (mine["recommended_ids"], mine["own_ids"]) == ([theirs.pk], [held.pk])
                assert mine["viewer"]["must_accept_rules"] is False
                assert (robs["recommended_ids"], robs["reported_ids"], robs["own_ids"],
                        robs["comments"], robs["viewer"]["must_accept_rules"]) == (
                    [], [], [], [], True)
    assert django_app.calls == 0
    # Nothing read ahead outlives its request.
    from belowtheline.discussion import selectors

    assert getattr(selectors._this_request, "marks", None) is None
    assert getattr(selectors._this_request, "articles", None) is None


def test_a_token_for_another_site_reads_nothing_ahead_and_is_refused_as_by_django(
    app, django_app, site, article, token, other_site, django_assert_num_queries
):
    """The read-ahead is only for a token whose audience is the address's site: a token
    for another publication gets Django's 401, the same bytes."""
    other_site.sso_algorithm, other_site.sso_secret = "HS256", SECRET
    other_site.save()
    foreign = token_for(other_site, "tess", "Tess Token")
    path = html_path(site, article)
    auth = {"authorization": f"Bearer {foreign}", "accept": "application/json"}
    status, _, body = call(app, path, **auth)
    assert (status, json.loads(body)["code"]) == ("401 Unauthorized", "token_wrong_audience")
    assert body == call(wsgi.django_application, path, **auth)[2]
    assert django_app.calls == 0
