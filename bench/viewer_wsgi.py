"""What one subscriber's per-reader request costs, through the WSGI application.

Run:  .venv/bin/python bench/viewer_wsgi.py [CALLS] [--profile]      (default 600)

Builds the 3,000-comment hot thread of `bench/thread_page_wsgi.py` in a throwaway SQLite
database with 300 token subscribers (identities created in advance with exactly their
tokens' claims, rules accepted, a few recommendations and comments of their own on the
first page), then calls `belowtheline.wsgi.application` in-process, each call with the
next subscriber's token, as the embed's script does once per page view:

- the HTML thread's viewer JSON (`/sites/<slug>/threads/<id>/viewer?embed=1`);
- the API's `thread/viewer`;
- the shared embed page from the fast path, for comparison (what the pair's other half
  costs).

Prints, per case, requests/s, median and p99 ms, CPU ms per request (process time) and
SQL queries per request. `--profile` adds cProfile's top functions for the HTML viewer.
No HTTP: `make bench` (wrk against `btl serve`) gives the figures over the wire.
"""

import cProfile
import os
import pstats
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("BTL_DB_CONN_MAX_AGE", "60")  # as `btl serve` runs: one connection kept

import jwt  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from thread_page_wsgi import ORIGIN, SECRET, build, call, environ  # noqa: E402

from belowtheline import clock  # noqa: E402
from belowtheline.accounts.models import ExternalIdentity, Subscription, User  # noqa: E402
from belowtheline.discussion import services  # noqa: E402
from belowtheline.discussion.models import Comment, Rule, RulesVersion  # noqa: E402
from belowtheline.sites.models import Site  # noqa: E402
from belowtheline.wsgi import application  # noqa: E402

READERS = 300


def readers(site: Site, article_id: int) -> list[str]:
    """Token subscribers known in advance, as bench/dataset.py makes them: reads write
    nothing. One in three has recommended a comment on the first page, one in ten has a
    comment of their own there."""
    now = clock.now()
    first_page = list(
        Comment.objects.filter(site=site, article_id=article_id, thread_root__isnull=True)
        .order_by("-created_at", "-pk").values_list("pk", flat=True)[:50]
    )
    tokens = []
    for i in range(READERS):
        user = User.objects.create_user(username=f"bench:tok-{i}", password=None,
                                        display_name=f"Subscriber {i}")
        ExternalIdentity.objects.create(site=site, subject=f"tok-{i}", user=user,
                                        created_at=now, last_seen_at=now)
        Subscription.objects.create(site=site, user=user)
        services.accept_rules(site=site, user=user)
        if i % 3 == 0:
            services.recommend_comment(site=site, comment_id=first_page[i % 50], user=user)
        tokens.append(jwt.encode(
            {"sub": f"tok-{i}", "name": f"Subscriber {i}", "subscriber": True,
             "aud": site.slug, "iat": int(now.timestamp()),
             "exp": int((now + timedelta(hours=6)).timestamp())},
            SECRET, algorithm="HS256"))
    return tokens


def measure(name: str, calls: int, envs: list[dict]) -> None:
    for env in envs[:3]:
        status, body = call(application, env)
        assert status.startswith("200"), (name, status, body[:300])
    with CaptureQueriesContext(connection) as queries:
        for env in envs[:20]:
            call(application, env)
    per_request_queries = len(queries.captured_queries) / 20
    timings = []
    cpu = time.process_time()
    began = time.perf_counter()
    for n in range(calls):
        one = time.perf_counter()
        call(application, envs[n % len(envs)])
        timings.append((time.perf_counter() - one) * 1000)
    elapsed = time.perf_counter() - began
    cpu_ms = (time.process_time() - cpu) * 1000 / calls
    p99 = statistics.quantiles(timings, n=100)[-1]
    size = len(call(application, envs[0])[1])
    print(f"{name:<40} {calls / elapsed:>8.1f} {statistics.median(timings):>8.3f} "
          f"{p99:>8.3f} {cpu_ms:>8.3f} {per_request_queries:>6.1f} {size:>7}", flush=True)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    calls = int(args[0]) if args else 600
    call_command("migrate", verbosity=0)
    site = Site.objects.create(slug="bench", name="Bench", sso_algorithm="HS256",
                               sso_secret=SECRET, allowed_origins=ORIGIN)
    rules = RulesVersion.objects.create(site=site, number=1, published_at=clock.now())
    Rule.objects.create(site=site, rules_version=rules, number=1, title="Be civil", text=".")
    article = build(site)
    tokens = readers(site, article.pk)
    page = f"/sites/{site.slug}/threads/{article.pk}/"
    api = f"/api/v1/sites/{site.slug}/articles/{article.pk}/thread"
    html_viewer = [environ(f"{page}viewer", "embed=1", authorization=f"Bearer {t}")
                   for t in tokens]
    api_viewer = [environ(f"{api}/viewer", "sort=newest&page=1", authorization=f"Bearer {t}")
                  for t in tokens]
    call(application, environ(page, "embed=1"))
    call(application, environ(api))
    print(f"{READERS} token subscribers; {os.environ.get('BTL_VAR_DIR')}")
    print(f"{'case':<40} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms':>8} "
          f"{'SQL':>6} {'bytes':>7}")
    measure("shared embed page (fast path)", calls * 5, [environ(page, "embed=1")])
    measure("viewer JSON, HTML thread (bearer)", calls, html_viewer)
    measure("API thread/viewer (bearer)", calls, api_viewer)
    if "--profile" in sys.argv:
        for name, envs in (("HTML viewer", html_viewer), ("API viewer", api_viewer)):
            profile = cProfile.Profile()
            profile.enable()
            for n in range(calls):
                call(application, envs[n % len(envs)])
            profile.disable()
            print(f"\n--- {name}: cumulative, top 45 ---")
            pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
            print(f"\n--- {name}: own time, top 30 ---")
            pstats.Stats(profile).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
