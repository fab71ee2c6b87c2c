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
import sys
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection
from django.db.utils import InterfaceError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

RETRY_AFTER_SECONDS = 5


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


def _database_down() -> bool:
    """An outage (connection refused, server gone, file unopenable), not a query's own
    error: a constraint violation is a bug and stays a 500."""
    error = sys.exc_info()[1]
    return isinstance(error, (OperationalError, InterfaceError))


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500. A database outage is not a bug of the request: answer 503 with
    Retry-After (JSON with a code under /api/) so clients and balancers wait and retry."""
    api = request.path.startswith("/api/")
    if _database_down():
        message = ("Comments are briefly unavailable while the database recovers. "
                   "Please try again in a few seconds.")
        if api:
            response = _json({"code": "database_unavailable", "message": message}, 503)
        else:
            response = render(request, "unavailable.html", {"message": message}, status=503)
            response["Cache-Control"] = "no-store"
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if api:
        return _json({"code": "server_error",
                      "message": "Something went wrong on our side; it has been logged."}, 500)
    return render(request, "500.html", status=500)
