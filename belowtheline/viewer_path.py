"""A subscriber's per-reader request, answered without Django's middleware stack.

Every subscriber's page view is the shared thread body (from the fast path) plus one small
request with their token: `/sites/<slug>/threads/<id>/viewer` (the embed's) or the API's
`/api/v1/sites/<slug>/articles/<id>/thread/viewer`. Once its queries were cut to four, the
profile of that request was a third Django's own stack: a dozen middleware that do
nothing for it (no session, no cookie, no CSRF on a GET, nothing to compress worth the
bytes, no static file), URL resolution, and for the API ninja's operation machinery.

So this WSGI layer, between the fast path and Django, recognises exactly those two
addresses with a subscriber token and runs the very code Django would: the bearer
authentication (`accounts.middleware.authenticate_bearer`, its refusals by
`bearer_refusal`), then the view (`discussion.views.thread_viewer`, or the API's
`threads.thread_viewer` with its errors rendered by `api.errors.render_error`), on a
Django request object, between the `request_started` and `request_finished` signals that
manage database connections and per-request memory. It adds the headers the skipped
middleware would (`fastpath.security_headers`). Who the reader is and what they may do is
decided in one place, the same selectors; nothing is cached here.

What it does differently is read ahead: the four queries that code makes (the site, the
reader, the article, the reader's marks on it) are made as two (`_read_ahead`): the site
with the article, then, once the token is verified, the reader with their marks, both
remembered for this request alone, from which the same selectors answer. On PostgreSQL
each query is a round trip and work for the database server on the same cores.

Anything else goes to Django: an API key, a session, another method or address, an id
the API would refuse as bad input, a site that redirects to HTTPS. And if anything fails
here (the database is down, a bug), the request is handed to Django to answer as it
always would, with its error pages and logging; the request is a read, so running it
again is harmless (at most `last_seen_at` was written, to the same value).
"""

import logging
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.core import signals
from django.core.handlers.wsgi import WSGIRequest, get_script_name
from django.http import HttpResponse
from django.urls import set_script_prefix
from django.utils.log import log_response

from belowtheline import fastpath, health
from belowtheline.errors import BtlError

if TYPE_CHECKING:
    from belowtheline.accounts.sso import FindReader

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# As Django's `slug` and `int` converters match them in the two URL patterns.
HTML_VIEWER = re.compile(r"/sites/(?P<slug>[-a-zA-Z0-9_]+)/threads/(?P<article_id>[0-9]+)/viewer")
API_VIEWER = re.compile(
    r"/api/v1/sites/(?P<slug>[-a-zA-Z0-9_]+)/articles/(?P<article_id>[0-9]+)/thread/viewer"
)


def _html_viewer(request: WSGIRequest, slug: str, article_id: int) -> HttpResponse:
    from belowtheline.discussion.views import thread_viewer

    return thread_viewer(request, slug, article_id)


def _api_viewer(request: WSGIRequest, slug: str, article_id: int) -> HttpResponse:
    from belowtheline.api.errors import render_error
    from belowtheline.api.routers.threads import thread_viewer

    try:
        return thread_viewer(request, slug, article_id, sort=request.GET.get("sort"),
                             page=request.GET.get("page"))
    except BtlError as error:
        return render_error(error)


class ViewerPath:
    """WSGI middleware: a token's per-reader request without Django's stack."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.security = fastpath.security_headers(framed=False, content_type="application/json")

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        header = environ.get("HTTP_AUTHORIZATION")
        if (header is None or (method != "GET" and method != "HEAD")
                or not fastpath.may_answer_here(environ)):
            return self.app(environ, start_response)
        path = environ.get("PATH_INFO", "")
        view = None
        if path.endswith("/viewer"):
            if (match := HTML_VIEWER.fullmatch(path)) is not None:
                view = _html_viewer
            elif (match := API_VIEWER.fullmatch(path)) is not None:
                view = _api_viewer
        if view is None or not self._takes(header, match, api=view is _api_viewer):
            return self.app(environ, start_response)
        try:
            status, headers, body = self._answer(environ, view, match, header)
        except Exception as error:
            # An outage is Django's to answer (503) and to log, once; anything else is ours.
            outage = health.is_outage(error)
            log.log(logging.DEBUG if outage else logging.WARNING,
                    "viewer path: handing %s to Django", path, exc_info=not outage)
            return self.app(environ, start_response)
        start_response(status, headers)
        return [] if method == "HEAD" else [body]

    @staticmethod
    def _takes(header: str, match: re.Match[str], *, api: bool) -> bool:
        from belowtheline.accounts.api_keys import KEY_MARK
        from belowtheline.accounts.middleware import bearer_credential
        from belowtheline.api.schemas import MAX_ID

        credential = bearer_credential(header)
        if not credential or credential.startswith(KEY_MARK):
            return False  # no token, or an API key: Django's middleware says what it is
        # ninja's 400 invalid_input
        return not api or 1 <= int(match["article_id"]) <= MAX_ID

    @staticmethod
    def _read_ahead(credential: str, match: re.Match[str]) -> "FindReader | None":
        """Read in two round trips what the code below asks for in four: the site with the
        article (remembered for this request, so `site_by_slug` and `get_article` answer
        from them), then, once the token is verified, the reader with their marks on the
        article (`reader_finder`). Whoever the token is for, what they may do and what is
        theirs is still decided by the same code, the bearer authentication and the view,
        from the same rows. Nothing read ahead outlives the request.

        Only for a token whose (not yet verified) audience is the address's site: any other
        is refused by the authentication, which reads what it needs itself."""
        from belowtheline.discussion.selectors import reader_finder, site_and_article_for_token

        article = site_and_article_for_token(credential=credential, slug=match["slug"],
                                             article_id=int(match["article_id"]))
        return reader_finder(article=article) if article is not None else None

    def _answer(
        self, environ: dict[str, Any], view: Callable[[WSGIRequest, str, int], HttpResponse],
        match: re.Match[str], header: str,
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        from belowtheline.accounts.middleware import (
            authenticate_bearer,
            bearer_credential,
            bearer_refusal,
        )

        # As Django's WSGIHandler does first: addresses reversed here carry SCRIPT_NAME.
        set_script_prefix(get_script_name(environ))
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            request = WSGIRequest(environ)
            request.get_host()  # a host not allowed raises: Django answers its 400
            credential = bearer_credential(header) or ""
            try:
                authenticate_bearer(request, credential,
                                    find_reader=self._read_ahead(credential, match))
            except BtlError as error:
                response = bearer_refusal(request, error)
            else:
                response = view(request, match["slug"], int(match["article_id"]))
            if response.status_code >= 400:  # as Django's handler logs them
                log_response("%s: %s", response.reason_phrase, request.path,
                             response=response, request=request)
            body = response.content
            headers = [*response.items(), *self.security]
            if not response.has_header("Content-Length"):
                headers.append(("Content-Length", str(len(body))))
            headers += [("Set-Cookie", c.output(header="")) for c in response.cookies.values()]
            return f"{response.status_code} {response.reason_phrase}", headers, body
        finally:
            signals.request_finished.send(sender=self.__class__)
