"""How fast the JSON thread API answers, through the WSGI application as production runs it.

Run:  .venv/bin/python bench/thread_api_wsgi.py [CALLS]      (default 300)
Builds a 3,000-comment thread (bulk inserts) in a throwaway SQLite database, then times
CALLS calls of `belowtheline.wsgi.application` for: the anonymous first page (hot), the
same as a subscriber with a bearer token (the full document; the per-reader
`thread/viewer` call alone; the shared body plus that call, as an app that overlays them
makes), and the 30-article counts call. In-process calls, no HTTP: `make bench` (wrk
against `btl serve`) gives the figures over the wire. The "limit" line is the
same bytes from a minimal WSGI callable, the ceiling any Python app could reach here.
Prints req/s and median / p99 ms per case, and the body size.
"""

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

os.environ.setdefault("BTL_VAR_DIR", tempfile.mkdtemp(prefix="btl-bench-api-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "belowtheline.settings")

import django  # noqa: E402

django.setup()

import jwt  # noqa: E402
import wsgi_driver  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from wsgi_driver import Environ  # noqa: E402

from belowtheline import clock  # noqa: E402
from belowtheline.accounts.models import Subscription, User  # noqa: E402
from belowtheline.discussion import services  # noqa: E402
from belowtheline.discussion.models import Article, Comment, Rule, RulesVersion  # noqa: E402
from belowtheline.sites.models import Site  # noqa: E402
from belowtheline.wsgi import application  # noqa: E402

SECRET = "bench-shared-secret-0123456789abcdef-0123456789"
ORIGIN = "https://bench.example"
SIZE = 3000
TOP_LEVEL = 1340  # the rest are replies: 112 comments on the first page, as in issue 7
WORDS = "words " * 80  # about 100 KB for the first page

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
    # 62 replies under the newest 50 top-level comments (the first page), the rest spread
    # over the older ones.
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
    for n in range(29):
        Article.objects.create(site=site, canonical_url=f"{ORIGIN}/{n}", title=f"Story {n}",
                               comment_count=n)
    return article


def environ(path: str, query: str = "", **headers: str) -> Environ:
    """Uncompressed unless asked: the figures are for the bytes as they are."""
    return wsgi_driver.environ(path, query, **{"accept_encoding": "identity", **headers})


def call(app: WsgiApp, env: Environ) -> tuple[str, bytes]:
    status, _headers, body = wsgi_driver.call(app, env)
    return status, body


def timed(name: str, calls: int, requests: list[tuple[WsgiApp, Environ]]) -> None:
    for app, env in requests:  # warm up, and check the answer is a success
        status, body = call(app, env)
        assert status.startswith("200"), (name, status, body[:300])
    timings = []
    began = time.perf_counter()
    for _ in range(calls):
        one = time.perf_counter()
        for app, env in requests:
            call(app, env)
        timings.append((time.perf_counter() - one) * 1000)
    elapsed = time.perf_counter() - began
    p99 = statistics.quantiles(timings, n=100)[-1] if calls >= 2 else timings[0]
    size = sum(len(call(app, env)[1]) for app, env in requests)
    print(f"{name:<42} {calls / elapsed:>9.1f} {statistics.median(timings):>9.2f} "
          f"{p99:>9.2f} {size / 1000:>8.1f}")


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 300
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
    base = f"/api/v1/sites/{site.slug}"
    thread = f"{base}/articles/{article.pk}/thread"
    _, body = call(application, environ(thread))
    freshness = settings.BTL_THREAD_FRESHNESS
    # The token's reader exists from their first read; they have accepted the rules.
    call(application, environ(thread, **auth))
    reader = User.objects.get(external_identity__subject="bench-token")
    services.accept_rules(site=site, user=reader)

    def limit(env: Environ, start_response: Callable[..., Any]) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(body)))])
        return [body]

    counts = "&".join(f"url={ORIGIN}/{n}" for n in range(29)) + f"&url={ORIGIN}/hot"
    viewer = f"{thread}/viewer"
    has_viewer = call(application, environ(viewer, **auth))[0].startswith("200")
    print(f"{'case':<42} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'KB':>8}")
    timed("limit: same bytes, minimal WSGI app", calls * 10, [(limit, environ(thread))])
    timed("thread, anonymous", calls, [(application, environ(thread))])
    # Past the fast path's freshness window every process asks Django once: the cached
    # rendering's cost through the whole stack (version check, ETag, headers).
    settings.BTL_THREAD_FRESHNESS = 0
    timed("thread, anonymous, through Django (cached)", calls,
          [(application, environ(thread))])
    settings.BTL_THREAD_FRESHNESS = freshness
    timed("thread, subscriber (bearer)", calls, [(application, environ(thread, **auth))])
    if has_viewer:
        timed("thread/viewer alone, subscriber (bearer)", calls,
              [(application, environ(viewer, **auth))])
        timed("thread, subscriber: shared body + viewer", calls,
              [(application, environ(thread)), (application, environ(viewer, **auth))])
    timed("counts, 30 articles", calls, [(application, environ(
        f"/embed/{site.slug}/counts", counts, origin=ORIGIN))])


if __name__ == "__main__":
    main()
