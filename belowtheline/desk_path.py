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
the security headers, content policy, frame options and compression around the answer), and
calls the view itself (`moderation.views.queue`). Nothing is decided here: who is signed
in is Django's session and authentication, who may see the queue is the view's
`staff_only` (the site's role, read on every request), and the page is the view's. What
this layer adds is `read_ahead`: the five rows those first steps read by key (site,
session, account, role, queue version) are read in two round trips and handed to the
functions that read them, which then decide as they always do.

It answers only a 200. Anything else the view says (the sign-in redirect for a visitor
whose session has ended, a refusal for someone who is not a moderator of the site, a
page whose cursor fell back), and anything that fails here, is handed to Django, which
answers it as it always would, with its error pages and logging: the request is a read,
so running it again is harmless. Not taken at all: another method or address, an
Authorization header (Django's bearer middleware says what it is), a request without a
session cookie (nobody is signed in: Django sends them to sign in), a plain-HTTP request
that Django would redirect to HTTPS.
"""

import functools
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core import signals
from django.core.exceptions import DisallowedHost, ValidationError
from django.core.handlers.wsgi import WSGIRequest, get_script_name
from django.db import connection
from django.http import HttpResponse
from django.urls import Resolver404, resolve, set_script_prefix
from django.utils.module_loading import import_string

from belowtheline import fastpath, health, rows

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
    "belowtheline.compression.CompressionMiddleware",
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


@functools.cache
def _site_and_session_sql() -> str:
    from django.contrib.sessions.models import Session

    from belowtheline.accounts.sessions import session_sql
    from belowtheline.sites.models import Site

    slug = connection.ops.quote_name(Site._meta.get_field("slug").column)
    return (f"SELECT {rows.columns(Site, 'st')}, {rows.columns(Session, 'ss')} "
            f"FROM {rows.table(Site)} st LEFT JOIN {rows.table(Session)} ss "
            f"ON {session_sql('ss', '%s', '%s')} WHERE st.{slug} = %s")


@functools.cache
def _account_sql() -> str:
    from belowtheline.accounts.models import User
    from belowtheline.accounts.selectors import staff_role_sql
    from belowtheline.discussion.reports import queue_version_sql

    pk = f"u.{connection.ops.quote_name(User._meta.pk.column)}"
    return (f"SELECT {rows.columns(User, 'u')}, ({staff_role_sql('%s', pk)}), "
            f"({queue_version_sql('%s')}) FROM {rows.table(User)} u WHERE {pk} = %s")


@functools.cache
def _everything_sql() -> str:
    """The site with the session, and the account a session named before with its role
    and the queue's version: one round trip."""
    from django.contrib.sessions.models import Session

    from belowtheline.accounts.models import User
    from belowtheline.accounts.selectors import staff_role_sql
    from belowtheline.accounts.sessions import session_sql
    from belowtheline.discussion.reports import queue_version_sql
    from belowtheline.sites.models import Site

    quote = connection.ops.quote_name
    slug, pk = quote(Site._meta.get_field("slug").column), quote(User._meta.pk.column)
    site_id = f"st.{quote(Site._meta.pk.column)}"
    return (f"SELECT {rows.columns(Site, 'st')}, {rows.columns(Session, 'ss')}, "
            f"{rows.columns(User, 'u')}, ({staff_role_sql(site_id, f'u.{pk}')}), "
            f"({queue_version_sql(site_id)}) "
            f"FROM {rows.table(Site)} st LEFT JOIN {rows.table(Session)} ss "
            f"ON {session_sql('ss', '%s', '%s')} LEFT JOIN {rows.table(User)} u "
            f"ON u.{pk} = %s WHERE st.{slug} = %s")


class _AccountsBySession:
    """Which account each session key names, as this process last read it: a session's
    account never changes under the same key (signing in makes a new key), so the next
    request can read the account with the session instead of after it. Only a guess of
    which row to read: the session read with it is decoded as always, and the account is
    used only if the session names it. Bounded, oldest out first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[str, object] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> object | None:
        return self.items.get(key)

    def put(self, key: str, user_id: object) -> None:
        with self.lock:
            self.items[key] = user_id
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def drop(self, key: str) -> None:
        with self.lock:
            self.items.pop(key, None)


_accounts_by_session = _AccountsBySession(10_000)


def read_ahead(request: WSGIRequest, slug: object) -> None:
    """Read in one or two round trips what the view's first steps read in five, and leave
    each row where the function that reads it looks first for this request: the site with
    the session (`site_by_slug`, the session engine), and the account the session names
    with their role on the site and the site's queue version (the authentication backend,
    `staff_role`, `queue_version`): with the session when this process has seen the
    session before, after it otherwise. Those functions still decide everything (the
    session in force, the account active and its hash, the role one that moderates); they
    are only spared the queries. Each round trip waits for the database and then for the
    interpreter, behind the other threads: at 32 connections that wait was the page's
    latency, not its CPU."""
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    from belowtheline.accounts import sessions
    from belowtheline.accounts.models import User
    from belowtheline.sites.models import Site
    from belowtheline.sites.selectors import remember_site

    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not key or not isinstance(slug, str):
        return
    guess = _accounts_by_session.get(key)
    if guess is not None:
        found = rows.fetch(_everything_sql(), [key, sessions.expiry_now(), guess, slug])
    else:
        found = rows.fetch(_site_and_session_sql(), [key, sessions.expiry_now(), slug])
    if not found:
        return  # no such site: the view says so
    row = found[0]
    site_width, session_width = rows.width(Site), rows.width(Session)
    site = rows.from_row(Site, row[:site_width])
    remember_site(site)
    session_row = row[site_width:site_width + session_width]
    session = rows.from_row(Session, session_row) if session_row[0] is not None else None
    sessions.remember_session(key, session)
    if session is None:
        _accounts_by_session.drop(key)
        return
    data = sessions.SessionStore().decode(session.session_data)
    try:
        user_id = User._meta.pk.to_python(data[SESSION_KEY])
    except (KeyError, ValidationError):
        return  # nobody signed in, or not as Django would have it: its own lookups say
    if guess is not None and guess == user_id:
        account = row[site_width + session_width:]
    else:
        found = rows.fetch(_account_sql(), [site.pk, site.pk, user_id])
        account = found[0] if found else None
    _remember_account(site, user_id, account)
    _accounts_by_session.put(key, user_id)


def _remember_account(site: object, user_id: object, account: tuple | None) -> None:
    """The account row (None or all nulls: there is none), its role and the version, left
    for the backend, `staff_role` and `queue_version`."""
    from belowtheline.accounts import backends
    from belowtheline.accounts.models import User
    from belowtheline.accounts.selectors import remember_staff_role
    from belowtheline.discussion.reports import remember_queue_version

    width = rows.width(User)
    if account is None or account[0] is None:
        backends.remember_account(user_id, None)
        return
    user = rows.from_row(User, account[:width])
    backends.remember_account(user_id, user)
    role, version = account[width:]
    remember_staff_role(site=site, user=user, role=role)  # type: ignore[arg-type]
    remember_queue_version(site=site, version=version)  # type: ignore[arg-type]


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
        except Exception as error:
            # An outage is Django's to answer (503) and to log, once; anything else is ours.
            outage = health.is_outage(error)
            log.log(logging.DEBUG if outage else logging.WARNING,
                    "desk path: handing %s to Django", path, exc_info=not outage)
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
            read_ahead(request, match.kwargs.get("slug"))
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
