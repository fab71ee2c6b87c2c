"""The one source of truth for what of a thread is cached, and when it stops being true.

A thread is the same for every reader who is not signed in on our domain, so each
rendering of it (the HTML page, the embed, the API's JSON) is made once per change and its
bytes are served to everyone. A rendering is keyed by

    (site.pk, site.config_version, article.pk, article.thread_version, variant)

`Article.thread_version` is bumped by `thread_changed` in the same transaction as every
change to what the thread shows (a post, an edit, a recommendation, a moderator's
decision); `Site.config_version` by the site's own settings, schedule, rules and
sanctions. A caller re-reads both rows (two cheap queries) before asking here, so a
changed thread is a new key, and an old rendering is never served again: nothing is ever
deleted to be correct, only to free memory.

Two levels: L1 is this process's memory (bounded, least recently used first out); L2 is
`django.core.cache` (Redis when REDIS_URL is set, so several processes and machines render
a version once between them; local memory otherwise). Many requests for a new version at
once render it once per process: the first renders, the others wait for it.

What per-reader parts a caller leaves out of the body, and that the body depends on
nothing else (no `now`, no request), is the caller's promise; the variant names everything
else it depends on.
"""

import functools
import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse

from belowtheline import fastpath, rows
from belowtheline.accounts.models import User
from belowtheline.discussion.models import Article, Comment
from belowtheline.memory import Memory
from belowtheline.sites.models import Site

log = logging.getLogger(__name__)

# A CDN or nginx in front may answer for a second, and for a few more while it asks us
# again in the background: a spike on one story then reaches us as one request per edge.
MAX_AGE = 1
STALE_WHILE_REVALIDATE = 10
CACHE_CONTROL = f"public, max-age={MAX_AGE}, stale-while-revalidate={STALE_WHILE_REVALIDATE}"
# The same address answers differently to a reader signed in on our domain (cookie), to a
# token (Authorization) and by compression: a shared cache must keep those apart.
VARY = "Accept-Encoding, Cookie, Authorization"
# Renderings live in L2 for a day: a version no longer current is simply never asked for.
L2_TIMEOUT = 24 * 3600

Key = tuple[int, int, int, int, str]


@functools.lru_cache(maxsize=1)
def _bump_sql() -> str:
    return (
        f"UPDATE {rows.table(Article)} SET thread_version = thread_version + 1, "
        "comment_count = comment_count + %s WHERE id = %s AND site_id = %s"
    )


def thread_changed(
    *, site: Site | int, article_id: int, comment_count_delta: int = 0,
    served_at_once: bool = True,
) -> None:
    """Say, inside the transaction that changes it, that what a thread shows has changed.

    The version moves in the same transaction as the change, so a reader who sees the
    change's effects anywhere also gets a new key; this process drops its copies once the
    change is committed, and the others notice within the fast path's freshness window,
    when their next request re-reads the version.

    `served_at_once=False` (a new comment) leaves this process's fast-path copy to be
    renewed within the freshness window too, as on every other process: a hot thread
    takes posts many times a second, and dropping the copy on each made this process
    render the thread once per post while its readers waited (posting while the hot page
    was read: 44 posts and 38 page reads a second, against hundreds and thousands).
    """
    # A site's pk is accepted too: status changes have the comment's site_id in hand.
    site_id = site if isinstance(site, int) else site.pk
    # A change that also moves the published count (a post) does both in one statement:
    # the hot article's row is the one every poster queues on. Written as SQL once (see
    # rows.py): the ORM's update with two F() expressions cost 0.4 ms to compile.
    rows.execute(_bump_sql(), [comment_count_delta, article_id, site_id])
    transaction.on_commit(lambda: forget_article(
        site_id=site_id, article_id=article_id, fast_path=served_at_once
    ))


def forget_article(*, site_id: int, article_id: int, fast_path: bool = True) -> None:
    """Drop this process's copies of one thread (they are unreachable by key already)."""
    _l1.forget(lambda key: key[0] == site_id and key[2] == article_id)
    if fast_path:
        fastpath.registry.forget_article(site_id, article_id)


def author_renamed(*, site: Site, user: User) -> None:
    """A commenter's new name must reach every thread that prints the old one: move the
    version of each article they wrote in, in the renaming's transaction. Rare (a
    publisher's token carrying a new name), so one statement per rename is cheap enough."""
    article_ids = list(
        Comment.objects.filter(site=site, author=user).values_list("article_id", flat=True)
        .distinct()
    )
    if not article_ids:
        return
    Article.objects.filter(site=site, pk__in=article_ids).update(
        thread_version=F("thread_version") + 1
    )
    site_id = site.pk

    def forget() -> None:
        for article_id in article_ids:
            forget_article(site_id=site_id, article_id=article_id)

    transaction.on_commit(forget)


def site_changed(*, site: Site) -> None:
    """For code that bumps `Site.config_version`: drop this process's copies of every
    thread of the site once committed. Other processes notice within the freshness window."""
    site_id = site.pk
    transaction.on_commit(lambda: forget_site(site_id=site_id))


def forget_site(*, site_id: int) -> None:
    _l1.forget(lambda key: key[0] == site_id)
    fastpath.registry.forget_site(site_id)


@dataclass(frozen=True)
class Rendering:
    """What a render callback returns: the bytes to share, and what to keep with them."""

    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()
    # Optional picklable structure kept with the body: the API composes per-viewer answers
    # from it without parsing its own JSON back.
    data: object = None


@dataclass(frozen=True)
class CachedBody:
    etag: str  # strong, quoted
    body: bytes
    gzipped: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...]
    data: object
    # Which thread it is (the fast path drops a thread's addresses by it) and the header
    # lists of each answer, built once with the body.
    site_id: int = 0
    article_id: int = 0
    headers_for: fastpath.Representation | None = None

    @property
    def size(self) -> int:
        """What keeping it costs this process's memory, roughly."""
        return len(self.body) + len(self.gzipped) + 512


def _digest(data: bytes, size: int) -> str:
    return hashlib.blake2b(data, digest_size=size).hexdigest()


def _finish(key: Key, rendering: Rendering) -> CachedBody:
    site_id, config_version, article_id, thread_version, variant = key
    # Versions first (readable when debugging), then the variant, then the bytes: two
    # processes that rendered one version differently never share a validator.
    etag = (
        f'"t{site_id}.{config_version}.{article_id}.{thread_version}.'
        f'{_digest(variant.encode(), 4)}.{_digest(rendering.body, 8)}"'
    )
    gzipped = fastpath.compress(rendering.body)
    return CachedBody(
        etag=etag,
        body=rendering.body,
        gzipped=gzipped,
        content_type=rendering.content_type,
        headers=tuple(rendering.headers),
        data=rendering.data,
        site_id=site_id,
        article_id=article_id,
        headers_for=_representation(etag, rendering, len(gzipped)),
    )


def _representation(
    etag: str, rendering: Rendering, gzipped_length: int
) -> fastpath.Representation:
    return fastpath.representation(
        etag=etag,
        content_type=rendering.content_type,
        plain_length=len(rendering.body),
        gzipped_length=gzipped_length,
        cache_control=CACHE_CONTROL,
        vary=VARY,
        extra=tuple(rendering.headers),
    )


# L1: this process's renderings, bounded in bytes, least recently used out first.
_l1: Memory[Key, CachedBody] = Memory(
    int(getattr(settings, "BTL_THREAD_CACHE_MAX_BYTES", 64 * 1024 * 1024)))
_render_locks: dict[Key, threading.Lock] = {}
_render_locks_guard = threading.Lock()


def _l2_key(key: Key) -> str:
    site_id, config_version, article_id, thread_version, variant = key
    # Cache backends limit key characters and length: the variant goes in as a digest.
    return (
        f"btl:thread:{site_id}:{config_version}:{article_id}:{thread_version}:"
        f"{_digest(variant.encode(), 12)}"
    )


def _from_l2(key: Key) -> CachedBody | None:
    try:
        stored = cache.get(_l2_key(key))
    except Exception:  # a cache outage costs a render, never the page
        log.warning("thread cache: L2 read failed", exc_info=True)
        return None
    return stored if isinstance(stored, CachedBody) else None


def _to_l2(key: Key, item: CachedBody) -> None:
    try:
        cache.set(_l2_key(key), item, L2_TIMEOUT)
    except Exception:
        log.warning("thread cache: L2 write failed", exc_info=True)


def cached_rendering(
    *, site: Site, article: Article, variant: str, render: Callable[[], Rendering]
) -> CachedBody:
    """This version's rendering of a thread in `variant`, rendered by `render` only if no
    process has yet rendered it (L2) and never twice at once in this process.

    `site` and `article` must have been read in this request: their versions are the key.
    """
    if article.site_id != site.pk:
        raise ValueError("article is not on this site")
    # The rows' creation times too: after a database is reset, new rows reuse ids and
    # versions, and Redis must not hand them the old database's pages.
    born = f"{site.created_at.timestamp() if site.created_at else ''}/" + (
        f"{article.created_at.timestamp() if article.created_at else ''}"
    )
    key: Key = (
        site.pk, site.config_version, article.pk, article.thread_version, f"{variant}|{born}"
    )
    found = _l1.get(key)
    if found is not None:
        return found
    with _render_locks_guard:
        lock = _render_locks.setdefault(key, threading.Lock())
    try:
        with lock:
            found = _l1.get(key)
            if found is not None:
                return found
            found = _from_l2(key)
            if found is None:
                found = _finish(key, render())
                _to_l2(key, found)
            _l1.put(key, found)
            return found
    finally:
        with _render_locks_guard:
            if _render_locks.get(key) is lock:
                del _render_locks[key]


def _headers(cached: CachedBody) -> fastpath.Representation:
    if cached.headers_for is not None:
        return cached.headers_for
    return fastpath.representation(
        etag=cached.etag,
        content_type=cached.content_type,
        plain_length=len(cached.body),
        gzipped_length=len(cached.gzipped),
        cache_control=CACHE_CONTROL,
        vary=VARY,
        extra=cached.headers,
    )


def cached_response(
    request: HttpRequest, cached: CachedBody, *, fast_path: str | None
) -> HttpResponse:
    """The shared body as this request should get it: 304 when the client already has it,
    gzip when it may, the plain bytes otherwise; HEAD gets the headers alone.

    With `fast_path` ("everyone" or "anonymous") the body is (re)registered in the WSGI
    fast path under this request's exact address, confirmed fresh as of now.
    """
    headers = _headers(cached)
    framed = fastpath.frames_itself(cached.headers)
    if fast_path is not None:
        fastpath.registry.register(
            fastpath.request_key(request.path_info, request.META.get("QUERY_STRING", "")),
            site_id=cached.site_id,
            article_id=cached.article_id,
            audience=fast_path,
            etag=cached.etag,
            body=cached.body,
            gzipped=cached.gzipped,
            headers=headers,
            framed=framed,
        )
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match and fastpath.etag_matches(if_none_match, cached.etag):
        response = HttpResponse(status=304)
        chosen = headers.not_modified
    elif fastpath.accepts_gzip(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        response = HttpResponse(b"" if request.method == "HEAD" else cached.gzipped)
        chosen = headers.gzipped
    else:
        response = HttpResponse(b"" if request.method == "HEAD" else cached.body)
        chosen = headers.plain
    for name, value in chosen:
        response[name] = value
    if framed:
        response.xframe_options_exempt = True  # type: ignore[attr-defined]
    return response


def clear() -> None:
    """Empty this process's memory (tests; `btl` commands that rebuild data in bulk)."""
    _l1.clear()
    fastpath.registry.clear()


# --- added by the API's per-reader composition -------------------------------------------


def page_is_shared_with(
    *, site: Site, article: Article, viewer_id: int, page: int, unpublished_top_level: bool
) -> bool:
    """Whether the shared rendering's page (which comments, where the page ends) is also
    this signed-in reader's, so that their answer can be the shared one with their part
    laid over it.

    It is not when they have a top-level comment awaiting approval: they alone see it, in
    its place in the sort, so every page boundary after it moves for them. `viewer_overlay`
    already lists such comments on the first page (`unpublished_top_level`); for a later
    page one query asks. Rare (pre-moderated articles and authors), so those readers simply
    get the thread rendered for them.
    """
    if page == 1:
        return not unpublished_top_level
    return not Comment.objects.filter(
        site=site, article=article, author_id=viewer_id, thread_root__isnull=True,
        status=Comment.Status.PENDING,
    ).exists()
