"""A moderator's queue page, answered without the parts of Django's stack that do nothing
for it.

At 32 connections the Reported tab was bound by what each signed-in request cost before
and around the queue code, not by the queue (whose tabs and rows are served from
`moderation.queue_cache`): Django's handler, a dozen middleware, URL resolution. So this
WSGI layer, in front of Django like the thread fast path (`fastpath.py`) and the
per-reader path (`viewer_path.py`), takes exactly one request: a GET of a queue page
(`moderation_queue`, found by Django's own URL resolver) with a session cookie. It runs it
on a Django request object, between the `request_started` and `request_finished` signals
that manage database connections and per-request memory, through the configured
middleware that matter to a signed-in page, in their configured order and as Django runs
them (`DESK_MIDDLEWARE`: the session, the CSRF cookie, the signed-in user, messages, and
the security headers, content policy, frame options and gzip around the answer), and
calls the view itself (`moderation.views.queue`). Nothing is decided here: who is signed
in is Django's session and authentication, who may see the queue is the view's
`staff_only` (the site's role, read on every request), and the page is the view's.

It answers only a 200. Anything else the view says (the sign-in redirect for a visitor
whose session has ended, a refusal for someone who is not a moderator of the site, a
page whose cursor fell back), and anything that fails here, is handed to Django, which
answers it as it always would, with its error pages and logging: the request is a read,
so running it again is harmless. Not taken at all: another method or address, an
Authorization header (Django's bearer middleware says what it is), a request without a
session cookie (nobody is signed in: Django sends them to sign in), a plain-HTTP request
that Django would redirect to HTTPS.
"""

import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core import signals
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest, get_script_name
from django.http import HttpResponse
from django.urls import Resolver404, resolve, set_script_prefix
from django.utils.module_loading import import_string

from belowtheline import fastpath

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Handler = Callable[[WSGIRequest], HttpResponse]

PREFIX = "/moderate/"
QUEUE_PAGE = "moderation_queue"

# What a signed-in page needs of the configured middleware. The others do nothing for it:
# health checks and static files answer other addresses, the bearer middleware needs an
# Authorization header (never taken here), Retry-After is for 429 and 503 (never sent
# from here), CommonMiddleware's redirects and 404s are for addresses the resolver did not
# find as the queue page.
DESK_MIDDLEWARE = frozenset({
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "belowtheline.security.ContentSecurityPolicyMiddleware",
})


def _chain(view: Handler) -> tuple[Handler, list[Any]]:
    """The view inside the configured middleware of `DESK_MIDDLEWARE`, innermost last
    listed, as Django's handler builds its chain; and those instances that have a
    `process_view`, which Django calls before the view (CSRF's)."""
    handler = view
    with_process_view: list[Any] = []
    for path in reversed(settings.MIDDLEWARE):
        if path in DESK_MIDDLEWARE:
            middleware = import_string(path)(handler)
            handler = middleware
            if hasattr(middleware, "process_view"):
                with_process_view.insert(0, middleware)
    return handler, with_process_view


class DeskPath:
    """WSGI middleware: a signed-in GET of a queue page without the rest of Django's
    stack; everything else, and every answer but a 200, from Django."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.session_marker = f"{settings.SESSION_COOKIE_NAME}="
        self.handler, self.process_view = _chain(self._view)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or not path.startswith(PREFIX)
            or "HTTP_AUTHORIZATION" in environ
            or self.session_marker not in environ.get("HTTP_COOKIE", "")
            or not fastpath.may_answer_here(environ)
        ):
            return self.app(environ, start_response)
        try:
            match = resolve(path)
        except Resolver404:
            return self.app(environ, start_response)
        if match.url_name != QUEUE_PAGE:
            return self.app(environ, start_response)
        try:
            answer = self._answer(environ, match)
        except Exception:
            log.warning("desk path: handing %s to Django", path, exc_info=True)
            return self.app(environ, start_response)
        if answer is None:
            return self.app(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [body]

    def _view(self, request: WSGIRequest) -> HttpResponse:
        match = request.resolver_match
        assert match is not None
        for middleware in self.process_view:
            early = middleware.process_view(request, match.func, match.args, match.kwargs)
            if early is not None:
                return early
        return match.func(request, *match.args, **match.kwargs)

    def _answer(
        self, environ: dict[str, Any], match: Any
    ) -> tuple[str, list[tuple[str, str]], bytes] | None:
        # As Django's WSGIHandler does first: addresses reversed here carry SCRIPT_NAME.
        set_script_prefix(get_script_name(environ))
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            request = WSGIRequest(environ)
            try:
                request.get_host()
            except DisallowedHost:
                return None  # Django answers its 400 and logs it
            request.resolver_match = match
            response = self.handler(request)
            if response.status_code != 200 or response.streaming:
                return None
            body = response.content
            headers = list(response.items())
            if not response.has_header("Content-Length"):  # as CommonMiddleware adds it
                headers.append(("Content-Length", str(len(body))))
            # As Django's WSGIHandler sends them.
            headers += [("Set-Cookie", c.OutputString()) for c in response.cookies.values()]
            return f"{response.status_code} {response.reason_phrase}", headers, body
        finally:
            signals.request_finished.send(sender=self.__class__)
