"""Reading a discussion: open to anyone, signed in or not.

A page of a thread is the same for everyone who is not signed in, so it is rendered once
per change of the thread (`discussion.thread_cache`) and its bytes served as they are:
through the WSGI fast path while fresh, else with ETag, 304 and gzip. A signed-in reader
(bearer token or session) gets that same document with their part laid over it
(`presenters.viewer_thread_fields`), and `thread/viewer` answers that part alone. The
documents are plain data serialised once: ninja's `response=` still describes them in the
OpenAPI, but an HttpResponse is not validated again.
"""

import json
from typing import Annotated, Any

from django.contrib.auth.models import AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from belowtheline import clock
from belowtheline.api.auth import acting_user
from belowtheline.api.errors import documented
from belowtheline.api.params import ArticleId, SiteSlug
from belowtheline.api.presenters import (
    thread_fields,
    thread_viewer_fields,
    viewer_thread_fields,
)
from belowtheline.api.schemas import ThreadOut, ThreadViewerOut
from belowtheline.discussion import selectors, thread_cache
from belowtheline.discussion.models import Article, Comment
from belowtheline.sites.models import Site
from belowtheline.sites.selectors import site_by_slug

router = Router(tags=["threads"])

def _declared_query(declared: dict[str, Any]) -> Any:
    """A query parameter described as `declared` says, while the handler still takes the
    raw string and `selectors.parse_sort`/`parse_page` answer a bad one with their own
    codes (`sort_invalid`, `page_invalid`) rather than a generic `invalid_input`."""

    def replace(schema: dict[str, Any]) -> None:
        schema.clear()
        schema.update(declared)

    param = Query(description=declared["description"])
    # Ninja fills json_schema_extra with a dict of its own; pydantic also takes a function.
    param.json_schema_extra = replace
    return param


SortParam = Annotated[
    str | None,
    _declared_query({
        "type": "string",
        "enum": [sort.value for sort in selectors.Sort],
        "description": "Order of the top-level comments: "
        + ", ".join(sort.value for sort in selectors.Sort)
        + " (the default is newest).",
        "examples": ["newest"],
    }),
]
PageParam = Annotated[
    str | None,
    _declared_query({
        "type": "integer",
        "minimum": 1,
        "maximum": selectors.MAX_PAGE,
        "description": f"1, 2, 3… ({selectors.PAGE_SIZE} top-level comments a page).",
    }),
]
THREAD_ERRORS = {400: ["sort_invalid", "page_invalid"], 404: ["article_not_found"]}
JSON = "application/json; charset=utf-8"
# A reader's own answer: never kept by a browser's or anybody else's cache.
PRIVATE = "private, no-store"
THREAD_DESCRIPTION = (
    " Without credentials the answer is shared: `Cache-Control: public` with a short "
    "lifetime, a strong `ETag` (send it back in `If-None-Match` for a 304) and gzip. With "
    "them it is the reader's own (`private, no-store`): the same document with their "
    "standing in `viewer`, their marks in each comment's `viewer`, and their held and "
    "pending comments in full."
)


def _json(document: dict[str, Any]) -> bytes:
    # The encoder ninja renders with, so the bytes are those a validated ThreadOut gave.
    return json.dumps(document, cls=DjangoJSONEncoder).encode()


def _private(document: dict[str, Any]) -> HttpResponse:
    response = HttpResponse(_json(document), content_type=JSON)
    response["Cache-Control"] = PRIVATE
    return response


def _next_page(request: HttpRequest, sort: selectors.Sort, page: int, *,
               thread_path: str | None = None) -> str:
    """The address of the page after this one (used only if there is one): this request's
    own query with sort and page set, as clients have always been given it."""
    query = request.GET.copy()
    query["sort"] = sort.value
    query["page"] = str(page + 1)
    return f"{thread_path or request.path}?{query.urlencode()}"


def _rendering(
    *, site: Site, article: Article, sort: selectors.Sort, page: int, next_page: str
) -> thread_cache.Rendering:
    """The page as a reader who is not signed in sees it: nothing in it depends on who asks
    or on the time (an anonymous reader's `can_edit` is always false)."""
    anonymous = AnonymousUser()
    now = clock.now()
    standing = selectors.viewer_standing(site=site, user=anonymous, now=now)
    thread = selectors.thread_page(site=site, article=article, sort=sort, page=page,
                                   viewer=anonymous)
    document = thread_fields(thread, site=site, standing=standing,
                             next_page=next_page if thread.has_more else None, now=now)
    return thread_cache.Rendering(body=_json(document), content_type=JSON, data=document)


def _shared(
    request: HttpRequest, *, site: Site, article: Article, sort: selectors.Sort, page: int,
    thread_path: str | None = None,
) -> thread_cache.CachedBody:
    """The shared rendering of the page that `request` (or, from `thread/viewer`, the
    thread at `thread_path` with the same query) asks for."""
    next_page = _next_page(request, sort, page, thread_path=thread_path)
    # The next page's address is the only part taken from the request: it names the
    # variant too, so two addresses never share a document that links differently.
    return thread_cache.cached_rendering(
        site=site, article=article, variant=f"api:thread:{sort.value}:{page}:{next_page}",
        render=lambda: _rendering(site=site, article=article, sort=sort, page=page,
                                  next_page=next_page),
    )


def _top_ids(document: dict[str, Any]) -> list[int]:
    return [comment["id"] for comment in document["comments"]]


def _thread(
    request: HttpRequest, *, site: Site, article: Article, sort: str | None, page: str | None
) -> HttpResponse:
    order = selectors.parse_sort(sort)
    number = selectors.parse_page(page)
    viewer = acting_user(request)
    shared = _shared(request, site=site, article=article, sort=order, page=number)
    if not viewer.is_authenticated:
        return thread_cache.cached_response(request, shared, fast_path="anonymous")
    now = clock.now()
    assert isinstance(shared.data, dict)
    overlay = selectors.viewer_overlay(site=site, article=article, sort=order, page=number,
                                       viewer=viewer, now=now,
                                       page_top_ids=_top_ids(shared.data))
    pending_top_level = any(
        entry.comment.thread_root_id is None and entry.comment.status == Comment.Status.PENDING
        for entry in overlay.unpublished
    )
    if thread_cache.page_is_shared_with(site=site, article=article, viewer_id=viewer.pk,
                                        page=number, unpublished_top_level=pending_top_level):
        return _private(viewer_thread_fields(shared.data, overlay, now=now))
    thread = selectors.thread_page(site=site, article=article, sort=order, page=number,
                                   viewer=viewer)
    next_page = _next_page(request, order, number) if thread.has_more else None
    return _private(thread_fields(thread, site=site, standing=overlay.standing,
                                  next_page=next_page, now=now))


@router.get(
    "articles/{int:article_id}/thread",
    summary="An article's discussion",
    description="One page of top-level comments, each with all its replies, as the viewer "
    "may see it." + THREAD_DESCRIPTION,
    **documented({200: ThreadOut, 304: None}, THREAD_ERRORS, params=True),
)
def article_thread(
    request: HttpRequest,
    site: SiteSlug,
    article_id: ArticleId,
    sort: SortParam = None,
    page: PageParam = None,
) -> HttpResponse:
    """One page of top-level comments, each with all its replies, as the viewer may see it.
    """
    publication = site_by_slug(site)
    article = selectors.get_article(site=publication, article_id=article_id)
    return _thread(request, site=publication, article=article, sort=sort, page=page)


@router.get(
    "thread",
    summary="An article's discussion, by the article's URL",
    description="The same thread, for an embed that knows its page's URL rather than the "
    "article id." + THREAD_DESCRIPTION,
    **documented({200: ThreadOut, 304: None}, THREAD_ERRORS, params=True),
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
) -> HttpResponse:
    """The same thread, for an embed that knows its page's URL rather than the article id.
    """
    publication = site_by_slug(site)
    article = selectors.article_by_url(site=publication, url=url)
    return _thread(request, site=publication, article=article, sort=sort, page=page)


@router.get(
    "articles/{int:article_id}/thread/viewer",
    summary="Your part of a page of an article's discussion",
    **documented({200: ThreadViewerOut}, THREAD_ERRORS, params=True),
)
def thread_viewer(
    request: HttpRequest,
    site: SiteSlug,
    article_id: ArticleId,
    sort: SortParam = None,
    page: PageParam = None,
) -> HttpResponse:
    """What only this reader sees on a page of the thread: their standing, the comments
    they recommended, reported, wrote and may still edit, and their own held and pending
    comments in full. With the shared thread (fetched without credentials, so that it is
    cached and shared) it makes the document the thread endpoint answers this reader; an
    app that keeps the shared body needs only this small, private answer per reader
    (`Cache-Control: private, no-store`). Without credentials: `signed_in` false, no ids.
    """
    order = selectors.parse_sort(sort)
    number = selectors.parse_page(page)
    publication = site_by_slug(site)
    article = selectors.get_article(site=publication, article_id=article_id)
    viewer = acting_user(request)
    now = clock.now()

    def top_ids() -> list[int]:
        # Which comments are on the page, for a reader who wrote on the article: from the
        # shared rendering the app has just fetched (the same variant as the thread's
        # address with this query), rather than a query that grows with the thread.
        shared = _shared(request, site=publication, article=article, sort=order, page=number,
                         thread_path=request.path.removesuffix("/viewer"))
        assert isinstance(shared.data, dict)
        return _top_ids(shared.data)

    overlay = selectors.viewer_overlay(
        site=publication, article=article, sort=order, page=number, viewer=viewer, now=now,
        page_top_ids=top_ids,
    )
    return _private(thread_viewer_fields(overlay, now=now))
