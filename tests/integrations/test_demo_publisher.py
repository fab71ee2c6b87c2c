"""The demo publisher page signs its readers' tokens as a real publisher's server would."""

import io
from datetime import timedelta

import jwt
import pytest

from belowtheline.demo.publisher import COOKIE, PublisherSite, Story

SECRET = "a-test-secret-that-is-long-enough-for-hs256"
STORY = Story(slug="bridge", title="Council approves new bridge", standfirst="Spring.",
              body="One.\n\nTwo.", url="https://www.gazette.example/news/bridge",
              published="2026-11-24T08:00:00+00:00")


def call(app, method="GET", path="/", body=b"", cookie=""):
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, headers

    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "HTTP_HOST": "127.0.0.1:8001",
        "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
        "HTTP_COOKIE": cookie,
    }
    text = b"".join(app(environ, start_response)).decode()
    return seen["status"], dict(seen["headers"]), text


@pytest.fixture
def app():
    return PublisherSite(comments_port=8000, stories=[STORY], secret=SECRET, site_slug="demo")


def test_the_article_page_carries_the_embed_tag_for_its_canonical_url(app):
    status, _, page = call(app, path="/news/bridge")
    assert status == "200 OK"
    assert '<div id="btl-comments"></div>' in page
    assert ('<script src="http://127.0.0.1:8000/embed.js" data-site="demo" '
            'data-url="https://www.gazette.example/news/bridge"') in page
    assert "return null;" in page  # nobody signed in: no token


def test_the_list_page_asks_for_comment_counts(app):
    _, _, page = call(app)
    assert 'data-btl-count="https://www.gazette.example/news/bridge"' in page


@pytest.mark.parametrize(("as_whom", "subscriber"), [("subscriber", True), ("reader", False)])
def test_signing_in_signs_a_one_hour_hs256_token_for_the_demo_audience(app, as_whom, subscriber):
    status, headers, _ = call(app, "POST", "/sign-in",
                              f"as={as_whom}&next=/news/bridge".encode())
    token = headers["Set-Cookie"].split(";")[0].removeprefix(f"{COOKIE}=")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="demo")

    assert (status, headers["Location"]) == ("303 See Other", "/news/bridge")
    assert "HttpOnly" in headers["Set-Cookie"]
    assert claims["subscriber"] is subscriber
    assert {"sub", "name", "email", "iat", "exp"} <= claims.keys()
    assert claims["exp"] - claims["iat"] == timedelta(hours=1).total_seconds()
    _, _, page = call(app, path="/news/bridge", cookie=f"{COOKIE}={token}")
    assert f'return "{token}";' in page


def test_signing_out_forgets_the_token_and_a_foreign_next_is_ignored(app):
    status, headers, _ = call(app, "POST", "/sign-out", b"next=//evil.example/")
    assert (status, headers["Location"]) == ("303 See Other", "/")
    assert "Max-Age=0" in headers["Set-Cookie"]
