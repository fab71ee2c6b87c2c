"""What every parser yields: the source's threads and comments in one shape.

Parsers know their format and nothing of our database; the service stages and publishes
these. Ids are strings as the source writes them, prefixed where a format has two kinds
(Disqus: `dsq:` for its internal ids, `id:` for the identifiers it also accepts)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from belowtheline.discussion.models import Comment

PUBLISHED = Comment.Status.PUBLISHED.value
PENDING = Comment.Status.PENDING.value
REMOVED = Comment.Status.REMOVED.value
DELETED = Comment.Status.DELETED.value

ANONYMOUS = "Anonymous"


@dataclass
class ThreadRecord:
    source_id: str
    url: str | None
    title: str = ""
    published_at: datetime | None = None
    alt_id: str = ""
    always_create: bool = False


@dataclass
class CommentRecord:
    source_id: str
    thread_ref: str
    parent_ref: str
    author_key: str
    author_name: str
    text: str
    status: str
    created_at: datetime
    alt_id: str = ""


@dataclass
class BadRecord:
    """A record the parser could read but not use: reported with its id, the rest goes on."""

    kind: str
    source_id: str
    reason: str


Record = ThreadRecord | CommentRecord | BadRecord


class BadValue(ValueError):
    """One field of one record is unusable (an impossible date): the record is skipped."""


def author_key(*, user_id: str = "", username: str = "", email: str = "",
               name: str = "") -> str:
    """Who wrote it, as stably as the source lets us tell: the source's account, else the
    email (hashed: we keep no address), else the name. Anonymous guests without a name are
    one author."""
    if user_id:
        return f"user:{user_id}"
    if username:
        return f"username:{username}"
    if email.strip():
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        return f"email:{digest}"
    if name.strip():
        return f"name:{name.strip()}"
    return "anonymous"


def parse_iso_datetime(value: str | None) -> datetime:
    """An ISO 8601 time; one without a zone is UTC (Disqus writes them so)."""
    value = (value or "").strip()
    if not value:
        raise BadValue("no date")
    try:
        moment = datetime.fromisoformat(value.replace(" ", "T", 1))
    except ValueError:
        raise BadValue(f"impossible date {value!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def parse_timestamp(value: object) -> datetime:
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError, OSError):
        raise BadValue(f"impossible date {value!r}") from None
