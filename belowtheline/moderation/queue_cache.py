"""The queue pages as rendered, kept in this process's memory under the queue's version.

A page of the Reported tab is 50 rows of a dozen forms each: rendering it costs far more
than serving it, and every moderator on a busy desk reloads it all day. What a page shows
is the same for every moderator of a site with the same powers, except the CSRF token,
so a rendering is kept under

    (site.pk, site.created_at, site.config_version, queue version, variant)

where the queue version (`discussion.reports.queue_changed`) moves in the same transaction
as every report filed and every decision, sanction and note; `config_version` moves with
the rules a row offers to cite; and the variant is the page's own address (tab, filters,
cursor: the forms send it back as `next`) and what the moderator's role lets them see.
The CSRF token is never in a stored rendering: pages are rendered with `CSRF_MARK` in
its place, which no escaped text can spell, and each request's own token is put in when
the page is sent. A refused form's page (the moderator's input, the refusal) is never
stored.

What changes without a report or a decision (an author's edit, their count of comments,
a name, the age of a report, the priority that grows with it, a comment awaiting
approval) shows within `FRESH_SECONDS`: after that a page is rendered again by the next
request, while the others of the same moment are given the previous rendering rather
than queue behind it. A new version is rendered once per process, the first request
rendering and the others of that moment waiting for it.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.safestring import mark_safe

from belowtheline.sites.models import Site

# No escaped text can contain "<": user text never spells this.
CSRF_MARK = mark_safe("<btl-csrf>")
_MARK_BYTES = CSRF_MARK.encode()
FRESH_SECONDS = 10.0  # unless settings.BTL_QUEUE_CACHE_SECONDS says otherwise
MAX_BYTES = int(getattr(settings, "BTL_QUEUE_CACHE_MAX_BYTES", 32 * 1024 * 1024))

Key = tuple[int, float, int, int, str]


@dataclass(frozen=True)
class Stored:
    """A rendering as UTF-8, cut where each CSRF token goes: sending it is one join."""

    parts: tuple[bytes, ...]
    made_at: float  # time.monotonic()

    @property
    def size(self) -> int:
        return sum(len(part) for part in self.parts)

    @classmethod
    def of(cls, html: str) -> "Stored":
        return cls(tuple(html.encode().split(_MARK_BYTES)), time.monotonic())

    def with_token(self, token: str) -> list[bytes]:
        """The rendering with this request's CSRF token in every form, as chunks."""
        chunks = [self.parts[0]]
        mark = token.encode()
        for part in self.parts[1:]:
            chunks += (mark, part)
        return chunks


class _Memory:
    """Renderings, bounded in bytes, least recently used out first."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.items: OrderedDict[Key, Stored] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key: Key) -> Stored | None:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key: Key, item: Stored) -> None:
        if item.size > self.max_bytes:
            return
        with self.lock:
            old = self.items.pop(key, None)
            if old is not None:
                self.size -= old.size
            self.items[key] = item
            self.size += item.size
            while self.size > self.max_bytes:
                _, dropped = self.items.popitem(last=False)
                self.size -= dropped.size

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.size = 0


_memory = _Memory(MAX_BYTES)
_rendering: dict[Key, threading.Lock] = {}
_rendering_guard = threading.Lock()


def key_for(*, site: Site, version: int, variant: str) -> Key:
    born = site.created_at.timestamp() if site.created_at else 0.0
    return (site.pk, born, site.config_version, version, variant)


def cached_page(*, key: Key, render: Callable[[], tuple[str, bool]]) -> Stored:
    """The rendering stored under `key`, made by `render` when there is none or it is
    older than `FRESH_SECONDS`. `render` returns the HTML and whether it may be stored
    (a page that had to fall back, such as an outdated cursor's, is not)."""
    fresh_for = float(getattr(settings, "BTL_QUEUE_CACHE_SECONDS", FRESH_SECONDS))
    found = _memory.get(key)
    if found is not None and time.monotonic() - found.made_at < fresh_for:
        return found
    with _rendering_guard:
        lock = _rendering.setdefault(key, threading.Lock())
    # A stale rendering of the same version is still what the queue was a moment ago:
    # while one request renders it again, the others get it instead of waiting.
    if not lock.acquire(blocking=found is None):
        return found  # type: ignore[return-value]
    try:
        again = _memory.get(key)
        if again is not None and again is not found:
            return again  # rendered by another request while this one waited
        html, storable = render()
        made = Stored.of(html)
        if storable:
            _memory.put(key, made)
        return made
    finally:
        lock.release()
        with _rendering_guard:
            if _rendering.get(key) is lock and not lock.locked():
                del _rendering[key]


def clear() -> None:
    """Forget every rendering in this process (tests, benchmarks)."""
    _memory.clear()
