"""Articles for a publisher's own systems: register them and set their comment mode.

Meant for API keys (server to server), open to editors and admins signed in too: the
service decides who may, and an API key acts as its site's integration editor.
"""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status

from belowtheline import clock
from belowtheline.api.auth import acting_user
from belowtheline.api.errors import documented
from belowtheline.api.params import SiteSlug
from belowtheline.api.presenters import article_out
from belowtheline.api.schemas import ArticleOut
from belowtheline.integrations.articles import upsert_article
from belowtheline.sites.selectors import site_by_slug

router = Router(tags=["articles"])


class ArticleUpsertIn(Schema):
    canonical_url: str = Field(description="The article's canonical address: its identity.")
    title: str
    published_at: datetime | None = Field(None, description="ISO 8601, with a time zone.")
    comment_mode: str | None = Field(
        None, json_schema_extra={"enum": ["open", "premoderated", "closed"]},
        description="Leave out to keep the current mode (new articles: open).",
    )


@router.put(
    "articles",
    summary="Register or update an article by its canonical URL",
    **documented(
        {200: ArticleOut, 201: ArticleOut},
        {
            400: ["canonical_url_invalid", "title_invalid", "comment_mode_invalid",
                  "published_at_invalid"],
            401: ["api_key_invalid", "api_key_revoked"],
            403: ["not_an_editor", "api_key_wrong_site"],
        },
        body=True, write=True, staff=True,
    ),
)
def upsert(request: HttpRequest, site: SiteSlug, payload: ArticleUpsertIn) -> Status[ArticleOut]:
    """201 when the article is new, 200 when an existing one was brought up to date. A
    change of comment mode is audited under the key's integration name."""
    actor = acting_user(request, writing=True)
    publication = site_by_slug(site)
    result = upsert_article(
        site=publication, actor=actor, canonical_url=payload.canonical_url, title=payload.title,
        published_at=payload.published_at, comment_mode=payload.comment_mode, now=clock.now(),
    )
    return Status(201 if result.created else 200, article_out(result.article, site=publication))
