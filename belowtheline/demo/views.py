"""The demo publication's own pages: a front page and article pages with the thread below.

A real publisher has its own article pages and frames the thread page; the demo shows
what that looks like without a publisher, with the thread included server-side.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from belowtheline.discussion import selectors
from belowtheline.discussion.views import (
    parse_sort_and_page,
    render_refusal,
    shows_refusals,
    thread_context,
)
from belowtheline.errors import BtlError
from belowtheline.sites.selectors import front_site, site_by_slug


@require_GET
def front(request: HttpRequest) -> HttpResponse:
    site = front_site()
    if site is None:
        # A fresh install: say how to get the demo, rather than a 404 on the first visit.
        return render(request, "demo/no_site.html")
    return render(
        request,
        "demo/front.html",
        {"site": site, "articles": selectors.front_page_articles(site=site)},
    )


@require_GET
@shows_refusals
def article(request: HttpRequest, slug: str, article_id: int) -> HttpResponse:
    site = site_by_slug(slug)
    story = selectors.get_article(site=site, article_id=article_id)
    try:
        sort, page = parse_sort_and_page(request)
    except BtlError as error:
        return render_refusal(request, error, site=site, back_url=request.path)
    context = thread_context(
        request, site=site, article=story, sort=sort, page=page,
        next_url=request.get_full_path(),
    )
    return render(request, "demo/article.html", context)
