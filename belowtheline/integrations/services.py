"""What the embed does to the world: register an article the first time a publisher's page
shows its thread, and allow a publisher's origins.

The browser's `Origin` header is the only proof we get that a request comes from the
publisher's own page, so every embed call checks it against the site's allowed origins
before anything is read or written. (A script outside a browser can forge the header; it
can then only register an article under the publisher's own site, which is harmless.)
"""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime

from belowtheline.discussion.models import Article
from belowtheline.errors import BtlError
from belowtheline.sites.models import Site

MAX_COUNT_URLS = 50
MAX_TITLE_LENGTH = 300
MAX_URL_LENGTH = 500


class EmbedError(BtlError):
    """An embed request refused: a foreign origin or an unusable article description."""


@dataclass(frozen=True)
class EmbeddedArticle:
    article: Article
    created: bool


def check_embed_origin(*, site: Site, origin: str | None) -> str:
    """The request's origin, if the site allows it to embed the thread; else a 403.

    A missing origin is refused too: every browser sends one on a cross-origin fetch, so
    its absence means the caller is not a publisher's page.
    """
    origin = (origin or "").strip().rstrip("/")
    if not origin or origin == "null" or origin not in site.origins:
        raise EmbedError(
            "origin_not_allowed",
            "This page's origin may not embed comments from this site.",
            status=403,
        )
    return origin


def _clean_url(url: object) -> str:
    url = url.strip() if isinstance(url, str) else ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > MAX_URL_LENGTH:
        raise EmbedError("url_invalid", "The article URL must be an http(s) URL.", field="url")
    return parts._replace(fragment="").geturl()


def _clean_published(value: object) -> datetime | None:
    """An unparseable or naive date is dropped, not refused: it only orders the front page."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = parse_datetime(value.strip())
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def register_article_from_embed(
    *, site: Site, origin: str | None, url: object, title: object = "",
    published: object = None,
) -> EmbeddedArticle:
    """The article behind a publisher's page, created on its first embed view.

    Later views never change it: the newsroom edits titles through the API or the admin,
    and a page cached with an old title must not undo that.
    """
    check_embed_origin(site=site, origin=origin)
    canonical_url = _clean_url(url)
    existing = Article.objects.filter(site=site, canonical_url=canonical_url).first()
    if existing is not None:
        return EmbeddedArticle(existing, created=False)
    clean_title = (title.strip() if isinstance(title, str) else "")[:MAX_TITLE_LENGTH]
    try:
        with transaction.atomic():
            article = Article.objects.create(
                site=site,
                canonical_url=canonical_url,
                title=clean_title or canonical_url[:MAX_TITLE_LENGTH],
                published_at=_clean_published(published),
            )
    except IntegrityError:  # two first views at once: the other one created it
        article = Article.objects.get(site=site, canonical_url=canonical_url)
        return EmbeddedArticle(article, created=False)
    return EmbeddedArticle(article, created=True)


def comment_counts(*, site: Site, origin: str | None, urls: list[str]) -> dict[str, int]:
    """Published comments per canonical URL, for list pages; unknown URLs count 0."""
    check_embed_origin(site=site, origin=origin)
    wanted = list(dict.fromkeys(u for u in urls if u))[:MAX_COUNT_URLS]
    found = dict(
        Article.objects.filter(site=site, canonical_url__in=wanted)
        .values_list("canonical_url", "comment_count")
    )
    return {url: found.get(url, 0) for url in wanted}


def allow_embed_origins(*, site: Site, origins: list[str]) -> list[str]:
    """Add origins to the site's allowed list, keeping the ones already there.

    Used by `btl serve --publisher-port`, whose demo publisher page lives on a port chosen
    at start-up. Returns the origins that were added.
    """
    added = [o.rstrip("/") for o in origins if o.rstrip("/") not in site.origins]
    if added:
        site.allowed_origins = "\n".join([*site.origins, *added])
        site.save(update_fields=["allowed_origins"])
    return added
