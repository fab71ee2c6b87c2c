"""Liveness and readiness for load balancers and monitoring, and the answer when the
database is down.

`/healthz` says the process answers (no database: a balancer must not kill every web
process because PostgreSQL restarted). `/readyz` says whether this process can serve:
the database answers and, when configured, Redis; `?worker=1` also requires a background
worker's heartbeat in the last minute (for monitoring, not for the balancer: the web pages
do not need the worker). Both are answered before host validation and the HTTPS redirect,
since balancers ask by IP address over plain HTTP.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection
from django.db.utils import InterfaceError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

RETRY_AFTER_SECONDS = 5
# During an outage every request fails the same way: one line each says so, and the
# traceback (the same every time) is logged at most this often per process.
OUTAGE_TRACEBACK_EVERY = 60.0

log = logging.getLogger(__name__)
_traceback_lock = threading.Lock()
_last_traceback_at: float | None = None


def _json(body: dict, status: int) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status,
                            content_type="application/json; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


def database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True, "ok"
    except (DatabaseError, InterfaceError) as error:
        connection.close_if_unusable_or_obsolete()
        return False, str(error).strip().splitlines()[0][:200] if str(error) else "unavailable"


def redis_ok() -> tuple[bool, str] | None:
    if not getattr(settings, "REDIS_URL", ""):
        return None
    from django.core.cache import cache

    try:
        cache.set("btl:readyz", "1", 5)
        return (cache.get("btl:readyz") == "1", "ok")
    except Exception as error:  # any client error means "not ready"; the body says which
        return False, type(error).__name__


def readiness(*, want_worker: bool) -> tuple[bool, dict]:
    checks: dict[str, str] = {}
    ready = True
    ok, why = database_ok()
    checks["database"] = why
    ready &= ok
    redis = redis_ok()
    if redis is not None:
        checks["redis"] = redis[1]
        ready &= redis[0]
    if ok:
        from belowtheline.worker import last_heartbeat, worker_alive

        latest = last_heartbeat()
        alive = worker_alive()
        checks["worker"] = ("ok" if alive else "no heartbeat in the last minute"
                            ) + (f" (last {latest.isoformat(timespec='seconds')})"
                                 if latest else " (never seen)")
        if want_worker:
            ready &= alive
    return ready, checks


class HealthMiddleware:
    """First in MIDDLEWARE: see the module docstring."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            return _json({"status": "ok"}, 200)
        if request.path == "/readyz":
            ready, checks = readiness(want_worker=request.GET.get("worker") == "1")
            response = _json({"status": "ready" if ready else "unavailable",
                              "checks": checks}, 200 if ready else 503)
            if not ready:
                response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        return self.get_response(request)


def is_outage(error: BaseException | None) -> bool:
    """An outage (connection refused, server gone, file unopenable), not a query's own
    error: a constraint violation is a bug and stays a 500."""
    return isinstance(error, (OperationalError, InterfaceError))


def _database_down() -> bool:
    return is_outage(sys.exc_info()[1])


def _traceback_due() -> bool:
    global _last_traceback_at
    now = time.monotonic()
    with _traceback_lock:
        if _last_traceback_at is not None and now - _last_traceback_at < OUTAGE_TRACEBACK_EVERY:
            return False
        _last_traceback_at = now
        return True


def _log_outage(request: HttpRequest) -> None:
    """One warning line per request (the error's class and first line), and the traceback
    at most once a minute: Django's own log of a 5xx would print the same forty lines for
    every request of the outage and bury everything else in the log."""
    error = sys.exc_info()[1]
    first_line = (str(error).strip().splitlines() or [""])[0][:200]
    due = _traceback_due()
    log.warning("Database unavailable, answered 503: %s %s: %s: %s%s", request.method,
                request.path, type(error).__name__, first_line,
                "" if due else " (traceback logged at most once a minute)",
                exc_info=error if due else None)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500. A database outage is not a bug of the request: answer 503 with
    Retry-After (JSON with a code under /api/) so clients and balancers wait and retry."""
    api = request.path.startswith("/api/")
    if _database_down():
        _log_outage(request)
        message = ("Comments are briefly unavailable while the database recovers. "
                   "Please try again in a few seconds.")
        if api:
            response = _json({"code": "database_unavailable", "message": message}, 503)
        else:
            response = render(request, "unavailable.html", {"message": message}, status=503)
            response["Cache-Control"] = "no-store"
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        # Logged above: Django's handler and ours in front of it skip what is marked so.
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response
    if api:
        return _json({"code": "server_error",
                      "message": "Something went wrong on our side; it has been logged."}, 500)
    return render(request, "500.html", status=500)
