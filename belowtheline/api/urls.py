"""`/api/v1/`: the API's routes, and JSON answers for addresses and methods it lacks."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from belowtheline.api.api import api
from belowtheline.api.errors import method_not_allowed, not_found

View = Callable[..., HttpResponse]


def _json_fallbacks(view: View) -> View:
    """Ninja answers a wrong method with plain text, and its root raises Http404: make
    them JSON like everything else under /api/."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return not_found()
        if isinstance(response, HttpResponseNotAllowed):
            return method_not_allowed(response["Allow"].split(", "))
        return response

    return wrapper


@csrf_exempt
def unknown_address(request: HttpRequest) -> HttpResponse:
    return not_found()


# Ninja's description and docs views answer any method; they are documents to read.
READ_ONLY_VIEWS = {"openapi-json", "openapi-view"}


def _api_patterns() -> tuple[list[URLPattern | URLResolver], str, str]:
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            view = pattern.callback
            if pattern.name in READ_ONLY_VIEWS:
                view = require_safe(view)
            pattern.callback = _json_fallbacks(view)
    return patterns, app_name, namespace


urlpatterns = [
    path("", _api_patterns()),
    re_path(r"", unknown_address, name="api-unknown-address"),
]
