"""How long reading one page of a thread takes as the thread grows, and in how many queries.

Run:  .venv/bin/python bench/thread_read.py [SIZES...]   (default 10 300 3000)
Uses a throwaway SQLite database in a temporary directory, or DATABASE_URL if set, which
must then point at a scratch database: the script leaves its site and comments there.
Prints one line per thread size: comments, queries, and median / p90 milliseconds.
"""

import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta

os.environ.setdefault("BTL_VAR_DIR", tempfile.mkdtemp(prefix="btl-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "belowtheline.settings")
os.environ.setdefault("BTL_RATE_COMMENT", "100000000/60")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from belowtheline import clock  # noqa: E402
from belowtheline.accounts.models import Subscription, User  # noqa: E402
from belowtheline.discussion import selectors, services  # noqa: E402
from belowtheline.discussion.models import Article, Rule, RulesVersion  # noqa: E402
from belowtheline.sites.models import Site  # noqa: E402


def build_thread(site: Site, size: int, authors: list[User]) -> Article:
    article = Article.objects.create(
        site=site, canonical_url=f"https://bench.example/{size}", title=f"{size} comments"
    )
    start = clock.now() - timedelta(days=2)
    tops = []
    for n in range(size):
        author = authors[n % len(authors)]
        parent = tops[n % len(tops)] if tops and n % 3 else None
        comment = services.post_comment(
            site=site, article=article, author=author, text=f"Comment {n} " + "words " * 30,
            parent=parent, now=start + timedelta(seconds=n),
        )
        if parent is None:
            tops.append(comment)
    article.refresh_from_db()
    return article


def measure(site: Site, article: Article, repeats: int = 30) -> tuple[int, float, float]:
    timings = []
    for _ in range(repeats):
        with CaptureQueriesContext(connection) as ctx:
            began = time.perf_counter()
            selectors.thread_page(site=site, article=article, sort=selectors.Sort.NEWEST,
                                  page=1, viewer=AnonymousUser())
            timings.append((time.perf_counter() - began) * 1000)
    quantiles = statistics.quantiles(timings, n=10)
    return len(ctx.captured_queries), statistics.median(timings), quantiles[-1]


def main() -> None:
    sizes = [int(s) for s in sys.argv[1:]] or [10, 300, 3000]
    call_command("migrate", verbosity=0)
    site = Site.objects.create(slug=f"bench-{int(time.time())}", name="Bench")
    rules = RulesVersion.objects.create(site=site, number=1, published_at=clock.now())
    Rule.objects.create(site=site, rules_version=rules, number=1, title="Be civil", text=".")
    authors = []
    for i in range(20):
        user = User.objects.create_user(username=f"{site.slug}-{i}", password=None)
        Subscription.objects.create(site=site, user=user)
        services.accept_rules(site=site, user=user)
        authors.append(user)
    print(f"{'comments':>9} {'queries':>8} {'median ms':>10} {'p90 ms':>8}")
    for size in sizes:
        article = build_thread(site, size, authors)
        queries, median, p90 = measure(site, article)
        print(f"{size:>9} {queries:>8} {median:>10.2f} {p90:>8.2f}")


if __name__ == "__main__":
    main()
