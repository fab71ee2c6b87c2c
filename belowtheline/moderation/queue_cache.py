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
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.template.loader import render_to_string

from belowtheline.memory import CSRF_MARK, Memory
from belowtheline.sites.models import Site

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


_memory: Memory[Key, Stored] = Memory(MAX_BYTES)
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


# --- the page around the rows -----------------------------------------------------------------

@dataclass(frozen=True)
class Frame:
    """The page around a queue body (masthead, who is looking, the cover, the shortcuts),
    cut where the body goes and where each CSRF token goes."""

    before: Stored
    after: Stored

    @property
    def size(self) -> int:
        return self.before.size + self.after.size

    def around(self, body: list[bytes], token: str) -> bytes:
        """The whole page: this frame, with this request's token, around the body."""
        return b"".join([*self.before.with_token(token), *body, *self.after.with_token(token)])


_frames: Memory[tuple[object, ...], Frame] = Memory(
    int(getattr(settings, "BTL_QUEUE_FRAME_MAX_BYTES", 4 * 1024 * 1024)))


def frame_for(request: HttpRequest, *, site: Site, template: str, context: dict[str, object],
              here: str, body_mark: str) -> Frame | None:
    """The frame of a queue page for this moderator, rendered once for each thing it shows.

    Everything in it is in its key: the site as configured, who is looking (their id and
    the name the masthead shows) and every other value of `context` (the role's label and
    powers, the cover line, the page's address, which the sign-out form comes back to, its
    tab), which must be plain values for the frame to be kept. Nothing in it is secret: the
    CSRF token is `CSRF_MARK` until sent. A request with messages to show (after a
    decision) has its frame rendered for it alone, as Django renders any page; so does a
    page with a refusal, which the caller does not ask for here."""
    if len(messages.get_messages(request)):
        return None
    user = request.user
    shown = sorted((name, value) for name, value in context.items() if name != "site")
    if any(value is not None and not isinstance(value, str | bool | int)
           for _name, value in shown):
        return None
    born = site.created_at.timestamp() if site.created_at else 0.0
    key = (site.pk, born, site.config_version, user.pk, user.get_username(),
           str(getattr(user, "public_name", "")), here, *shown)
    found = _frames.get(key)
    if found is not None:
        return found
    # As `render(request, …)` would give it, without the request: the context processors'
    # `user`, no messages (there are none), the CSRF stand-in, and the address the
    # sign-in and sign-out links come back to.
    html = render_to_string(template, {
        **context, "user": user, "messages": (), "csrf_token": CSRF_MARK, "come_back_to": here,
    })
    before, after = html.split(body_mark, 1)
    frame = Frame(Stored.of(before), Stored.of(after))
    _frames.put(key, frame)
    return frame


def clear() -> None:
    """Forget every rendering in this process (tests, benchmarks)."""
    _memory.clear()
    _frames.clear()
