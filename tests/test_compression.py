"""Dynamic answers are compressed as the client asks: Brotli when it prefers it (browsers,
on every HTTPS request), gzip otherwise, nothing when it takes neither, and a body that was
already compressed (a cached thread) is never compressed again."""

import gzip

import brotli
import pytest
from django.test import Client

from belowtheline.compression import accepted_codings, prefers_brotli
from belowtheline.desk_path import DeskPath
from tests.test_desk_path import cookie, queue, session_of, without_tokens  # noqa: F401
from tests.test_fastpath import call

CHROME_OVER_HTTPS = "gzip, deflate, br, zstd"


@pytest.fixture
def app(django_app) -> DeskPath:
    return DeskPath(django_app)


def test_a_moderators_queue_page_comes_in_brotli_for_a_browser_that_asks(
    app, django_app, queue, moderator, comment  # noqa: F811
):
    session = cookie(session_of(moderator))
    _status, _headers, plain = call(app, queue, cookie=session)
    django_app.calls = 0

    status, headers, body = call(app, queue, cookie=session, accept_encoding=CHROME_OVER_HTTPS)

    assert django_app.calls == 0  # the desk's own path, not Django's
    assert status == "200 OK"
    assert headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in headers["Vary"]
    assert int(headers["Content-Length"]) == len(body) < len(plain) / 3
    assert without_tokens(brotli.decompress(body)) == without_tokens(plain)
    assert "Mona_K" in brotli.decompress(body).decode()


def test_django_compresses_the_same_way(queue, moderator, comment):  # noqa: F811
    client = Client(HTTP_HOST="localhost")
    client.force_login(moderator)

    plain = client.get(queue)
    br = client.get(queue, HTTP_ACCEPT_ENCODING=CHROME_OVER_HTTPS)
    zipped = client.get(queue, HTTP_ACCEPT_ENCODING="gzip, deflate")
    refused = client.get(queue, HTTP_ACCEPT_ENCODING="br;q=0, gzip")

    assert "Content-Encoding" not in plain
    assert br["Content-Encoding"] == "br"
    assert without_tokens(brotli.decompress(br.content)) == without_tokens(plain.content)
    assert zipped["Content-Encoding"] == "gzip"
    assert without_tokens(gzip.decompress(zipped.content)) == without_tokens(plain.content)
    assert refused["Content-Encoding"] == "gzip"  # Brotli refused with q=0


def test_the_api_is_compressed_too_and_a_cached_thread_is_not_compressed_twice(
    site, article, comment
):
    client = Client(HTTP_HOST="localhost")
    description = client.get("/api/v1/openapi.json", HTTP_ACCEPT_ENCODING=CHROME_OVER_HTTPS)
    assert description["Content-Encoding"] == "br"
    assert brotli.decompress(description.content).startswith(b"{")

    thread = f"/api/v1/sites/{site.slug}/articles/{article.pk}/thread"
    cached = client.get(thread, HTTP_ACCEPT_ENCODING=CHROME_OVER_HTTPS)
    assert cached["Content-Encoding"] == "gzip"  # stored gzipped, served as it is
    assert comment.text in gzip.decompress(cached.content).decode()


@pytest.mark.parametrize(("header", "brotli_first"), [
    ("gzip, deflate, br, zstd", True),
    ("br", True),
    ("gzip", False),
    ("", False),
    ("br;q=0, gzip", False),
    ("br;q=0.5, gzip;q=0.8", False),
    ("br;q=0.9, gzip;q=0.8", True),
    ("*", True),
    ("BR ; Q=1", True),
    ("br;q=nonsense, gzip", False),
    (",,;q=1, br", True),
])
def test_accept_encoding_is_read_as_rfc_9110_says(header, brotli_first):
    assert prefers_brotli(header) is brotli_first


def test_a_coding_with_q_zero_is_refused():
    assert accepted_codings("gzip;q=0, br") == {"gzip": 0.0, "br": 1.0}
