"""A signed-in reader's thread page, from comments rendered once per change of the thread.

A reader who is signed in with a session gets their own page (every form works without
JavaScript), and rendering a first page of 112 comments with their Recommend, Reply and
Report forms took 60-250 ms of Django's template engine, where the shared page for
readers who are not signed in costs nothing once rendered: on a standalone install, where
subscribers stay signed in, a hot story's signed-in readers would have taken the site down.

Yet almost every comment on that page looks the same to every signed-in reader in the same
standing: what differs is only on the reader's own comments, those they recommended or
reported, and one with a refused form or a message under it. So a comment, with its
replies, that is none of those for this reader ("plain") is rendered once per version of
the thread and per standing (signed in, subscriber, may reply) and kept in this process's
memory; the reader's CSRF token goes in on the way out (rendered as `CSRF_MARK`, which
escaped user text can never spell, since it has a "<"). Anything else about the reader is
rendered for them as before. The key names everything the template reads (the thread's
and the site's versions, the page's address for the forms' `next`, the time zone and
language, the script prefix), so a change anywhere makes a new key and nothing is
invalidated; old renderings age out of the bounded memory.
"""

from dataclasses import dataclass

from django.conf import settings
from django.template import Context
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from belowtheline.discussion.selectors import ThreadEntry
from belowtheline.memory import CSRF_MARK, Memory

TEMPLATE = "discussion/_comment.html"
MAX_BYTES = int(getattr(settings, "BTL_COMMENT_FRAGMENTS_MAX_BYTES", 32 * 1024 * 1024))


@dataclass(frozen=True)
class Fragment:
    html: str

    @property
    def size(self) -> int:
        return len(self.html) + 200


_memory: Memory[tuple[object, ...], Fragment] = Memory(MAX_BYTES)


def is_plain(entry: ThreadEntry, *, problem: object, comment_flash: object) -> bool:
    """Whether this comment and every reply under it look to this reader as they do to
    anyone else in the same standing: none is theirs, recommended or reported by them, or
    carries a refused form or a message of theirs."""
    comment_id = entry.comment.pk
    if entry.is_own or entry.viewer_recommended or entry.viewer_reported:
        return False
    if problem is not None and getattr(problem, "comment_id", None) == comment_id:
        return False
    if comment_flash and comment_id in comment_flash:  # type: ignore[operator]
        return False
    return all(is_plain(reply, problem=problem, comment_flash=comment_flash)
               for reply in entry.replies)


def _key(context: Context, entry: ThreadEntry, with_token: bool) -> tuple[object, ...] | None:
    site, article, standing = context.get("site"), context.get("article"), context.get("standing")
    if site is None or article is None or standing is None:
        return None
    born = site.created_at.timestamp() if site.created_at else 0.0  # ids can repeat in tests
    return (
        site.pk, born, site.slug, site.config_version, article.pk, article.thread_version,
        entry.comment.pk, bool(standing.signed_in), bool(standing.subscriber),
        bool(context.get("can_reply")), str(context.get("next_url", "")),
        context.get("max_length"), timezone.get_current_timezone_name(),
        translation.get_language(), get_script_prefix(), with_token,
    )


def render_comment(context: Context, entry: ThreadEntry) -> SafeString:
    """The comment with its replies, as `TEMPLATE` renders it in `context`."""
    template = context.template.engine.get_template(TEMPLATE)  # type: ignore[union-attr]
    token = context.get("csrf_token")
    plain = is_plain(entry, problem=context.get("problem"),
                     comment_flash=context.get("comment_flash"))
    key = _key(context, entry, token is not None) if plain else None
    if key is None:
        with context.push(entry=entry):
            return mark_safe(template.render(context))
    found = _memory.get(key)
    if found is None:
        marked = {"csrf_token": CSRF_MARK} if token is not None else {}
        with context.push(entry=entry, **marked):
            found = Fragment(template.render(context))
        _memory.put(key, found)
    if token is None:
        return mark_safe(found.html)
    # Inside a fragment being rendered, the token is the mark itself: left for the outer one.
    return mark_safe(found.html.replace(CSRF_MARK, str(token)))


def clear() -> None:
    """Forget every rendering in this process (tests, benchmarks)."""
    _memory.clear()
