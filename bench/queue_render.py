"""What one page of the Reported tab costs to render, in this process: CPU and wall time
per page, the statements it runs, and a profile.

    .venv/bin/python bench/queue_render.py                  # 10,000 open reports, SQLite
    QUEUE_RENDER_SIZE=100000 .venv/bin/python bench/queue_render.py
    QUEUE_RENDER_PROFILE=1 .venv/bin/python bench/queue_render.py   # cProfile, top 30
    QUEUE_RENDER_SAVE=/tmp/page.html .venv/bin/python bench/queue_render.py

The data set is `bench/queue_plans.py`'s (quiet comments, reported ones with one to three
reports each, first reports over the last week, ten published rules), loaded once into
a SQLite file under QUEUE_RENDER_DIR (default /tmp/btl-queue-render) and reused by later
runs of the same size. Pages are fetched with Django's test client as a signed-in
moderator, so everything a request runs is counted except the WSGI server. Two figures:
the page as served (the rows' cache, when there is one, warm) and the page rendered from
scratch every time (the cache emptied before each request), so both are reported.
Nothing here is imported by the app.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZE = int(os.environ.get("QUEUE_RENDER_SIZE", "10000"))
REQUESTS = int(os.environ.get("QUEUE_RENDER_REQUESTS", "40"))
DIRECTORY = Path(os.environ.get("QUEUE_RENDER_DIR", "/tmp/btl-queue-render")) / str(SIZE)


def setup() -> None:
    DIRECTORY.mkdir(parents=True, exist_ok=True)
    os.environ["BTL_VAR_DIR"] = str(DIRECTORY)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "belowtheline.settings")
    os.environ.setdefault("BTL_DB_CONN_MAX_AGE", "600")  # as `btl serve` keeps them
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)


def world():  # type: ignore[no-untyped-def]
    from belowtheline.accounts.models import User
    from belowtheline.sites.models import Site
    from bench.queue_plans import World

    site = Site.objects.filter(slug="bench").first()
    if site is None:
        started = time.perf_counter()
        built = World()
        built.grow_to(SIZE)
        print(f"loaded {SIZE:,} open reports in {time.perf_counter() - started:.1f} s")
        site = built.site
    return site, User.objects.get(username="moderator")


def ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return f"p50 {statistics.median(ordered) * 1000:6.1f} ms  p90 {p90 * 1000:6.1f} ms"


def main() -> None:
    setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    site, moderator = world()
    client = Client()
    client.force_login(moderator)
    url = reverse("moderation_queue", args=[site.slug]) + "?tab=reported"
    first = client.get(url)
    assert first.status_code == 200, first.status_code
    if os.environ.get("QUEUE_RENDER_SAVE"):
        Path(os.environ["QUEUE_RENDER_SAVE"]).write_bytes(first.content)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    print(f"Reported tab at {SIZE:,} open reports: {len(first.content) / 1024:.1f} KB, "
          f"{len(queries.captured_queries)} statements (served), "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

    def cold() -> None:
        cache.clear()
        from belowtheline.moderation import queue_cache

        queue_cache.clear()

    try:
        from belowtheline.moderation import queue_cache  # noqa: F401
        variants = {"served (rows' cache warm)": lambda: None, "rendered every time": cold}
    except ImportError:
        variants = {"rendered every time": lambda: None}
    for label, before in variants.items():
        before()
        client.get(url)
        wall, cpu = [], []
        for _ in range(REQUESTS):
            before()
            started, used = time.perf_counter(), time.process_time()
            client.get(url)
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - used)
        print(f"  {label:28} wall {ms(wall)}  cpu p50 {statistics.median(cpu) * 1000:6.1f} ms")
        if os.environ.get("QUEUE_RENDER_PROFILE"):
            import cProfile
            import pstats

            profile = cProfile.Profile()

            def loop(before=before) -> None:  # type: ignore[no-untyped-def]
                for _ in range(10):
                    before()
                    client.get(url)

            profile.runcall(loop)
            print(f"\n--- profile: {label}, 10 pages ---")
            pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
