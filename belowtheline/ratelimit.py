"""Fixed-window write limits kept in the shared cache (Redis in production).

A limit protects the thread from scripts and floods; it is per user and per kind of write,
so one reader's burst never slows another's. The counter lives in the cache, never in the
database: counting a post must not add a write of its own to the post's transaction.

With Redis, one round trip counts a write: INCR and EXPIRE sent together in a MULTI/EXEC
pipeline (the window is in the key, so the expiry only has to outlive it).

When Redis cannot be reached, what happens depends on what the limit protects:
- comments, reports and recommendations go through, with a logged warning. The limit is a
  guard against floods, not a rule of the site: the writes themselves go to the database,
  which is up, and every comment is still moderated after the fact. Refusing them would turn
  a cache outage into a commenting outage on the busiest day, for everyone at once.
- sign-ins and sign-ups are refused with 503 `rate_limit_unavailable`: there the limit is
  what stops a script trying password after password, and people can wait a minute.
Readers are never affected: reads are not counted.
"""

import logging
import math
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse
from redis.exceptions import RedisError

from belowtheline.errors import BtlError

logger = logging.getLogger(__name__)


class RateLimited(BtlError):
    status = 429


# When the refused client may try again, in seconds, for the request being answered: set
# where the limit refuses, read by RetryAfterMiddleware, which puts it on whatever 429 or
# 503 page or JSON the refusal became (the views that render refusals need not know).
retry_after: ContextVar[int | None] = ContextVar("btl_retry_after", default=None)


class RateLimitUnavailable(BtlError):
    status = 503


_WHAT = {
    "comment": "comments",
    "report": "reports",
    "recommend": "recommendations",
    "signup": "new accounts",
    "login": "sign-in attempts",
    "password_reset": "password reset requests",
    "data_download": "data downloads",
    "account_deletion": "attempts to delete the account",
    "verification_email": "verification emails",
}
# Limits that guard credentials: without their counter, refuse rather than let through.
FAIL_CLOSED = frozenset({"signup", "login", "password_reset", "account_deletion",
                         "verification_email", "data_download"})
# One warning a minute per process is enough to page someone, not enough to flood the log.
_WARN_EVERY = 60.0
_last_warning = 0.0
_warning_lock = threading.Lock()


def _parse(spec: str) -> tuple[int, int]:
    count, _, seconds = spec.partition("/")
    return int(count), int(seconds)


def _count_in_redis(cache: RedisCache, key: str, window: int) -> int:
    name = cache.make_and_validate_key(key)
    client = cache._cache.get_client(name, write=True)
    pipe = client.pipeline(transaction=True)
    pipe.incr(name)
    pipe.expire(name, window + 1)
    used, _ = pipe.execute()
    return int(used)


def _count_in_cache(key: str, window: int) -> int:
    cache = caches["default"]
    # add() is atomic on every backend: only the first writer of the window creates the key.
    if cache.add(key, 1, timeout=window + 1):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=window + 1)
        return 1


def _warn_unavailable(kind: str, error: Exception) -> None:
    global _last_warning
    with _warning_lock:
        if time.monotonic() - _last_warning < _WARN_EVERY:
            return
        _last_warning = time.monotonic()
    logger.warning(
        "Rate limits unavailable (Redis: %s): %s are let through uncounted, sign-ins and "
        "sign-ups refused with 503 until it is back.", error, _WHAT.get(kind, kind),
    )


def client_address(request: HttpRequest) -> str:
    """The address limits per client count by: the peer, or, behind BTL_PROXY_COUNT
    proxies that each append to X-Forwarded-For, the address the outermost one saw.

    Behind a load balancer every request comes from the balancer, so REMOTE_ADDR would put
    all readers in one bucket; only the entry our own proxies added can be trusted (a
    client may send any X-Forwarded-For it likes, but cannot change what is appended).
    """
    proxies = settings.BTL_PROXY_COUNT
    if proxies:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [hop for hop in hops if hop]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or "unknown"


def check_rate_limit(*, kind: str, who: str, now: datetime) -> None:
    """Count one write of `kind` by `who`; refuse it once the window's allowance is spent."""
    limit, window = _parse(settings.BTL_RATE_LIMITS[kind])
    bucket = int(now.timestamp()) // window
    key = f"ratelimit:{kind}:{who}:{bucket}"
    cache = caches["default"]
    try:
        if isinstance(cache, RedisCache):
            used = _count_in_redis(cache, key, window)
        else:
            used = _count_in_cache(key, window)
    except RedisError as error:
        _warn_unavailable(kind, error)
        if kind in FAIL_CLOSED:
            retry_after.set(60)
            raise RateLimitUnavailable(
                "rate_limit_unavailable",
                "Signing in is briefly unavailable. Please try again in a minute.",
            ) from None
        return
    if used > limit:
        # Fixed windows: the allowance comes back when this one ends.
        retry_after.set(max(1, math.ceil((bucket + 1) * window - now.timestamp())))
        raise RateLimited(
            "rate_limited",
            f"Too many {_WHAT.get(kind, kind)} in a short time. Please wait a little and try "
            "again.",
        )


class RetryAfterMiddleware:
    """Every 429 and 503 says when to come back: the limit's own figure when a limit
    refused, otherwise a short default (a refusal that was not a limit's)."""

    DEFAULTS = {429: 60, 503: 5}

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = retry_after.set(None)
        try:
            response = self.get_response(request)
            if response.status_code in self.DEFAULTS and "Retry-After" not in response:
                seconds = retry_after.get() or self.DEFAULTS[response.status_code]
                response["Retry-After"] = str(seconds)
            return response
        finally:
            retry_after.reset(token)
