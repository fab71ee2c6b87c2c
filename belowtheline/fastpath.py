"""Serving a hot thread's shared bytes without entering Django.

A hot story's thread is requested thousands of times a second and changes a few times a
second; the profile of a cached request through Django is middleware, URL resolution and
response objects, not the two version queries. So the WSGI application in front of Django
(`belowtheline.wsgi.application`) keeps, per exact PATH_INFO + QUERY_STRING, the last body
Django served for it, and answers a GET or HEAD from memory while that entry was confirmed
by Django less than `BTL_THREAD_FRESHNESS` seconds ago. After that, the next request goes
to Django, whose view re-reads the versions, finds the (possibly new) rendering and
confirms the entry again. That request is made in the background, by the first reader to
find the entry stale; readers are answered from memory meanwhile, for half a window at
most. So a new comment reaches every process within 1.5 freshness windows (0.75 s by
default), with no messaging between processes.

Entries are registered only by `discussion.thread_cache.cached_response`, which is where
it is decided what is shared. "anonymous" entries are never served to a request carrying
an Authorization header or a session or messages cookie (those readers get their own page
from Django); "everyone" entries are served to all.

This module holds no Django objects per request: header lists are built once per entry,
and the per-request work is a dict lookup, a clock read and a few string tests.
"""

import gzip
import logging
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from typing import Any

from django.conf import settings

from belowtheline.security import DEFAULT_POLICY, governed_by_policy

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

EVERYONE = "everyone"
ANONYMOUS = "anonymous"
AUDIENCES = (EVERYONE, ANONYMOUS)

STATUS_OK = "200 OK"
STATUS_NOT_MODIFIED = "304 Not Modified"


def freshness() -> float:
    """Seconds an entry may be served after Django last confirmed it (0 disables)."""
    return float(getattr(settings, "BTL_THREAD_FRESHNESS", 0.5))


@lru_cache(maxsize=256)
def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding value allows gzip (`gzip;q=0` and `*;q=0` refuse it).

    Cached: clients send a handful of distinct values, so parsing happens once for each."""
    star: bool | None = None
    for part in accept_encoding.lower().split(","):
        coding, _, params = part.strip().partition(";")
        coding = coding.strip()
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if coding in ("gzip", "x-gzip"):
            return q > 0
        if coding == "*":
            star = q > 0
    return bool(star)


def etag_matches(if_none_match: str, etag: str) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 13.1.2): `W/"x"` matches `"x"`,
    which matters when a proxy that compresses has weakened our ETag on the way out."""
    if if_none_match.strip() == "*":
        return True
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate.startswith("W/"):
            candidate = candidate[2:]
        if candidate == etag:
            return True
    return False


def compress(body: bytes) -> bytes:
    """gzip as every path serves it; mtime 0 so the same body always gives the same bytes."""
    return gzip.compress(body, compresslevel=6, mtime=0)


@dataclass(frozen=True)
class Representation:
    """The header lists of one shared body, built once: the fast path and Django's path
    send the same headers, so a client cannot tell which one answered."""

    plain: tuple[tuple[str, str], ...]
    gzipped: tuple[tuple[str, str], ...]
    not_modified: tuple[tuple[str, str], ...]


def representation(
    *,
    etag: str,
    content_type: str,
    plain_length: int,
    gzipped_length: int,
    cache_control: str,
    vary: str,
    extra: tuple[tuple[str, str], ...],
) -> Representation:
    validators = (("ETag", etag), ("Cache-Control", cache_control), ("Vary", vary))
    common = (("Content-Type", content_type), *validators, *extra)
    return Representation(
        plain=(*common, ("Content-Length", str(plain_length))),
        gzipped=(*common, ("Content-Encoding", "gzip"), ("Content-Length", str(gzipped_length))),
        # A browser lays a 304's headers over its stored copy: the body's own policy (the
        # embed's frame-ancestors) goes with it, or Django's default one would be added to
        # the 304 and the embed, revalidated, would be refused its iframe.
        not_modified=(*validators, *extra),
    )


def frames_itself(extra: tuple[tuple[str, str], ...]) -> bool:
    """A body that carries its own CSP frame-ancestors (the embed) is exempt from
    X-Frame-Options, exactly as Django's view marks that response."""
    return any(
        name.lower() == "content-security-policy" and "frame-ancestors" in value
        for name, value in extra
    )


def may_answer_here(environ: dict[str, Any]) -> bool:
    """Whether a path in front of Django may answer this request itself, as far as HTTPS
    goes: always without TLS settings; behind TLS (BTL_BEHIND_TLS_PROXY) only a request that
    came over HTTPS, which Django would not redirect and to which it adds HSTS (so
    `security_headers` does); a plain-HTTP one goes to Django for its redirect."""
    if not (getattr(settings, "SECURE_SSL_REDIRECT", False)
            or getattr(settings, "SECURE_HSTS_SECONDS", 0)):
        return True
    if environ.get("wsgi.url_scheme") == "https":
        return True
    header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if not header:
        return False
    name, value = header
    return environ.get(name, "").split(",", 1)[0].strip() == value


def _hsts() -> str | None:
    seconds = getattr(settings, "SECURE_HSTS_SECONDS", 0)
    if not seconds:
        return None
    value = f"max-age={seconds}"
    if getattr(settings, "SECURE_HSTS_INCLUDE_SUBDOMAINS", False):
        value += "; includeSubDomains"
    if getattr(settings, "SECURE_HSTS_PRELOAD", False):
        value += "; preload"
    return value


def security_headers(*, framed: bool, content_type: str) -> tuple[tuple[str, str], ...]:
    """What Django's SecurityMiddleware and XFrameOptionsMiddleware add to a plain response
    under our settings, so that the fast path's answer is the same as Django's."""
    headers: list[tuple[str, str]] = []
    hsts = _hsts()  # only HTTPS requests are answered when it is on: see may_answer_here
    if hsts:
        headers.append(("Strict-Transport-Security", hsts))
    if getattr(settings, "SECURE_CONTENT_TYPE_NOSNIFF", True):
        headers.append(("X-Content-Type-Options", "nosniff"))
    referrer = getattr(settings, "SECURE_REFERRER_POLICY", "same-origin")
    if referrer:
        value = referrer if isinstance(referrer, str) else ",".join(referrer)
        headers.append(("Referrer-Policy", value))
    coop = getattr(settings, "SECURE_CROSS_ORIGIN_OPENER_POLICY", "same-origin")
    if coop:
        headers.append(("Cross-Origin-Opener-Policy", coop))
    if not framed:
        headers.append(("X-Frame-Options", getattr(settings, "X_FRAME_OPTIONS", "DENY").upper()))
        if governed_by_policy(content_type):
            headers.append(("Content-Security-Policy", DEFAULT_POLICY))
    return tuple(headers)


@dataclass
class Entry:
    """One registered path: the bytes and the ready-made header lists for each answer."""

    site_id: int
    article_id: int
    audience: str
    etag: str
    body: bytes
    gzipped: bytes
    plain_headers: list[tuple[str, str]]
    gzip_headers: list[tuple[str, str]]
    not_modified_headers: list[tuple[str, str]]
    confirmed_at: float
    # When a request last went to Django to confirm this entry after it went stale.
    revalidating_since: float = 0.0

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped) + 512


class Registry:
    """The bounded table of fast-path entries of one process.

    Reads take no lock (a dict lookup is atomic); registration and eviction do. Eviction
    drops the least recently confirmed entries first: a hot thread is confirmed every
    freshness window, so it is the cold ones that go.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.entries: OrderedDict[str, Entry] = OrderedDict()
        self.bytes = 0
        self.lock = threading.Lock()

    def get(self, key: str) -> Entry | None:
        return self.entries.get(key)

    def register(
        self,
        key: str,
        *,
        site_id: int,
        article_id: int,
        audience: str,
        etag: str,
        body: bytes,
        gzipped: bytes,
        headers: Representation,
        framed: bool,
    ) -> None:
        if audience not in AUDIENCES:
            raise ValueError(f"fast path audience must be one of {AUDIENCES}, not {audience!r}")
        now = time.monotonic()
        with self.lock:
            current = self.entries.get(key)
            if current is not None and current.etag == etag and current.audience == audience:
                current.confirmed_at = now
                self.entries.move_to_end(key)
                return
            content_type = next((value for name, value in headers.plain
                                 if name == "Content-Type"), "")
            security = list(security_headers(framed=framed, content_type=content_type))
            entry = Entry(
                site_id=site_id,
                article_id=article_id,
                audience=audience,
                etag=etag,
                body=body,
                gzipped=gzipped,
                plain_headers=[*headers.plain, *security],
                gzip_headers=[*headers.gzipped, *security],
                not_modified_headers=[*headers.not_modified, *security],
                confirmed_at=now,
            )
            if entry.size > self.max_bytes:
                self._drop(key)
                return
            self._drop(key)
            self.entries[key] = entry
            self.bytes += entry.size
            while self.bytes > self.max_bytes and self.entries:
                self._drop(next(iter(self.entries)))

    def _drop(self, key: str) -> None:
        old = self.entries.pop(key, None)
        if old is not None:
            self.bytes -= old.size

    def forget_article(self, site_id: int, article_id: int) -> None:
        """Drop every path of one thread at once: this process serves the change now."""
        with self.lock:
            for key in [
                k
                for k, e in self.entries.items()
                if e.article_id == article_id and e.site_id == site_id
            ]:
                self._drop(key)

    def forget_site(self, site_id: int) -> None:
        with self.lock:
            for key in [k for k, e in self.entries.items() if e.site_id == site_id]:
                self._drop(key)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.bytes = 0


registry = Registry(int(getattr(settings, "BTL_FAST_PATH_MAX_BYTES", 64 * 1024 * 1024)))


# What may make a request someone's own, or conditional: never copied into a revalidation.
_PERSONAL_KEYS = frozenset({
    "HTTP_AUTHORIZATION", "HTTP_COOKIE", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE",
    "CONTENT_LENGTH", "CONTENT_TYPE",
})
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _revalidator() -> ThreadPoolExecutor:
    """Two threads per process confirm stale entries in the background (created on first
    use, so that a process that never serves a hot thread has none)."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="btl-fastpath")
        return _executor


def request_key(path_info: str, query_string: str) -> str:
    """The exact address, as the WSGI environ gives it: no normalising, so two spellings of
    one page are two entries, and nothing is ever served for an address Django did not."""
    return f"{path_info}?{query_string}" if query_string else path_info


@lru_cache(maxsize=64)
def _host_allowed(host: str) -> bool:
    from django.http.request import split_domain_port, validate_host

    domain, _port = split_domain_port(host)
    allowed = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    return bool(domain) and validate_host(domain, allowed)


class FastPath:
    """WSGI middleware: registered fresh entries from memory, everything else to Django."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.session_marker = f"{settings.SESSION_COOKIE_NAME}="
        self.messages_marker = f"{getattr(settings, 'MESSAGE_COOKIE_NAME', 'messages')}="

    def personal(self, environ: dict[str, Any]) -> bool:
        """Whether this request may be someone's own page: a false "yes" only costs a trip
        through Django, which decides precisely."""
        if "HTTP_AUTHORIZATION" in environ:
            return True
        cookie = environ.get("HTTP_COOKIE")
        return bool(cookie) and (self.session_marker in cookie or self.messages_marker in cookie)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if (method == "GET" or method == "HEAD") and may_answer_here(environ):
            entry = registry.entries.get(
                request_key(environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))
            )
            if (
                entry is not None
                and (entry.audience == EVERYONE or not self.personal(environ))
                and _host_allowed(environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""))
                and self.may_serve(entry, environ)
            ):
                return self.serve(entry, environ, start_response, head=method == "HEAD")
        return self.app(environ, start_response)

    def may_serve(self, entry: Entry, environ: dict[str, Any]) -> bool:
        """Fresh: yes. Just stale: yes, and Django is asked once, in the background, to
        confirm the entry again (or replace it); for half a window more at most, then
        Django answers every request itself.

        In the background so that no reader waits for it: a request that went through
        Django here would hold its worker (and the interpreter) for the length of a Django
        request, and every reader arriving meanwhile would wait too (the latency's tail).
        """
        window = freshness()
        now = time.monotonic()
        age = now - entry.confirmed_at
        if age < window:
            return True
        if age >= window * 1.5:
            return False
        if entry.revalidating_since <= entry.confirmed_at:
            entry.revalidating_since = now  # a race lets two ask: harmless
            self.revalidate(environ)
        return True

    def revalidate(self, environ: dict[str, Any]) -> None:
        """Ask Django for this address as a reader who is not signed in would (no cookie,
        no token, no validators, whatever the request that noticed carried), and drop
        the answer: answering re-registers the entry."""
        quiet = {
            k: v for k, v in environ.items()
            if k not in _PERSONAL_KEYS and not k.startswith("wsgi.")
        }
        quiet.update({
            "REQUEST_METHOD": "GET", "wsgi.input": BytesIO(b""), "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0), "wsgi.url_scheme": environ.get("wsgi.url_scheme", "http"),
            "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
        })
        _revalidator().submit(self._ask_django, quiet)

    def _ask_django(self, environ: dict[str, Any]) -> None:
        try:
            result = self.app(environ, lambda status, headers, exc_info=None: None)
            try:
                for _chunk in result:
                    pass
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()  # request_finished: Django gives its connection back
        except Exception:
            log.warning("fast path: revalidating %s failed", environ.get("PATH_INFO"),
                        exc_info=True)

    @staticmethod
    def serve(
        entry: Entry, environ: dict[str, Any], start_response: Callable[..., Any], *, head: bool
    ) -> Iterable[bytes]:
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        if if_none_match and etag_matches(if_none_match, entry.etag):
            start_response(STATUS_NOT_MODIFIED, list(entry.not_modified_headers))
            return []
        if accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", "")):
            start_response(STATUS_OK, list(entry.gzip_headers))
            return [] if head else [entry.gzipped]
        start_response(STATUS_OK, list(entry.plain_headers))
        return [] if head else [entry.body]
