"""The embed's HTTP side: the script publishers include, and the two calls it makes.

The calls are cross-origin by nature (the publisher's page talks to us), so they answer
with CORS headers naming the exact allowed origin, never `*`, and never use cookies: the
reader's identity reaches the thread through the iframe, not through these calls.
"""

import functools
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from belowtheline.errors import BtlError
from belowtheline.integrations import services
from belowtheline.sites.models import Site
from belowtheline.sites.selectors import site_by_slug

EMBED_JS = Path(__file__).parent / "static" / "integrations" / "embed.js"
# The tag's URL carries no version, so a year-long cache would pin publishers to an old
# script: a day, revalidated by ETag in the background for a week.
EMBED_CACHE = "public, max-age=86400, stale-while-revalidate=604800"
PREFLIGHT_MAX_AGE = "86400"
# Counts on a list page may lag by seconds: shared caches answer them for 10, and for a
# minute more while they ask us again in the background.
COUNTS_CACHE = "public, max-age=10, stale-while-revalidate=60"


@functools.cache
def _embed_script() -> tuple[bytes, str]:
    body = EMBED_JS.read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


@require_safe
def embed_script(request: HttpRequest) -> HttpResponse:
    body, etag = _embed_script()
    if request.headers.get("If-None-Match") == etag:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = EMBED_CACHE
    response["ETag"] = etag
    # Publishers whose pages require cross-origin isolation (COEP) can still load it.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _cors(response: HttpResponse, origin: str) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = origin
    patch_vary_headers(response, ["Origin"])
    return response


def _refusal(error: BtlError) -> JsonResponse:
    response = JsonResponse(error.as_dict(), status=error.status)
    patch_vary_headers(response, ["Origin"])
    return response


EmbedView = Callable[..., HttpResponse]


def cors_endpoint(methods: str) -> Callable[[EmbedView], EmbedView]:
    """Answer preflights for an allowed origin, and refuse everything else as JSON."""

    def decorate(view: EmbedView) -> EmbedView:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, slug: str) -> HttpResponse:
            try:
                site = site_by_slug(slug)
                origin = services.check_embed_origin(
                    site=site, origin=request.headers.get("Origin")
                )
                if request.method == "OPTIONS":
                    response = HttpResponse(status=204)
                    response["Access-Control-Allow-Methods"] = methods
                    response["Access-Control-Allow-Headers"] = "Content-Type"
                    response["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
                else:
                    response = view(request, site=site, origin=origin)
            except BtlError as error:
                return _refusal(error)
            return _cors(response, origin)

        return csrf_exempt(require_http_methods([*methods.split(", "), "OPTIONS"])(wrapper))

    return decorate


@cors_endpoint("POST")
def register_article(request: HttpRequest, *, site: Site, origin: str) -> HttpResponse:
    """Look up, or on its first view register, the article a publisher's page is about."""
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise services.EmbedError("body_invalid", "Send a JSON object.")
    embedded = services.register_article_from_embed(
        site=site, origin=origin, url=data.get("url"), title=data.get("title", ""),
        published=data.get("published"),
    )
    article = embedded.article
    return JsonResponse(
        {
            "article_id": article.pk,
            "thread_url": request.build_absolute_uri(
                reverse("thread", args=[site.slug, article.pk])
            ),
            "comment_count": article.comment_count,
        },
        status=201 if embedded.created else 200,
    )


@cors_endpoint("GET")
def counts(request: HttpRequest, *, site: Site, origin: str) -> HttpResponse:
    """Comment counts for the `data-btl-count` elements of a list page.

    Every reader of a list page asks for the same counts, so a CDN or the browser may keep
    the answer a few seconds (`COUNTS_CACHE`); it is per origin (`Vary: Origin`, set by
    the CORS wrapper) and the same for everyone, since the call carries no credentials.
    """
    response = JsonResponse(
        {"counts": services.comment_counts(
            site=site, origin=origin, urls=request.GET.getlist("url")
        )}
    )
    response["Cache-Control"] = COUNTS_CACHE
    return response
