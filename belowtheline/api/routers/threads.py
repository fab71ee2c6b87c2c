"""Reading a discussion: open to anyone, signed in or not."""

from typing import Annotated

from django.http import HttpRequest
from ninja import Query, Router

from belowtheline import clock
from belowtheline.api.auth import acting_user
from belowtheline.api.errors import documented
from belowtheline.api.params import ArticleId, SiteSlug
from belowtheline.api.presenters import article_out, comment_out, standing_out
from belowtheline.api.schemas import ThreadOut
from belowtheline.discussion import selectors
from belowtheline.discussion.models import Article
from belowtheline.sites.models import Site
from belowtheline.sites.selectors import site_by_slug

router = Router(tags=["threads"])

SortParam = Annotated[
    str | None,
    Query(
        description="Order of the top-level comments: "
        + ", ".join(sort.value for sort in selectors.Sort)
        + " (the default is newest).",
        example="newest",
    ),
]
PageParam = Annotated[
    str | None,
    Query(description=f"1, 2, 3… ({selectors.PAGE_SIZE} top-level comments a page)."),
]
THREAD_ERRORS = {400: ["sort_invalid", "page_invalid"], 404: ["article_not_found"]}


def _thread(
    request: HttpRequest, *, site: Site, article: Article, sort: str | None, page: str | None
) -> ThreadOut:
    order = selectors.parse_sort(sort)
    number = selectors.parse_page(page)
    viewer = acting_user(request)
    now = clock.now()
    standing = selectors.viewer_standing(site=site, user=viewer, now=now)
    thread = selectors.thread_page(
        site=site, article=article, sort=order, page=number, viewer=viewer
    )
    next_page = None
    if thread.has_more:
        query = request.GET.copy()
        query["sort"] = thread.sort.value
        query["page"] = str(thread.page + 1)
        next_page = f"{request.path}?{query.urlencode()}"
    return ThreadOut(
        article=article_out(thread.article, site=site),
        sort=thread.sort.value,
        page=thread.page,
        page_size=selectors.PAGE_SIZE,
        has_more=thread.has_more,
        next_page=next_page,
        viewer=standing_out(standing),
        comments=[comment_out(entry, now=now) for entry in thread.entries],
    )


@router.get(
    "articles/{int:article_id}/thread",
    summary="An article's discussion",
    **documented({200: ThreadOut}, THREAD_ERRORS, params=True),
)
def article_thread(
    request: HttpRequest,
    site: SiteSlug,
    article_id: ArticleId,
    sort: SortParam = None,
    page: PageParam = None,
) -> ThreadOut:
    """One page of top-level comments, each with all its replies, as the viewer may see it."""
    publication = site_by_slug(site)
    article = selectors.get_article(site=publication, article_id=article_id)
    return _thread(request, site=publication, article=article, sort=sort, page=page)


@router.get(
    "thread",
    summary="An article's discussion, by the article's URL",
    **documented({200: ThreadOut}, THREAD_ERRORS, params=True),
)
def thread_by_url(
    request: HttpRequest,
    site: SiteSlug,
    url: Annotated[
        str,
        Query(
            min_length=1,
            max_length=2000,
            # No control characters: PostgreSQL cannot even compare a string holding NUL.
            pattern=r"^[^\x00-\x1f\x7f]+$",
            description="The article's canonical URL, as the publisher registered it.",
        ),
    ],
    sort: SortParam = None,
    page: PageParam = None,
) -> ThreadOut:
    """The same thread, for an embed that knows its page's URL rather than the article id."""
    publication = site_by_slug(site)
    article = selectors.article_by_url(site=publication, url=url)
    return _thread(request, site=publication, article=article, sort=sort, page=page)
