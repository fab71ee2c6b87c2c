"""What one posted comment costs, through the WSGI application as production runs it.

Run:  .venv/bin/python bench/post_wsgi.py [POSTS] [--profile] [--sort cumulative|tottime]
(default 500 posts; --queries prints one post's statements). Builds a throwaway SQLite
database (WAL, synchronous=NORMAL, one persistent connection, as `btl serve` opens it)
with one site, published rules, the default cover schedule, 1,000 token subscribers known
in advance with exactly their tokens' claims and who have accepted the rules, and a hot
article; then POSTs POSTS comments to `/api/v1/sites/bench/articles/<id>/comments` with
`Authorization: Bearer <token>`, one subscriber after another, as bench case (f) does.
In-process calls, no HTTP, one thread: CPU milliseconds per post, which is what sets the
posting rate once every core is busy. `make bench` (wrk against `btl serve`) gives the
figures over the wire.

Prints posts/s, median and p99 ms, queries per post, and checks that every post is
stored exactly once. With --profile, the cProfile of the timed posts (top 45 lines).
With --targets FILE it only builds the database (in BTL_VAR_DIR) and writes wrk's targets
for bench/wrk/post.lua, to post over the wire to `btl serve` on that database.
"""

import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from io import BytesIO
from typing import Any

os.environ.setdefault("BTL_VAR_DIR", tempfile.mkdtemp(prefix="btl-bench-post-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "belowtheline.settings")
os.environ.setdefault("BTL_DB_CONN_MAX_AGE", "60")  # as `btl serve` sets it
os.environ.setdefault("BTL_RATE_COMMENT", "1000000/60")  # as `make bench` runs ours

import django  # noqa: E402

django.setup()

import jwt  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402

from belowtheline import clock  # noqa: E402
from belowtheline.accounts.models import ExternalIdentity, Subscription, User  # noqa: E402
from belowtheline.discussion.models import (  # noqa: E402
    Article,
    Comment,
    Rule,
    RulesAcceptance,
    RulesVersion,
)
from belowtheline.sites.models import Site  # noqa: E402
from belowtheline.sites.services import seed_default_cover  # noqa: E402
from belowtheline.wsgi import application  # noqa: E402

SECRET = "bench-shared-secret-0123456789abcdef-0123456789"
SUBSCRIBERS = 1000

Environ = dict[str, Any]


def build() -> tuple[Site, Article, list[str]]:
    now = clock.now()
    site = Site.objects.create(slug="bench", name="Bench", sso_algorithm="HS256",
                               sso_secret=SECRET, allowed_origins="https://bench.example")
    seed_default_cover(site=site)
    rules = RulesVersion.objects.create(site=site, number=1,
                                        published_at=now - timedelta(days=30))
    Rule.objects.create(site=site, rules_version=rules, number=1, title="Be civil", text=".")
    User.objects.bulk_create(User(username=f"bench:sub-{i}", display_name=f"Subscriber {i}",
                                  password="!") for i in range(SUBSCRIBERS))
    people = list(User.objects.filter(username__startswith="bench:sub-")
                  .order_by("pk").values_list("pk", "username"))
    Subscription.objects.bulk_create(Subscription(site=site, user_id=pk) for pk, _ in people)
    ExternalIdentity.objects.bulk_create(
        ExternalIdentity(site=site, subject=name.split(":", 1)[1], user_id=pk,
                         created_at=now, last_seen_at=now) for pk, name in people)
    RulesAcceptance.objects.bulk_create(
        RulesAcceptance(site=site, rules_version=rules, user_id=pk, accepted_at=now)
        for pk, _ in people)
    article = Article.objects.create(site=site, canonical_url="https://bench.example/hot",
                                     title="Hot", published_at=now - timedelta(hours=1))
    issued = int(now.timestamp())
    tokens = [jwt.encode({"sub": name.split(":", 1)[1], "name": f"Subscriber {i}",
                          "subscriber": True, "aud": site.slug, "iat": issued,
                          "exp": issued + 6 * 3600}, SECRET, algorithm="HS256")
              for i, (_, name) in enumerate(people)]
    return site, article, tokens


def post(path: str, token: str, text: str) -> tuple[str, bytes]:
    body = json.dumps({"text": text}).encode()
    env: Environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1", "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)), "HTTP_AUTHORIZATION": f"Bearer {token}",
        "wsgi.input": BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0), "wsgi.multithread": True, "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    status: list[str] = []

    def start_response(s: str, headers: list[tuple[str, str]], exc: Any = None) -> None:
        status.append(s)

    result = application(env, start_response)
    out = b"".join(result)
    if hasattr(result, "close"):
        result.close()
    return status[0], out


def main() -> None:
    args = [a for a in sys.argv[1:2] if a.isdigit()]
    posts = int(args[0]) if args else 500
    profile = "--profile" in sys.argv
    sort = "tottime" if "tottime" in sys.argv else "cumulative"
    call_command("migrate", verbosity=0)
    site, article, tokens = build()
    path = f"/api/v1/sites/{site.slug}/articles/{article.pk}/comments"
    if "--targets" in sys.argv:  # for wrk against `btl serve` on this database
        out = sys.argv[sys.argv.index("--targets") + 1]
        with open(out, "w") as targets:
            targets.writelines(f"{path}\t{token}\n" for token in tokens)
        print(f"database in {os.environ['BTL_VAR_DIR']}, wrk targets in {out}")
        return
    for i in range(20):  # warm up: first requests import and compile
        status, body = post(path, tokens[i], f"warm-up {i}")
        assert status.startswith("201"), (status, body[:300])
    connection.force_debug_cursor = True
    reset_queries()
    status, body = post(path, tokens[20], "counted")
    queries = len(connection.queries)
    if "--queries" in sys.argv:  # the statements of one post, in order
        for query in connection.queries:
            print(f"  {query['time']}s  {query['sql'][:160]}")
    connection.force_debug_cursor = False
    profiler = cProfile.Profile() if profile else None
    timings = []
    cpu0 = time.process_time()
    began = time.perf_counter()
    if profiler:
        profiler.enable()
    for n in range(posts):
        one = time.perf_counter()
        status, body = post(path, tokens[n % SUBSCRIBERS], f"timed {n}")
        timings.append((time.perf_counter() - one) * 1000)
        assert status.startswith("201"), (status, body[:300])
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - began
    cpu = time.process_time() - cpu0
    stored = Comment.objects.filter(article=article, text__startswith="timed ").count()
    distinct = len(set(Comment.objects.filter(article=article, text__startswith="timed ")
                       .values_list("text", flat=True)))
    p99 = statistics.quantiles(timings, n=100)[-1]
    print(f"{posts} posts: {posts / elapsed:.1f} posts/s, CPU {cpu / posts * 1000:.2f} ms/post, "
          f"p50 {statistics.median(timings):.2f} ms, p99 {p99:.2f} ms, "
          f"{queries} queries/post; stored {stored}, distinct {distinct}")
    article.refresh_from_db()
    print(f"article comment_count {article.comment_count} (expected {posts + 21})")
    if profiler:
        pstats.Stats(profiler).sort_stats(sort).print_stats(45)


if __name__ == "__main__":
    main()
