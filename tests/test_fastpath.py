"""The WSGI fast path in front of Django: what it answers from memory, and when it must
leave the answer to Django."""

import gzip
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from wsgiref.util import setup_testing_defaults

import pytest
from django.core import signals
from django.db import close_old_connections
from django.urls import reverse

from belowtheline import fastpath
from belowtheline.discussion import services, thread_cache
from belowtheline.discussion.models import Comment


@pytest.fixture
def app(django_app) -> fastpath.FastPath:
    return fastpath.FastPath(django_app)


@contextmanager
def _test_transaction_kept() -> Iterator[None]:
    """As Django's test client does: a request must not close the test's connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def call(app, path: str, query: str = "", method: str = "GET", **headers: str):
    """One WSGI request; returns (status, headers as a dict, body bytes)."""
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
        "HTTP_HOST": "localhost", "wsgi.input": BytesIO(b""),
    }
    setup_testing_defaults(environ)
    environ.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
    answer: dict = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = status, response_headers

    with _test_transaction_kept():
        chunks = app(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
    return answer["status"], dict(answer["headers"]), body


@pytest.fixture
def path(site, article) -> str:
    return reverse("thread", args=[site.slug, article.pk])


@pytest.fixture
def commented(site, article, subscriber):
    return services.post_comment(site=site, article=article, author=subscriber,
                                 text="Bridges bring people together")


def test_a_registered_fresh_entry_is_served_without_django(app, django_app, path, commented):
    status, headers, body = call(app, path)
    assert (status, django_app.calls) == ("200 OK", 1)
    for _ in range(3):
        again_status, again_headers, again = call(app, path)
        assert again_status == "200 OK"
        assert again == body
        assert again_headers["ETag"] == headers["ETag"]
    assert django_app.calls == 1
    assert b"Bridges bring people together" in body


def test_the_fast_path_answers_with_the_same_headers_as_django(app, django_app, path,
                                                               commented):
    for encoding in ("", "gzip"):
        entry = fastpath.registry.get(f"{path}?embed=1")
        if entry is not None:
            entry.confirmed_at -= 10  # so that Django answers first
        _, from_django, body = call(app, path, "embed=1", accept_encoding=encoding)
        _, from_memory, again = call(app, path, "embed=1", accept_encoding=encoding)
        assert from_memory == from_django
        assert again == body
    assert django_app.calls == 2
    assert "X-Frame-Options" not in from_memory
    assert "; frame-ancestors 'self'" in from_memory["Content-Security-Policy"]


def test_304_gzip_and_head_from_memory(app, django_app, path, commented):
    _, headers, body = call(app, path)
    status, not_modified, nothing = call(app, path, if_none_match=headers["ETag"])
    assert (status, nothing) == ("304 Not Modified", b"")
    assert not_modified["ETag"] == headers["ETag"]
    _, zipped_headers, zipped = call(app, path, accept_encoding="gzip, br")
    assert zipped_headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped) == body
    head_status, head_headers, head_body = call(app, path, method="HEAD")
    assert (head_status, head_body) == ("200 OK", b"")
    assert head_headers["Content-Length"] == str(len(body))
    assert django_app.calls == 1


def test_a_stale_entry_goes_to_django_which_confirms_it_again(
    app, django_app, path, commented
):
    call(app, path)
    fastpath.registry.get(path).confirmed_at -= 10  # the freshness window has passed
    call(app, path)
    assert django_app.calls == 2
    call(app, path)  # confirmed again by that request
    assert django_app.calls == 2


def test_while_one_request_confirms_a_stale_entry_the_others_are_answered_from_memory(
    app, django_app, path, commented, settings
):
    settings.BTL_THREAD_FRESHNESS = 0.5
    call(app, path)
    entry = fastpath.registry.get(path)
    entry.confirmed_at -= 0.6  # just stale
    entry.revalidating_since = entry.confirmed_at + 0.55  # another request is at Django
    call(app, path)
    assert django_app.calls == 1
    entry.confirmed_at -= 0.5  # and that went on too long: Django answers
    call(app, path)
    assert django_app.calls == 2


def test_a_just_stale_entry_is_served_and_confirmed_in_the_background(site, article):
    """The reader who finds it stale is answered from memory; Django is asked once, as a
    reader who is not signed in, without that reader's cookie, token or validators."""
    import threading  # noqa: PLC0415

    asked: list[dict] = []
    done = threading.Event()

    def django_stand_in(environ, start_response):
        asked.append(environ)
        start_response("200 OK", [])
        done.set()
        return [b""]

    cached = thread_cache.cached_rendering(
        site=site, article=article, variant="bg",
        render=lambda: thread_cache.Rendering(b"<p>shared</p>", "text/html"),
    )
    fastpath.registry.register(
        "/bg", site_id=site.pk, article_id=article.pk, audience=fastpath.ANONYMOUS,
        etag=cached.etag, body=cached.body, gzipped=cached.gzipped,
        headers=cached.headers_for, framed=False,
    )
    fastpath.registry.get("/bg").confirmed_at -= fastpath.freshness() * 1.2
    app = fastpath.FastPath(django_stand_in)
    first = call(app, "/bg", cookie="theme=dark", if_none_match='"old"')
    second = call(app, "/bg")
    assert first[2] == second[2] == b"<p>shared</p>"
    assert done.wait(10)
    assert len(asked) == 1
    assert asked[0]["PATH_INFO"] == "/bg"
    assert "HTTP_COOKIE" not in asked[0]
    assert "HTTP_IF_NONE_MATCH" not in asked[0]


def test_a_freshness_of_zero_turns_the_fast_path_off(app, django_app, path, commented,
                                                     settings):
    settings.BTL_THREAD_FRESHNESS = 0
    for _ in range(3):
        call(app, path)
    assert django_app.calls == 3


def test_a_new_comment_from_another_process_shows_after_the_freshness_window(
    app, django_app, path, site, article, subscriber, commented
):
    call(app, path)
    # Posted elsewhere: this process's memory is not told (no on_commit here), only the
    # database's thread version moves.
    services.post_comment(site=site, article=article, author=subscriber, text="Late news")
    assert b"Late news" not in call(app, path)[2]  # still inside the window
    fastpath.registry.get(path).confirmed_at -= 10
    assert b"Late news" in call(app, path)[2]


def test_a_change_in_this_process_is_served_at_once(
    app, django_app, path, site, article, subscriber, commented,
    django_capture_on_commit_callbacks,
):
    call(app, path)
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_own_comment(site=site, comment_id=commented.pk, author=subscriber,
                                  text="Now!")
    assert fastpath.registry.get(path) is None
    assert b"Now!" in call(app, path)[2]


def test_a_new_comment_is_shown_here_within_the_freshness_window_as_everywhere(
    app, django_app, path, site, article, subscriber, commented,
    django_capture_on_commit_callbacks,
):
    """A hot thread takes posts many times a second: this process does not render it
    once per post, it renews its copy within the window like every other process."""
    call(app, path)
    with django_capture_on_commit_callbacks(execute=True):
        services.post_comment(site=site, article=article, author=subscriber, text="Now!")
    entry = fastpath.registry.get(path)
    assert entry is not None
    assert b"Now!" not in call(app, path)[2]  # within the window: the copy
    entry.confirmed_at -= 2 * fastpath.freshness()  # the window has passed
    assert b"Now!" in call(app, path)[2]


@pytest.mark.parametrize(
    "personal",
    [
        {"cookie": "sessionid=abc123"},
        {"cookie": "theme=dark; messages=xyz"},
        {"authorization": "Bearer not-a-real-token"},
    ],
)
def test_an_anonymous_entry_is_not_served_to_a_request_that_may_be_someones(
    app, django_app, path, commented, personal
):
    call(app, path)
    call(app, path, **personal)
    assert django_app.calls == 2


def test_other_cookies_still_get_the_shared_body(app, django_app, path, commented):
    call(app, path)
    call(app, path, cookie="csrftoken=abc; theme=dark")
    assert django_app.calls == 1


def test_an_everyone_entry_is_served_with_a_token_too(app, django_app, site, article):
    article.refresh_from_db()
    cached = thread_cache.cached_rendering(
        site=site, article=article, variant="test",
        render=lambda: thread_cache.Rendering(b'{"comments": []}', "application/json"),
    )
    fastpath.registry.register(
        "/api/test", site_id=site.pk, article_id=article.pk, audience=fastpath.EVERYONE,
        etag=cached.etag, body=cached.body, gzipped=cached.gzipped,
        headers=cached.headers_for, framed=False,
    )
    status, headers, body = call(app, "/api/test", authorization="Bearer x")
    assert (status, body, headers["Content-Type"]) == ("200 OK", b'{"comments": []}',
                                                       "application/json")
    assert django_app.calls == 0


def test_the_exact_address_is_the_key(app, django_app, path, commented):
    call(app, path, "embed=1")
    call(app, path, "embed=1")
    call(app, path, "embed=1&utm_source=x")
    call(app, path)
    assert django_app.calls == 3


def test_posts_and_unknown_addresses_go_to_django(app, django_app, path, commented):
    call(app, path)
    call(app, path, method="POST")
    call(app, path + "nope/")
    assert django_app.calls == 3


def test_a_host_django_would_refuse_is_refused_by_django(app, django_app, path, commented):
    call(app, path)
    status, _, _ = call(app, path, host="evil.example")
    assert status.startswith("400")
    assert django_app.calls == 2


def test_signed_in_readers_pages_are_never_registered(app, client, subscriber, path,
                                                      commented):
    client.force_login(subscriber)
    client.get(path)
    assert fastpath.registry.get(path) is None


def test_the_fast_paths_memory_is_bounded():
    registry = fastpath.Registry(max_bytes=3 * 10_000)
    headers = fastpath.representation(
        etag='"x"', content_type="text/html", plain_length=8_000, gzipped_length=1_000,
        cache_control="public", vary="Accept-Encoding", extra=(),
    )
    for n in range(10):
        registry.register(f"/t/{n}", site_id=1, article_id=n, audience=fastpath.ANONYMOUS,
                          etag=f'"{n}"', body=b"x" * 8_000, gzipped=b"y" * 1_000,
                          headers=headers, framed=False)
    assert registry.bytes <= 30_000
    assert list(registry.entries) == ["/t/7", "/t/8", "/t/9"]  # the least recent went first
    registry.forget_article(1, 8)
    assert list(registry.entries) == ["/t/7", "/t/9"]


@pytest.mark.parametrize(
    ("header", "gzip_ok"),
    [("gzip", True), ("gzip, deflate, br", True), ("br", False), ("", False),
     ("gzip;q=0", False), ("*", True), ("identity, *;q=0", False), ("GZIP;q=0.5", True)],
)
def test_accept_encoding_is_read_as_http_says(header, gzip_ok):
    assert fastpath.accepts_gzip(header) is gzip_ok


def test_a_held_comment_leaves_the_memory_with_its_thread(
    app, path, site, commented, moderator, django_capture_on_commit_callbacks
):
    from belowtheline.moderation import services as moderation

    call(app, path)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.hold_comment(site=site, actor=moderator, comment_id=commented.pk)
    body = call(app, path)[2]
    assert b"Bridges bring people together" not in body
    assert Comment.objects.get(pk=commented.pk).status == Comment.Status.HELD


def test_behind_tls_the_fast_path_serves_https_requests_with_hsts_and_leaves_http_to_django(
        app, django_app, path, commented, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    status, from_django, body = call(app, path, x_forwarded_proto="https")
    assert status == "200 OK"
    calls = django_app.calls
    again_status, from_memory, again = call(app, path, x_forwarded_proto="https")
    assert (again_status, again) == ("200 OK", body)
    assert django_app.calls == calls  # served from memory, as without TLS
    assert from_memory["Strict-Transport-Security"] == "max-age=3600; includeSubDomains"
    # Django's SecurityMiddleware read its HSTS setting when the test's handler was built,
    # before this test turned it on; the rest is the same answer
    from_memory.pop("Strict-Transport-Security")
    from_django.pop("Strict-Transport-Security", None)
    assert from_memory == from_django

    # plain HTTP: never the page from memory; Django answers (in production, its redirect)
    before = django_app.calls
    call(app, path, x_forwarded_proto="http")
    assert django_app.calls == before + 1
