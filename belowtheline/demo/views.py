"""The demo publication's own pages: a front page and article pages with the thread below.

A real publisher has its own article pages and frames the thread page; the demo shows
what that looks like without a publisher, with the thread included server-side.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from belowtheline.discussion import selectors
from belowtheline.discussion.views import render_thread, shows_refusals
from belowtheline.sites.selectors import front_site


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
    """The demo's own article page: the story, then its thread, as a publisher would show it."""
    return render_thread(request, slug, article_id, "demo/article.html")
