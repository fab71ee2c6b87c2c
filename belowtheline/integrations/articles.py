"""Articles as a publisher's CMS registers them: created or updated by canonical URL.

A newsroom's system knows its articles before any reader does; through an API key it
registers each one (title, publication time) and sets its comment mode, so that a
sensitive story is pre-moderated before the first comment arrives rather than after.
The canonical URL is the article's identity, as it is for the embed: upserting the same
URL twice updates one article, never makes two.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction

from belowtheline.discussion import thread_cache
from belowtheline.discussion.models import Article
from belowtheline.errors import BtlError
from belowtheline.moderation import services as moderation
from belowtheline.moderation.services import Person
from belowtheline.sites.models import Site

URL_LENGTH = Article._meta.get_field("canonical_url").max_length or 500
TITLE_LENGTH = Article._meta.get_field("title").max_length or 300


class ArticleInputError(BtlError):
    status = 400


@dataclass
class Upserted:
    article: Article
    created: bool


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    try:
        if len(url) > URL_LENGTH:
            raise ValidationError("too long")
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ArticleInputError(
            "canonical_url_invalid",
            f"canonical_url must be an http(s) address of at most {URL_LENGTH} characters.",
            field="canonical_url",
        ) from None
    return url


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title or len(title) > TITLE_LENGTH:
        raise ArticleInputError(
            "title_invalid", f"title is required, at most {TITLE_LENGTH} characters.",
            field="title",
        )
    return title


def upsert_article(
    *,
    site: Site,
    actor: Person,
    canonical_url: str,
    title: str,
    published_at: datetime | None = None,
    comment_mode: str | None = None,
    now: datetime,
) -> Upserted:
    """Create the article or bring it up to date. Editors, admins and API keys only.

    A new article takes the mode it is given without an audit entry (nothing changed);
    changing an existing article's mode goes through moderation's `set_comment_mode`, so
    it is audited like an editor's change from the dashboard.
    """
    moderation.check_can_edit(site=site, actor=actor)
    url = _clean_url(canonical_url)
    clean_title = _clean_title(title)
    if comment_mode is not None and comment_mode not in Article.CommentMode.values:
        raise ArticleInputError(
            "comment_mode_invalid", "Choose open, premoderated or closed.", field="comment_mode"
        )
    if published_at is not None and published_at.tzinfo is None:
        raise ArticleInputError(
            "published_at_invalid", "published_at must include a time zone.",
            field="published_at",
        )
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(site=site, canonical_url=url).first()
        created = False
        if article is None:
            try:
                with transaction.atomic():
                    article = Article.objects.create(
                        site=site, canonical_url=url, title=clean_title,
                        published_at=published_at,
                        comment_mode=comment_mode or Article.CommentMode.OPEN,
                    )
                    created = True
            except IntegrityError:  # registered meanwhile, by the embed or another call
                article = Article.objects.select_for_update().get(site=site, canonical_url=url)
        if not created:
            changes: dict[str, object] = {}
            if article.title != clean_title:
                changes["title"] = clean_title
            if published_at is not None and article.published_at != published_at:
                changes["published_at"] = published_at
            if changes:
                Article.objects.filter(pk=article.pk, site=site).update(**changes)
                thread_cache.thread_changed(site=site, article_id=article.pk)
                for field, value in changes.items():
                    setattr(article, field, value)
            if comment_mode is not None and comment_mode != article.comment_mode:
                article = moderation.set_comment_mode(
                    site=site, actor=actor, article_id=article.pk, mode=comment_mode, now=now
                )
    return Upserted(article=article, created=created)
