"""The background worker's loop, shared by `btl worker` and `btl serve --with-worker`.

django-tasks-db's worker exits on any database error but a locked SQLite file; a database
restart or a network blip would then stop webhooks silently until someone noticed. Here
each pass runs the library's worker in batch mode (every task that is ready, then back),
and between passes the loop beats its heartbeat, and on a database error waits with a
backoff and tries again, for as long as it is asked to run.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from datetime import timedelta

from django.db import DatabaseError, close_old_connections, connections
from django.db.backends.signals import connection_created
from django.db.utils import InterfaceError

from belowtheline import clock

log = logging.getLogger("belowtheline.worker")

HEARTBEAT_EVERY = 10.0  # seconds between heartbeats: a write every pass would load SQLite
UPKEEP_EVERY = 600.0  # seconds between upkeep passes (unscored comments, the spam index)
UPKEEP_LOOKBACK = timedelta(hours=1)  # how far back the periodic pass looks for unscored ones
STALE_AFTER = timedelta(seconds=60)
BACKOFF_MAX = 30.0
# How long the loop keeps a database connection open between tasks. The library's worker
# calls `close_old_connections()` around every task; with Django's default (a connection
# per request, which `btl worker` has) that closed and reopened the connection for each
# one: on PostgreSQL a new server process, on SQLite a WAL checkpoint at close, together
# up to half of a scoring job's time (bench/score_worker.py). Health-checked on reuse.
KEEP_CONNECTION = 300.0
_loop_threads: set[int] = set()


def _keep_loop_connections(sender: object, connection: object, **kwargs: object) -> None:
    """A connection opened by a loop's thread stays open `KEEP_CONNECTION` seconds (unless
    it comes from a pool, where closing it is cheap, or the settings keep it already)."""
    if threading.get_ident() not in _loop_threads:
        return
    settings_dict = connection.settings_dict  # type: ignore[attr-defined]
    if settings_dict.get("CONN_MAX_AGE") == 0 and "pool" not in settings_dict.get("OPTIONS", {}):
        connection.close_at = time.monotonic() + KEEP_CONNECTION  # type: ignore[attr-defined]


connection_created.connect(_keep_loop_connections, dispatch_uid="btl-worker-keep-connections")


class _QuietPasses(logging.Filter):
    """Each pass starts and ends the library's worker; those two lines every second would
    drown the log's real news (a task's failure, an outage)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        return not (message.startswith("Starting worker")
                    or message.startswith("No more tasks to run"))


logging.getLogger("django_tasks_db").addFilter(_QuietPasses())


def default_worker_id(prefix: str = "btl-worker") -> str:
    return f"{prefix}-{socket.gethostname()}-{os.getpid()}"[:100]


def beat(worker_id: str, *, error: str = "") -> None:
    from belowtheline.integrations.models import WorkerHeartbeat

    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id, defaults={"beat_at": clock.now(), "last_error": error[:300]})


def last_heartbeat():
    """The newest heartbeat of any worker, or None when no worker has ever run."""
    from belowtheline.integrations.models import WorkerHeartbeat

    return WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()


def worker_alive(now=None) -> bool:
    latest = last_heartbeat()
    return latest is not None and (now or clock.now()) - latest <= STALE_AFTER


def on_start() -> None:
    """What a starting worker catches up on: webhook deliveries recorded just before a
    crash that may never have been queued, and comments posted while it was down whose
    scoring job was lost (the last few days, site by site: `triage.services.catch_up`);
    and the near-duplicate index's text older than its window is forgotten."""
    from belowtheline.integrations import webhooks
    from belowtheline.triage import services as triage

    webhooks.deliver_due_webhooks()
    _guarded(triage.catch_up)
    _guarded(triage.prune_fingerprints)  # a worker restarted often still prunes
    _guarded(_purge_expired_text)


def upkeep() -> None:
    """Every few minutes: comments of the last hour still unscored with no job waiting (a
    process that died between commit and enqueue) are queued, the near-duplicate
    index forgets text older than its window (`triage.services.prune_fingerprints`), and
    comment text past its site's retention is purged (`_purge_expired_text`)."""
    from belowtheline.triage import services as triage

    _guarded(lambda: triage.catch_up(days=UPKEEP_LOOKBACK / timedelta(days=1)))
    _guarded(triage.prune_fingerprints)
    _guarded(_purge_expired_text)


def _purge_expired_text() -> None:
    """Readers' data: the text of deleted and removed comments past their site's retention
    days is purged (`accounts.data_rights.purge_expired_text`); an indexed query per site,
    so every upkeep pass can afford it and a purge is never more than minutes late."""
    from belowtheline.accounts.data_rights import purge_expired_text

    summary = purge_expired_text()
    if summary.texts_purged:
        log.info("retention: purged the text of %d deleted or removed comments (%d kept "
                 "for open legal-risk reports)", summary.texts_purged,
                 summary.kept_for_legal_reports)


def _guarded(step) -> None:
    """A database outage goes to the loop's backoff; any other failure of one upkeep step
    is logged and never stops the worker (webhooks must still go out)."""
    try:
        step()
    except (DatabaseError, InterfaceError):
        raise
    except Exception:
        log.exception("worker upkeep step failed; the worker carries on")


class TaskLoop:
    """Runs queued tasks until `stop()`; survives database and cache outages."""

    def __init__(self, *, worker_id: str | None = None, interval: float = 1.0) -> None:
        self.worker_id = worker_id or default_worker_id()
        self.interval = interval
        self._stopping = threading.Event()
        self._current = None

    def stop(self) -> None:
        self._stopping.set()
        if self._current is not None:
            self._current.running = False

    def run(self) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        _loop_threads.add(threading.get_ident())
        try:
            self._run(Worker)
        finally:
            _loop_threads.discard(threading.get_ident())

    def _run(self, Worker: type) -> None:  # noqa: N803 (the library's class)
        backoff, last_beat, started = 1.0, 0.0, False
        last_upkeep = time.monotonic()
        while not self._stopping.is_set():
            try:
                close_old_connections()
                if not started:
                    on_start()
                    started = True
                elif time.monotonic() - last_upkeep >= UPKEEP_EVERY:
                    upkeep()
                    last_upkeep = time.monotonic()
                if time.monotonic() - last_beat >= HEARTBEAT_EVERY:
                    beat(self.worker_id)
                    last_beat = time.monotonic()
                self._current = Worker(
                    queue_names=["default"], interval=0, batch=True, backend_name="default",
                    startup_delay=False, max_tasks=None, worker_id=self.worker_id,
                    excluded_queue_names=[])
                self._current.run()
                backoff = 1.0
            except (DatabaseError, InterfaceError) as error:
                log.warning("worker %s: database unavailable (%s); trying again in %.0f s",
                            self.worker_id, str(error).strip()[:200], backoff)
                for conn in connections.all():  # the next pass opens new ones
                    with contextlib.suppress(DatabaseError, InterfaceError):
                        conn.close()
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
                last_beat = 0.0
                continue
            self._stopping.wait(self.interval)
