"""What one signed-in moderator's Reported tab costs, through the WSGI application.

    .venv/bin/python bench/desk_wsgi.py [CALLS] [--profile]          (default 400)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/desktest REDIS_URL=redis://127.0.0.1:6379/11 \
        DESK_SIZE=100000 .venv/bin/python bench/desk_wsgi.py 400 --profile

Loads `bench/queue_plans.py`'s data set (DESK_SIZE open reports, default 10,000) into the
configured database once (a SQLite file under DESK_DIR, default /tmp/btl-desk-wsgi, when
DATABASE_URL is not set; on PostgreSQL the database named there, reused by later runs),
signs the moderator in with Django's test client for a session cookie, then calls
`belowtheline.wsgi.application` in-process as `btl serve` would, with:

- the session cookie alone, as `make bench`'s case (g) sends it (so every answer also sets
  a new CSRF cookie);
- the session and CSRF cookies, as a browser sends them;
- the same, asking for gzip (a browser over HTTP) and for Brotli (over HTTPS).

Prints, per case, requests/s, median and p99 ms, CPU ms per request (process time), SQL
statements per request and bytes. The page's rows are served from the queue cache (warm),
which is what a busy desk sees; `QUEUE_RENDER` (bench/queue_render.py) times a fresh
render. `--profile` adds cProfile's top functions for the first case, in CPU time (the machine is
shared: waiting for the database is not what the code costs). No HTTP: `make
bench` (wrk against `btl serve`) gives the figures over the wire.
"""

import cProfile
import os
import pstats
import statistics
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SIZE = int(os.environ.get("DESK_SIZE", "10000"))
sys.path.insert(0, str(ROOT))
if not os.environ.get("DATABASE_URL"):
    os.environ["BTL_VAR_DIR"] = str(Path(os.environ.get("DESK_DIR", "/tmp/btl-desk-wsgi"))
                                    / str(SIZE))
    Path(os.environ["BTL_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "belowtheline.settings")
os.environ.setdefault("BTL_DB_CONN_MAX_AGE", "600")  # as `btl serve` keeps them

import django  # noqa: E402

django.setup()

import wsgi_driver  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from wsgi_driver import Environ, call  # noqa: E402


def environ(path: str, query: str, **headers: str) -> Environ:
    return wsgi_driver.environ(path, query, multithread=True, **headers)


def world() -> tuple[Any, Any]:
    from belowtheline.accounts.models import User
    from belowtheline.sites.models import Site
    from bench.queue_plans import World

    call_command("migrate", verbosity=0)
    site = Site.objects.filter(slug="bench").first()
    if site is None:
        started = time.perf_counter()
        built = World()
        built.grow_to(SIZE)
        if connection.vendor == "postgresql":
            connection.cursor().execute("ANALYZE")
        print(f"loaded {SIZE:,} open reports in {time.perf_counter() - started:.1f} s")
        site = built.site
    return site, User.objects.get(username="moderator")


def measure(name: str, calls: int, env: Environ, before: Any = None) -> None:
    from belowtheline.wsgi import application

    before = before or (lambda: None)
    status, _headers, body = call(application, env)
    assert status.startswith("200"), (name, status, body[:300])
    with CaptureQueriesContext(connection) as queries:
        for _ in range(20):
            before()
            call(application, env)
    per_request = len(queries.captured_queries) / 20
    timings = []
    cpu = time.process_time()
    began = time.perf_counter()
    for _ in range(calls):
        before()
        one = time.perf_counter()
        call(application, env)
        timings.append((time.perf_counter() - one) * 1000)
    elapsed = time.perf_counter() - began
    cpu_ms = (time.process_time() - cpu) * 1000 / calls
    p99 = statistics.quantiles(timings, n=100)[-1]
    print(f"{name:<44} {calls / elapsed:>8.1f} {statistics.median(timings):>8.2f} "
          f"{p99:>8.2f} {cpu_ms:>8.2f} {per_request:>5.1f} {len(body):>8}", flush=True)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    calls = int(args[0]) if args else 400
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    site, moderator = world()
    client = Client()
    client.force_login(moderator)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    path, query = f"/moderate/{site.slug}/", "tab=reported"
    from belowtheline.wsgi import application

    # A browser's CSRF cookie: the one the first answer sets.
    _status, headers, _body = call(application, environ(
        path, query, cookie=f"{settings.SESSION_COOKIE_NAME}={session}"))
    jar: SimpleCookie = SimpleCookie()
    for name, value in headers:
        if name.lower() == "set-cookie":
            jar.load(value)
    csrf = jar[settings.CSRF_COOKIE_NAME].value
    both = f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}"
    cases = {
        "session cookie only (make bench's (g))": environ(
            path, query, cookie=f"{settings.SESSION_COOKIE_NAME}={session}"),
        "session + CSRF cookies (a browser)": environ(path, query, cookie=both),
        "the same, gzip (a browser over HTTP)": environ(path, query, cookie=both,
                                                        accept_encoding="gzip, deflate"),
        "the same, Brotli (a browser over HTTPS)": environ(
            path, query, cookie=both, accept_encoding="gzip, deflate, br, zstd"),
    }
    print(f"{SIZE:,} open reports on {connection.vendor}; cache "
          f"{settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}; sessions "
          f"{settings.SESSION_ENGINE}; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores")
    print(f"{'case':<44} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms':>8} "
          f"{'SQL':>5} {'bytes':>8}")
    for name, env in cases.items():
        measure(name, calls, env)
    from belowtheline.moderation import queue_cache

    measure("rendered every time (queue cache emptied)", max(10, calls // 20),
            cases["session + CSRF cookies (a browser)"], before=queue_cache.clear)
    if "--profile" in sys.argv:
        env = next(iter(cases.values()))
        profile = cProfile.Profile(time.process_time)  # CPU: the machine is shared
        profile.enable()
        for _ in range(calls):
            call(application, env)
        profile.disable()
        if os.environ.get("DESK_PROFILE_SAVE"):  # for pstats' callees and callers
            profile.dump_stats(os.environ["DESK_PROFILE_SAVE"])
        print("\n--- session cookie only: cumulative, top 50 ---")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(50)
        print("\n--- own time, top 30 ---")
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
