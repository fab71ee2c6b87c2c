"""`btl serve`: the production server, granian, with one worker process per core.

Why granian: its HTTP/1 handling, keep-alive and worker supervision are Rust, so the Python
workers spend their time in our application (and in the thread fast path in front of
Django, `belowtheline.wsgi`), not in parsing requests; it is one pip package with wheels, so
a fresh machine needs no compiler, and it supervises its own workers, so no second process
manager either. Measured against gunicorn (gthread) on a 2-core machine, both with 2
workers × 8 threads and wrk at 32 connections, two rounds interleaved: the cached thread
page (fast path) 6,085 and 9,119 req/s against 1,965 and 2,863; the rules page (Django and
SQLite all the way) 104 and 137 against 71 and 113.

What runs where, all started and stopped by this one command:
- the parent process supervises the web workers and, with `--with-worker`, runs the
  background task worker in a thread (once, not once per web worker);
- `--workers` web processes (default: the machine's cores), each with `--threads` threads
  running `belowtheline.wsgi:application`; they are spawned fresh (not forked), so none
  inherits the parent's database connections or its threads' locks;
- `--publisher-port`: the demo publisher's page, on a second port, in a thread of the parent.

Static files are collected (hashed, gzip and brotli compressed) before the workers start,
and the workers are told to use the manifest (`BTL_STATIC_MANIFEST=1`): see settings.py.
SIGTERM or Ctrl-C stops the workers, lets the task worker finish what it is running, and
exits: no process is left behind.
"""

import hashlib
import logging
import multiprocessing
import os
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings

logger = logging.getLogger(__name__)

APP = "belowtheline.wsgi:application"


def default_workers() -> int:
    """One web process per core this process may run on (containers often allow fewer)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _static_fingerprint() -> str:
    """What collectstatic would read: every app's static file, by name, size and mtime."""
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256(settings.BTL_MANIFEST_STORAGE["BACKEND"].encode())
    for finder in get_finders():
        for path, storage in sorted(finder.list([]), key=lambda found: found[0]):
            stat = os.stat(storage.path(path))
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _collect_static() -> bool:
    """Collect, hash and compress the static files unless nothing changed since last time.

    Compressing every file with brotli takes tens of seconds, so it is done on the first
    start and after an upgrade, not on every restart. Returns whether it collected.
    """
    stamp = Path(settings.STATIC_ROOT) / ".btl-collected"
    fingerprint = _static_fingerprint()
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return False
    logger.info("Collecting and compressing static files (first start or changed files)...")
    with override_settings(
        STORAGES={**settings.STORAGES, "staticfiles": settings.BTL_MANIFEST_STORAGE}
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(fingerprint)
    return True


class _TaskWorker:
    """The background worker in a thread of the parent (once, not once per web worker).

    The loop itself outlives database outages; should it still die (a bug), it is started
    again after a pause, so webhooks never stop silently while the site is up.
    """

    def __init__(self) -> None:
        from belowtheline.worker import TaskLoop, default_worker_id

        self.loop = TaskLoop(worker_id=default_worker_id("btl-serve"))
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="btl-worker", daemon=True)

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.loop.run()
            except Exception:
                logging.getLogger("belowtheline.worker").exception(
                    "the task worker failed; starting it again in 5 s")
                self.stopping.wait(5)

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the task in hand (a webhook delivery has its own timeout), then stop."""
        self.stopping.set()
        self.loop.stop()
        self.thread.join(timeout)


def _allow_publisher(host: str, port: int) -> list[str]:
    """Let the demo site be embedded by the publisher page on the port chosen today."""
    from belowtheline.demo.loader import demo_site, publisher_origins
    from belowtheline.integrations.services import allow_embed_origins

    site = demo_site()
    if site is None:
        return []
    origins = publisher_origins(port)
    if host not in ("127.0.0.1", "localhost", "0.0.0.0", "::"):
        origins.append(f"http://{host}:{port}")
    return allow_embed_origins(site=site, origins=origins)


def _serve_publisher(host: str, port: int, comments_port: int) -> None:
    from waitress import serve

    from belowtheline.demo.publisher import PublisherSite

    try:
        serve(PublisherSite(comments_port=comments_port), host=host, port=port, threads=2,
              ident="publisher-demo")
    except OSError as error:  # the port is taken: the comments site still runs
        logger.error("Publisher demo page not served on port %s: %s", port, error)


class Command(BaseCommand):
    help = "Serve Below the Line over HTTP with granian: several worker processes."
    # Checked in handle(), once the static files are collected (btl.E010 looks for them).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers", type=int,
            default=int(os.environ.get("BTL_WORKERS", "0")) or default_workers(),
            help="Web worker processes (default: BTL_WORKERS, else one per core).",
        )
        parser.add_argument(
            "--threads", type=int, default=int(os.environ.get("BTL_THREADS", "8")),
            help="Threads per worker process (default: BTL_THREADS, else 8); also the "
                 "size of each process's PostgreSQL connection pool.",
        )
        parser.add_argument("--with-worker", action="store_true",
                            help="Also run the background task worker (once, in this process).")
        parser.add_argument("--publisher-port", type=int, default=None,
                            help="Also serve the demo publisher's page on this port.")
        parser.add_argument("--no-collectstatic", action="store_true",
                            help="Do not collect static files at start: serve them as "
                                 "BTL_STATIC_MANIFEST says (set it where an image build "
                                 "ran collectstatic; unset, from the apps).")
        parser.add_argument("--access-log", action="store_true",
                            help="Log every request (off by default: it costs throughput).")

    def handle(self, *args: Any, host: str, port: int, workers: int, threads: int,
               with_worker: bool, publisher_port: int | None, no_collectstatic: bool,
               access_log: bool, **options: Any) -> None:
        from django.db import connections
        from granian import Granian
        from granian.constants import Interfaces

        if workers < 1 or threads < 1:
            raise CommandError("--workers and --threads must be at least 1.")
        if not no_collectstatic:
            # Hashed names and their .gz/.br siblings, written once per start (unchanged
            # files are skipped); the workers then serve them with year-long lifetimes.
            if _collect_static():
                self.stdout.write("Static files collected (hashed, gzip + brotli).")
            else:
                self.stdout.write("Static files unchanged since they were last collected.")
            os.environ["BTL_STATIC_MANIFEST"] = "1"
        elif not settings.BTL_STATIC_MANIFEST:
            self.stdout.write("Static files served from the apps (no long cache lifetimes).")
        self.check(display_num_errors=False)
        # Read by settings.py in each worker: on PostgreSQL a pool of one connection per
        # thread at most, or, with BTL_DB_POOL_SIZE=0, persistent connections; on SQLite a
        # connection kept per thread (the rules page: ~63 -> ~95 req/s under wrk here).
        os.environ.setdefault("BTL_DB_POOL_SIZE", str(threads))
        os.environ.setdefault("BTL_DB_CONN_MAX_AGE", "60")

        task_worker = None
        if with_worker:
            task_worker = _TaskWorker()
            task_worker.start()
            self.stdout.write(f"Background worker: a thread of this process (pid {os.getpid()}).")
        if publisher_port:
            for origin in _allow_publisher(host, publisher_port):
                self.stdout.write(f"The demo site now allows embedding from {origin}")
            threading.Thread(target=_serve_publisher, args=(host, publisher_port, port),
                             name="publisher-demo", daemon=True).start()
            self.stdout.write(
                f"Demo publisher page (embeds the thread cross-origin) on "
                f"http://{host}:{publisher_port}/"
            )
        # The web workers are fresh interpreters: nothing of this process's connections or
        # threads (the task worker's above) is copied into them, as a fork would.
        connections.close_all()
        multiprocessing.set_start_method("spawn", force=True)
        self.stdout.write(
            f"Serving Below the Line on http://{host}:{port}/ with {workers} granian worker "
            f"process(es) × {threads} threads, {APP} (pid {os.getpid()} supervises; "
            "Ctrl-C stops it)"
        )
        self.stdout.flush()
        server = Granian(
            APP,
            address=host,
            port=port,
            interface=Interfaces.WSGI,
            workers=workers,
            blocking_threads=threads,
            backpressure=threads * 8,
            websockets=False,
            log_access=access_log,
            respawn_failed_workers=True,
        )
        try:
            server.serve()
        finally:
            if task_worker is not None:
                task_worker.stop()
            self.stdout.write("Below the Line stopped.")
