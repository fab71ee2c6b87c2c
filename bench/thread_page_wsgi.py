"""How fast the HTML thread page answers, through the WSGI application as production runs it.

Run:  .venv/bin/python bench/thread_page_wsgi.py [CALLS]      (default 2000)

Builds a 3,000-comment thread (bulk inserts; a first page of 112 comments, about 110 KB,
as in issue 7) in a throwaway SQLite database, then times in-process calls of
`belowtheline.wsgi.application` (the fast path in front of Django) and of Django alone:

- the serving limit: the same bytes from a minimal WSGI callable;
- the anonymous page from the fast path (plain, gzip, and a 304 revalidation);
- the same through Django with the rendering cached (what a request costs when the fast
  path's entry has gone stale: the version queries, the cache lookup, middleware);
- the same rendered on every call (the thread cache emptied each time): what every
  anonymous request cost before the cache;
- a subscriber in the embed: the shared page plus the viewer JSON with their token, and
  their own full page (as a signed-in reader of the page without the embed gets it), from
  comments rendered once and shared (`discussion/fragments.py`), and with none kept.

No HTTP: `make bench` (wrk against `btl serve`) gives the figures over the wire. Prints
req/s, median and p99 ms per case, and the bytes answered.
"""

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

os.environ.setdefault("BTL_VAR_DIR", tempfile.mkdtemp(prefix="btl-bench-page-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "belowtheline.settings")

import django  # noqa: E402

django.setup()

import jwt  # noqa: E402
import wsgi_driver  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from wsgi_driver import Environ, environ  # noqa: E402

from belowtheline import clock  # noqa: E402
from belowtheline.accounts.models import Subscription, User  # noqa: E402
from belowtheline.discussion import fragments, services, thread_cache  # noqa: E402
from belowtheline.discussion.models import Article, Comment, Rule, RulesVersion  # noqa: E402
from belowtheline.sites.models import Site  # noqa: E402
from belowtheline.wsgi import application, django_application  # noqa: E402

SECRET = "bench-shared-secret-0123456789abcdef-0123456789"
ORIGIN = "https://bench.example"
SIZE = 3000
TOP_LEVEL = 1340  # the rest are replies: 112 comments on the first page
WORDS = "words " * 80

WsgiApp = Callable[[Environ, Callable[..., Any]], Iterable[bytes]]


def build(site: Site) -> Article:
    """A hot thread, written in bulk: the services would take minutes for 3,000 posts."""
    authors = []
    for i in range(20):
        user = User.objects.create_user(username=f"bench-{i}", password=None,
                                        display_name=f"Reader {i}")
        Subscription.objects.create(site=site, user=user)
        services.accept_rules(site=site, user=user)
        authors.append(user)
    article = Article.objects.create(site=site, canonical_url=f"{ORIGIN}/hot", title="Hot")
    start = clock.now() - timedelta(days=1)
    tops = Comment.objects.bulk_create(
        Comment(site=site, article=article, author=authors[n % 20],
                text=f"Comment {n} " + WORDS, created_at=start + timedelta(seconds=n))
        for n in range(TOP_LEVEL)
    )
    parents = [tops[-1 - n % 50] for n in range(62)] + [
        tops[-51 - n % (TOP_LEVEL - 50)] for n in range(SIZE - TOP_LEVEL - 62)
    ]
    Comment.objects.bulk_create(
        Comment(site=site, article=article, author=authors[(n + 7) % 20],
                parent=parent, thread_root=parent, text=f"Reply {n} " + WORDS,
                created_at=start + timedelta(seconds=TOP_LEVEL + n))
        for n, parent in enumerate(parents)
    )
    Article.objects.filter(pk=article.pk).update(comment_count=SIZE)
    return article


def call(app: WsgiApp, env: Environ) -> tuple[str, bytes]:
    status, _headers, body = wsgi_driver.call(app, env)
    return status, body


def timed(name: str, calls: int, requests: list[tuple[WsgiApp, Environ]],
          before_each: Callable[[], None] | None = None, status: str = "200") -> None:
    for app, env in requests:  # warm up, and check the answer
        got, body = call(app, env)
        assert got.startswith(status), (name, got, body[:300])
    timings = []
    began = time.perf_counter()
    for _ in range(calls):
        if before_each is not None:
            before_each()
        one = time.perf_counter()
        for app, env in requests:
            call(app, env)
        timings.append((time.perf_counter() - one) * 1000)
    elapsed = time.perf_counter() - began
    p99 = statistics.quantiles(timings, n=100)[-1] if calls >= 2 else timings[0]
    size = sum(len(call(app, env)[1]) for app, env in requests)
    print(f"{name:<46} {calls / elapsed:>9.1f} {statistics.median(timings):>9.3f} "
          f"{p99:>9.3f} {size / 1000:>8.1f}", flush=True)


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    call_command("migrate", verbosity=0)
    site = Site.objects.create(slug="bench", name="Bench", sso_algorithm="HS256",
                               sso_secret=SECRET, allowed_origins=ORIGIN)
    rules = RulesVersion.objects.create(site=site, number=1, published_at=clock.now())
    Rule.objects.create(site=site, rules_version=rules, number=1, title="Be civil", text=".")
    article = build(site)
    now = clock.now()
    token = jwt.encode({"sub": "bench-token", "name": "Token Tess", "subscriber": True,
                        "aud": site.slug, "iat": int(now.timestamp()),
                        "exp": int((now + timedelta(hours=6)).timestamp())},
                       SECRET, algorithm="HS256")
    auth = {"authorization": f"Bearer {token}"}
    page = f"/sites/{site.slug}/threads/{article.pk}/"
    viewer = f"{page}viewer"
    _, body = call(application, environ(page))
    call(application, environ(page, "embed=1", **auth))  # the token's reader now exists
    reader = User.objects.get(external_identity__subject="bench-token")
    services.accept_rules(site=site, user=reader)
    etag = _headers(application, environ(page))["ETag"]

    def limit(env: Environ, start_response: Callable[..., Any]) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                  ("Content-Length", str(len(body)))])
        return [body]

    comments = body.count(b'class="comment ')
    print(f"first page: {len(body) / 1000:.1f} KB, {comments} comments")
    print(f"{'case':<46} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'KB':>8}")
    timed("limit: same bytes, minimal WSGI app", calls * 5, [(limit, environ(page))])
    timed("anonymous page, fast path", calls * 5, [(application, environ(page))])
    timed("anonymous page, fast path, gzip", calls * 5,
          [(application, environ(page, accept_encoding="gzip"))])
    timed("anonymous page, fast path, 304", calls * 5,
          [(application, environ(page, if_none_match=etag))], status="304")
    timed("anonymous embed, fast path", calls * 5, [(application, environ(page, "embed=1"))])
    timed("anonymous page, Django, rendering cached", calls,
          [(django_application, environ(page))])
    timed("anonymous page, rendered every time (before)", max(10, calls // 100),
          [(django_application, environ(page))], before_each=forget_renderings)
    timed("viewer JSON alone, subscriber (bearer)", calls,
          [(application, environ(viewer, "embed=1", **auth))])
    timed("subscriber in the embed: shared page + viewer", calls,
          [(application, environ(page, "embed=1")),
           (application, environ(viewer, "embed=1", **auth))])
    timed("subscriber, full page for them (comments shared)", max(10, calls // 20),
          [(application, environ(page, "embed=1", **auth))])
    timed("subscriber, full page, nothing kept (before)", max(10, calls // 100),
          [(application, environ(page, "embed=1", **auth))], before_each=fragments.clear)


def forget_renderings() -> None:
    """Both levels: this process's memory and the shared cache (else L2 would answer)."""
    cache.clear()
    thread_cache.clear()


def _headers(app: WsgiApp, env: Environ) -> dict[str, str]:
    return dict(wsgi_driver.call(app, env)[1])


if __name__ == "__main__":
    main()
