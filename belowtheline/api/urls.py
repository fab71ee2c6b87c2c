"""`/api/v1/`: the API's routes, and JSON answers for addresses and methods it lacks."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver, path, re_path
from django.views.decorators.csrf import csrf_exempt

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


def _api_patterns() -> tuple[list[URLPattern | URLResolver], str, str]:
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = _json_fallbacks(pattern.callback)
    return patterns, app_name, namespace


urlpatterns = [
    path("", _api_patterns()),
    re_path(r"", unknown_address, name="api-unknown-address"),
]
