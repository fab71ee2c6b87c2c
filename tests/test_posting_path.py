"""A token's new comment through the API without Django's middleware stack
(`belowtheline/posting_path.py`): it answers exactly what Django would, posts each comment
once, and leaves to Django everything it does not take."""

import gzip
import json
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from wsgiref.util import setup_testing_defaults

import pytest
from django.db import connection

from belowtheline import wsgi
from belowtheline.accounts.models import User
from belowtheline.discussion import services
from belowtheline.discussion.models import Article, Comment
from belowtheline.posting_path import PostingPath
from tests.api.test_bearer_tokens import SECRET, token
from tests.test_fastpath import _test_transaction_kept


@pytest.fixture
def app(django_app) -> PostingPath:
    return PostingPath(django_app)


@pytest.fixture
def sso_site(site, rules, settings):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "comment": "1000/60"}
    site.sso_algorithm, site.sso_secret = "HS256", SECRET
    site.save()
    return site


def post(app, path: str, body: bytes | dict, content_type: str = "application/json",
         **headers: str):
    """One WSGI POST; returns (status, headers as a dict, body bytes)."""
    raw = json.dumps(body).encode() if isinstance(body, dict) else body
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": "",
        "HTTP_HOST": "localhost", "wsgi.input": BytesIO(raw), "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(raw)),
    }
    setup_testing_defaults(environ)
    environ.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
    answer: dict = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = status, response_headers

    with _test_transaction_kept():
        chunks = app(environ, start_response)
        try:
            content = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
    return answer["status"], dict(answer["headers"]), content


def comments_path(site, article_id) -> str:
    return f"/api/v1/sites/{site.slug}/articles/{article_id}/comments"


def reader(site, sub: str = "tess") -> dict[str, str]:
    """A token reader who exists and has accepted the rules, as after their first visit."""
    auth = {"authorization": f"Bearer {token(site, sub=sub, name='Token Tess')}"}
    post(wsgi.django_application, comments_path(site, 1), {"text": "x"}, **auth)
    services.accept_rules(site=site, user=User.objects.get(external_identity__subject=sub))
    return auth


def without_id(content: bytes) -> dict:
    answer = json.loads(content)
    return {k: v for k, v in answer.items() if k not in ("id", "created_at")}


def test_a_post_is_answered_as_django_answers_it_without_entering_it(
    app, django_app, sso_site, article
):
    auth = reader(sso_site)
    path = comments_path(sso_site, article.pk)

    status, headers, content = post(app, path, {"text": "First"}, **auth)
    assert django_app.calls == 0
    expected = post(wsgi.django_application, path, {"text": "First"}, **auth)
    assert status == expected[0] == "201 Created"
    assert without_id(content) == without_id(expected[2])
    assert {k: v for k, v in headers.items() if k != "Content-Length"} == {
        k: v for k, v in expected[1].items() if k != "Content-Length"}
    assert list(Comment.objects.filter(article=article).values_list("text", flat=True)) == [
        "First", "First"]
    assert Article.objects.get(pk=article.pk).comment_count == 2


def test_a_browser_that_takes_gzip_gets_it_compressed_as_django_compresses_it(
    app, django_app, sso_site, article
):
    auth = {**reader(sso_site), "accept_encoding": "gzip"}
    path = comments_path(sso_site, article.pk)
    status, headers, content = post(app, path, {"text": "Zipped " * 50}, **auth)
    expected = post(wsgi.django_application, path, {"text": "Zipped " * 50}, **auth)
    assert django_app.calls == 0
    assert status == expected[0] == "201 Created"
    assert headers["Content-Encoding"] == expected[1]["Content-Encoding"] == "gzip"
    assert headers["Vary"] == expected[1]["Vary"]
    assert without_id(gzip.decompress(content)) == without_id(gzip.decompress(expected[2]))


@pytest.mark.parametrize("case", ["rules_not_accepted", "article_not_found", "article_closed",
                                  "bad_token", "rate_limited", "text_empty",
                                  "parent_not_found"])
def test_every_refusal_is_the_same_as_djangos_and_stores_nothing(
    app, django_app, sso_site, article, case, settings
):
    auth = reader(sso_site)
    path = comments_path(sso_site, article.pk)
    body: dict = {"text": "Refused"}
    if case == "rules_not_accepted":
        auth = {"authorization": f"Bearer {token(sso_site, sub='new', name='New Reader')}"}
    elif case == "article_not_found":
        path = comments_path(sso_site, article.pk + 1000)
    elif case == "article_closed":
        Article.objects.filter(pk=article.pk).update(comment_mode=Article.CommentMode.CLOSED)
    elif case == "bad_token":
        auth = {"authorization": "Bearer not.a.token"}
    elif case == "rate_limited":
        settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "comment": "0/60"}
    elif case == "text_empty":
        body = {"text": "   "}
    elif case == "parent_not_found":
        body = {"text": "A reply", "parent_id": 987654}
    before = Comment.objects.count()

    status, headers, content = post(app, path, body, **auth)
    assert django_app.calls == 0
    expected = post(wsgi.django_application, path, body, **auth)
    assert status == expected[0]
    assert status.startswith("4")
    assert content == expected[2]
    # Retry-After counts down to the window's end: the two answers may straddle a second
    assert ("Retry-After" in headers) == ("Retry-After" in expected[1])
    headers.pop("Retry-After", None)
    expected[1].pop("Retry-After", None)
    assert headers == expected[1]
    assert Comment.objects.count() == before


@pytest.mark.parametrize("case", ["not_json", "not_an_object", "no_text", "id_as_text",
                                  "form", "api_key", "no_token", "session", "id_too_big"])
def test_what_it_does_not_take_goes_to_django_with_its_body(
    app, django_app, sso_site, article, case
):
    auth = reader(sso_site)
    path = comments_path(sso_site, article.pk)
    body: bytes | dict = {"text": "Through Django"}
    content_type = "application/json"
    if case == "not_json":
        body = b"{not json"
    elif case == "not_an_object":
        body = b'["a list"]'
    elif case == "no_text":
        body = {"parent_id": None}
    elif case == "id_as_text":  # JSON has types: "5" is not an id
        body = {"text": "Hello", "parent_id": "5"}
    elif case == "form":
        body, content_type = b"text=Hello", "application/x-www-form-urlencoded"
    elif case == "api_key":
        auth = {"authorization": "Bearer btlk_not-a-real-key"}
    elif case == "no_token":
        auth = {}
    elif case == "session":
        auth = {"cookie": "sessionid=nothing"}
    elif case == "id_too_big":
        path = comments_path(sso_site, 10**30)

    status, headers, content = post(app, path, body, content_type, **auth)
    assert django_app.calls == 1
    expected = post(wsgi.django_application, path, body, content_type, **auth)
    assert (status, content) == (expected[0], expected[2])


@pytest.mark.django_db(transaction=True)
def test_posts_at_once_through_the_production_app_are_each_stored_once(sso_site, article):
    site = sso_site
    auths = [reader(site, sub=f"reader-{n}") for n in range(6)]
    path = comments_path(site, article.pk)

    def post_many(n: int) -> list[tuple[str, str, int | None]]:
        answers = []
        try:
            for i in range(15):
                text = f"Comment {i} from reader {n}"
                status, _, content = post(wsgi.application, path, {"text": text}, **auths[n])
                answers.append((status, text, json.loads(content).get("id")))
        finally:
            connection.close()
        return answers

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = [a for batch in pool.map(post_many, range(6)) for a in batch]
    assert {status for status, _, _ in answers} == {"201 Created"}
    stored = dict(Comment.objects.filter(article=article).values_list("text", "pk"))
    assert stored == {text: pk for _, text, pk in answers}
    assert Article.objects.get(pk=article.pk).comment_count == 6 * 15


def test_the_posting_path_honours_the_idempotency_key(app, django_app, sso_site, article):
    auth = reader(sso_site)
    path = comments_path(sso_site, article.pk)
    answers = [post(app, path, {"text": "Once through the thin path."}, **auth,
                    idempotency_key="thin-path-key") for _ in range(2)]
    assert [status for status, _, _ in answers] == ["201 Created"] * 2
    assert json.loads(answers[0][2])["id"] == json.loads(answers[1][2])["id"]
    assert Comment.objects.filter(article=article).count() == 1


def test_a_post_reads_the_site_and_its_article_in_one_round_trip(app, sso_site, article):
    """The poster's wait is mostly round trips to the database: the site and the article
    come in one query, and neither is read again by the authentication or the endpoint."""
    from django.test.utils import CaptureQueriesContext

    auth = reader(sso_site)
    path = comments_path(sso_site, article.pk)
    post(app, path, {"text": "warm"}, **auth)  # the rules acceptance is then remembered

    with CaptureQueriesContext(connection) as queries:
        status, _headers, _content = post(app, path, {"text": "Counted"}, **auth)

    assert status == "201 Created"
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    site_reads = [sql for sql in reads if '"btl_sites_site"' in sql or "btl_sites_site " in sql]
    assert len(site_reads) == 1, reads
    assert "discussion_article" in site_reads[0]  # the article came with it
    assert not [sql for sql in reads if sql is not site_reads[0]
                and 'FROM "discussion_article"' in sql], reads
    assert Comment.objects.filter(article=article, text="Counted").count() == 1
