"""The moderation queue's query plans and page timings at 10,000 and 100,000 open reports.

    .venv/bin/python bench/queue_plans.py            # SQLite; and PostgreSQL too when
                                                     # DATABASE_URL points at one
    QUEUE_PLANS_SIZES=10000 .venv/bin/python bench/queue_plans.py   # a quicker run
  QUEUE_PLANS_ENGINES=postgresql .venv/bin/python bench/queue_plans.py  # one engine

For each engine it makes a throwaway database (a temporary SQLite file; on PostgreSQL a
database of its own on DATABASE_URL's server, dropped at the end), migrates it, loads a
site with bulk inserts (quiet comments, reported comments with one to three reports each,
first reports spread over the last week so that both of the queue's index walks have rows,
a few legal-risk reports), sets the comments' open-report figures with
`recount_open_reports`, then prints:

- every statement the Reported tab's selector runs, with its plan (SQLite: EXPLAIN QUERY
  PLAN; PostgreSQL: EXPLAIN ANALYZE), so a scan of comments x reports would show, as
  loaded and again after ANALYZE; then the statements of the article, reason and words
  filters and of the tab counts;
- timings of the selector (first page, second page by cursor, a deep page, a reason
  filter) and of the whole dashboard page and the API page (p50/p90/p99, bytes).

Nothing here is imported by the app. Each engine runs in a child process, because Django
is configured once per process.
"""

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = [int(n) for n in os.environ.get("QUEUE_PLANS_SIZES", "10000,100000").split(",")]
QUIET_PER_REPORTED = 2  # comments nobody reported, for each reported one
REQUESTS = int(os.environ.get("QUEUE_PLANS_REQUESTS", "40"))


def main() -> None:
    engines = ["sqlite"]
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        engines.append("postgresql")
    only = os.environ.get("QUEUE_PLANS_ENGINES")  # e.g. "postgresql"
    if only:
        engines = [engine for engine in engines if engine in only.split(",")]
    for engine in engines:
        env = dict(os.environ)
        if engine == "sqlite":
            env.pop("DATABASE_URL", None)
        env["QUEUE_PLANS_CHILD"] = engine
        subprocess.run([sys.executable, __file__], env=env, check=True, cwd=ROOT)


# --- one engine, in its own process ----------------------------------------------------------

def child(engine: str) -> None:
    tmp = tempfile.mkdtemp(prefix="btl-queue-plans-")
    os.environ["BTL_VAR_DIR"] = tmp  # the SQLite file, sessions, caches: all throwaway
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "belowtheline.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    # The test client's host; not setup_test_environment(), whose instrumented template
    # rendering would be timed along with ours.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    if engine == "postgresql":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"btl_queue_plans_{os.getpid()}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(engine)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(tmp, ignore_errors=True)


def run(engine: str) -> None:
    from django.db import connection

    version = (connection.cursor().execute("select sqlite_version()").fetchone()[0]
               if engine == "sqlite" else connection.cursor().connection.info.server_version)
    print(f"\n######## {engine} {version} ########", flush=True)
    world = World()
    for size in SIZES:
        started = time.perf_counter()
        world.grow_to(size)
        print(f"\n==== {engine}: {world.open_reports:,} open reports on "
              f"{world.reported:,} comments ({world.comments:,} comments in all); "
              f"loaded in {time.perf_counter() - started:.1f} s ====", flush=True)
        plans(engine, world, analyzed=False)
        # What autovacuum does on PostgreSQL within a minute of a bulk load (and what
        # bench/dataset.py does); SQLite never does it by itself.
        connection.cursor().execute("ANALYZE")
        print("\n-- after ANALYZE --")
        plans(engine, world, analyzed=True)
        timings(world)


class World:
    """A site, its readers and articles, and the comments and reports loaded so far."""

    def __init__(self) -> None:
        from belowtheline import clock
        from belowtheline.accounts.models import StaffRole, User
        from belowtheline.discussion.models import Article, Rule, RulesVersion
        from belowtheline.sites.models import Site

        self.rng = random.Random(7)
        self.site = Site.objects.create(slug="bench", name="The Bench Courier")
        self.readers = User.objects.bulk_create(
            [User(username=f"reader{i}", display_name=f"Reader {i}") for i in range(3000)]
        )
        self.moderator = User.objects.create_user(username="moderator", password="x")
        StaffRole.objects.create(site=self.site, user=self.moderator,
                                 role=StaffRole.Role.MODERATOR)
        # Published rules, as a real site has: every row offers them to cite.
        version = RulesVersion.objects.create(site=self.site, number=1,
                                              published_at=clock.now())
        Rule.objects.bulk_create([
            Rule(site=self.site, rules_version=version, number=n, title=f"Rule number {n}",
                 text="Be kind to one another.") for n in range(1, 11)
        ])
        self.articles = Article.objects.bulk_create(
            [Article(site=self.site, canonical_url=f"https://bench.example/{i}",
                     title=f"Article {i}") for i in range(2000)]
        )
        self.comments = self.reported = self.open_reports = 0

    def grow_to(self, open_reports: int) -> None:
        from belowtheline import clock
        from belowtheline.discussion.models import Comment, Report
        from belowtheline.discussion.reports import recount_open_reports, reporter_weight

        now = clock.now()
        rng = self.rng
        while self.open_reports < open_reports:
            batch = min(5000, open_reports - self.open_reports)
            comments, counts = [], []
            for _ in range(batch):
                for _quiet in range(QUIET_PER_REPORTED + 1):
                    comments.append(Comment(
                        site=self.site, article=rng.choice(self.articles),
                        author=rng.choice(self.readers), text="A comment " * 30,
                        created_at=now - timedelta(days=8), status_changed_at=now))
                counts.append(rng.choice((1, 1, 1, 2, 2, 3)))
            made = Comment.objects.bulk_create(comments, batch_size=2000)
            reported = made[QUIET_PER_REPORTED::QUIET_PER_REPORTED + 1]
            reports = []
            for comment, n in zip(reported, counts, strict=True):
                first = now - timedelta(minutes=rng.randint(1, 7 * 24 * 60))
                for reporter in rng.sample(self.readers, n):
                    if self.open_reports + len(reports) >= open_reports:
                        break
                    reports.append(Report(
                        site=self.site, comment=comment, reporter=reporter,
                        reason="legal_risk" if rng.random() < 0.003 else
                        rng.choice(("abusive", "off_topic", "spam", "other")),
                        note=rng.choice(("", "", "Rude", "Off topic, again")),
                        created_at=first + timedelta(minutes=rng.randint(0, 600)),
                        weight=reporter_weight(rng.choice((None, 0.0, 0.5, 1.0)))))
            Report.objects.bulk_create(reports, batch_size=2000)
            self.comments += len(made)
            self.open_reports += len(reports)
        self.reported = recount_open_reports(site=self.site, now=now)


def _explain(engine: str, sql: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        if engine == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return [f"  {'  ' * (row[1] and 1)}{row[3]}" for row in cursor.fetchall()]
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, SUMMARY ON) {sql}")
        return [f"  {row[0]}" for row in cursor.fetchall()]


def plans(engine: str, world: World, *, analyzed: bool) -> None:
    """Every statement the selector runs for the first and a later page, with its plan."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from belowtheline import clock
    from belowtheline.moderation import selectors

    now = clock.now()
    first = selectors.reported_queue(site=world.site, now=now)
    with CaptureQueriesContext(connection) as queries:
        selectors.reported_queue(site=world.site, now=now, after=first.next_after)
    if analyzed:  # after ANALYZE only the two walks, to see whether they changed
        wanted = [q for q in queries.captured_queries if "queue_rising_key" in q["sql"]
                  and "ORDER BY" in q["sql"]]
    else:
        wanted = queries.captured_queries
    print(f"\nThe Reported tab, page 2: {len(queries.captured_queries)} statements")
    for query in wanted:
        sql = query["sql"]
        print(f"\n> {sql if len(sql) < 400 else sql[:240] + ' … ' + sql[-150:]}")
        print("\n".join(_explain(engine, sql)))
    # The filters and the tab counts: only the statements that differ from page 2's.
    from belowtheline.discussion.models import Comment
    from belowtheline.moderation.selectors import QueueFilters

    article_id = (Comment.objects.filter(site=world.site, open_report_count__gt=0)
                  .values_list("article_id", flat=True).first())
    seen = {q["sql"] for q in queries.captured_queries}
    for label, call in (
            ("article filter", lambda: selectors.reported_queue(
                site=world.site, now=now, filters=QueueFilters(article_id=article_id))),
            ("reason filter (spam)", lambda: selectors.reported_queue(
                site=world.site, now=now, filters=QueueFilters(reason="spam"))),
            ("search (a word nobody wrote)", lambda: selectors.reported_queue(
                site=world.site, now=now, filters=QueueFilters(search="zebra"))),
            ("tab counts", lambda: selectors.queue_counts(site=world.site))):
        with CaptureQueriesContext(connection) as filtered:
            call()
        print(f"\n-- {label}: {len(filtered.captured_queries)} statements --")
        for query in filtered.captured_queries:
            sql = query["sql"]
            if sql in seen or ("IN (" in sql and "queue_" not in sql and "COUNT" not in sql):
                continue  # the page's own rows and context, as above
            print(f"\n> {sql if len(sql) < 400 else sql[:240] + ' … ' + sql[-150:]}")
            print("\n".join(_explain(engine, sql)))


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)

    def at(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

    return (f"p50 {statistics.median(ordered) * 1000:6.1f} ms  p90 {at(0.9):6.1f} ms  "
            f"p99 {at(0.99):6.1f} ms")


def _time(call, n: int = REQUESTS) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    """Wall-clock and this process's CPU time per call. On a machine shared with other
    work the wall clock is noisy; CPU time is what the code costs (SQLite runs in this
    process, PostgreSQL's share is in the wall clock only)."""
    call()  # warm
    wall, cpu = [], []
    for _ in range(n):
        started, used = time.perf_counter(), time.process_time()
        call()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    return wall, cpu


def timings(world: World) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from belowtheline import clock
    from belowtheline.moderation import selectors
    from belowtheline.moderation.selectors import QueueFilters

    site, now = world.site, clock.now()
    first = selectors.reported_queue(site=site, now=now)
    deep = first
    for _ in range(20):
        deep = selectors.reported_queue(site=site, now=now, after=deep.next_after)
    with CaptureQueriesContext(connection) as queries:
        selectors.reported_queue(site=site, now=now, after=first.next_after)
    print("\nThe statements of page 2 and their times:")
    for query in queries.captured_queries:
        print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:100]}")
    if os.environ.get("QUEUE_PLANS_PROFILE"):
        import cProfile
        import pstats

        client = Client()
        client.force_login(world.moderator)
        url = reverse("moderation_queue", args=[site.slug])
        for label, call in (
                ("selector", lambda: selectors.reported_queue(site=site, now=now)),
                ("page", lambda: client.get(url))):
            profile = cProfile.Profile()
            profile.runcall(lambda call=call: [call() for _ in range(5)])
            print(f"\n--- profile: {label} x5 ---")
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    print(f"\nTimings ({REQUESTS} runs each, after one warm-up; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores):")
    cases = {
        "selector, first page": lambda: selectors.reported_queue(site=site, now=now),
        "selector, page 2 by cursor": lambda: selectors.reported_queue(
            site=site, now=now, after=first.next_after),
        "selector, page 22 by cursor": lambda: selectors.reported_queue(
            site=site, now=now, after=deep.next_after),
        "selector, reason = legal risk": lambda: selectors.reported_queue(
            site=site, now=now, filters=QueueFilters(reason="legal_risk")),
        "tab counts": lambda: selectors.queue_counts(site=site),
        "selector, reason = spam": lambda: selectors.reported_queue(
            site=site, now=now, filters=QueueFilters(reason="spam")),
        "selector, search": lambda: selectors.reported_queue(
            site=site, now=now, filters=QueueFilters(search="zebra")),
    }
    for label, call in cases.items():
        wall, cpu = _time(call)
        print(f"  {label:30} {_ms(wall)}  cpu p50 {statistics.median(cpu) * 1000:6.1f} ms")
    client = Client()
    client.force_login(world.moderator)
    page_url = reverse("moderation_queue", args=[site.slug])
    api_url = f"/api/v1/sites/{site.slug}/moderation/queue"
    for label, url in (("dashboard Reported tab (GET)", page_url),
                       ("API queue, reported (GET)", api_url)):
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        size = len(response.content)
        if os.environ.get("QUEUE_PLANS_SAVE_PAGE") and url == page_url:
            Path(os.environ["QUEUE_PLANS_SAVE_PAGE"]).write_bytes(response.content)
        wall, cpu = _time(lambda url=url: client.get(url))
        print(f"  {label:30} {_ms(wall)}  cpu p50 {statistics.median(cpu) * 1000:6.1f} ms"
              f"  {size / 1024:6.1f} KB")


if __name__ == "__main__":
    if os.environ.get("QUEUE_PLANS_CHILD"):
        child(os.environ["QUEUE_PLANS_CHILD"])
    else:
        main()
