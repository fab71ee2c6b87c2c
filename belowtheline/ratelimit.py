"""Fixed-window write limits kept in the shared cache (Redis in production).

A limit protects the thread from scripts and floods; it is per user and per kind of write,
so one reader's burst never slows another's.
"""

from datetime import datetime

from django.conf import settings
from django.core.cache import cache

from belowtheline.errors import BtlError


class RateLimited(BtlError):
    status = 429


_WHAT = {
    "comment": "comments",
    "report": "reports",
    "recommend": "recommendations",
    "signup": "new accounts",
    "login": "sign-in attempts",
}


def _parse(spec: str) -> tuple[int, int]:
    count, _, seconds = spec.partition("/")
    return int(count), int(seconds)


def check_rate_limit(*, kind: str, who: str, now: datetime) -> None:
    """Count one write of `kind` by `who`; refuse it once the window's allowance is spent."""
    limit, window = _parse(settings.BTL_RATE_LIMITS[kind])
    bucket = int(now.timestamp()) // window
    key = f"ratelimit:{kind}:{who}:{bucket}"
    # add() is atomic on every backend: only the first writer of the window creates the key.
    if cache.add(key, 1, timeout=window + 1):
        used = 1
    else:
        try:
            used = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=window + 1)
            used = 1
    if used > limit:
        raise RateLimited(
            "rate_limited",
            f"Too many {_WHAT.get(kind, kind)} in a short time. Please wait a little and try "
            "again.",
        )
