"""A subscriber's new comment through the API, answered without Django's middleware stack.

`POST /api/v1/sites/<slug>/articles/<id>/comments` with a subscriber token is what every
poster sends, and once the post itself was cut to a few queries a third of its CPU was
Django's own stack around it: a dozen middleware that do nothing for a bearer request (no
session, no cookie, no CSRF, no static file), URL resolution, and ninja's operation
machinery. So, like the per-reader request (`viewer_path.py`), this WSGI layer recognises
exactly that request and runs the very code Django would, on a Django request object
between the `request_started` and `request_finished` signals: the body validated by the
endpoint's own schema (`CommentIn`), the bearer authentication
(`accounts.middleware.authenticate_bearer`, refusals by `bearer_refusal`), the endpoint
itself (`api.routers.comments.post_comment`, its errors answered by the API's own
exception handlers), the answer rendered by the API's renderer. The configured middleware
that only wrap an answer (security headers, the content policy, frame options, Brotli or
gzip when the client asks, Retry-After: `RESPONSE_MIDDLEWARE`) wrap those steps as they
wrap them in Django: those listed before the bearer middleware around the authentication,
the others around the endpoint. Every rule stays in the service.

What is never done here is run a post twice. Anything this layer is not sure of before
anything happens (another address or method, an API key or no token, a body that is not
a valid `CommentIn`, which Django answers with its 400, an address that redirects to
HTTPS) goes to Django with the body as it came. Once authentication has started,
whatever fails is answered here, as Django's own handler would
(`response_for_exception`: logged, 503 for a database outage, 500 otherwise), and never
handed on: the comment may already be stored.
"""

import json
import logging
import re
from collections.abc import Callable, Iterable
from io import BytesIO
from typing import Any

from django.conf import settings
from django.core import signals
from django.core.handlers.exception import response_for_exception
from django.core.handlers.wsgi import WSGIRequest, get_script_name
from django.http import HttpResponse
from django.urls import set_script_prefix
from django.utils.log import log_response
from django.utils.module_loading import import_string
from pydantic import ValidationError

from belowtheline import fastpath
from belowtheline.errors import BtlError

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# As Django's `slug` and `int` converters match them in the URL pattern.
POST_COMMENT = re.compile(
    r"/api/v1/sites/(?P<slug>[-a-zA-Z0-9_]+)/articles/(?P<article_id>[0-9]+)/comments"
)


# The middleware that only wrap the answer (headers, compression, Retry-After): run as
# configured, in their order in MIDDLEWARE, around the same steps Django runs inside them.
# The others do nothing for this request.
RESPONSE_MIDDLEWARE = frozenset({
    "django.middleware.security.SecurityMiddleware",
    "belowtheline.compression.CompressionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "belowtheline.security.ContentSecurityPolicyMiddleware",
    "belowtheline.ratelimit.RetryAfterMiddleware",
})
BEARER_MIDDLEWARE = "belowtheline.accounts.middleware.BearerAuthMiddleware"

Handler = Callable[[WSGIRequest], HttpResponse]


def _wrapped(listed: list[str], handler: Handler) -> Handler:
    def answer_failures(request: WSGIRequest) -> HttpResponse:
        try:
            return handler(request)
        except Exception as exc:  # as Django's handler answers it: logged, 500 or 503
            return response_for_exception(request, exc)

    wrapped: Handler = answer_failures
    for path in reversed(listed):
        if path in RESPONSE_MIDDLEWARE:
            wrapped = import_string(path)(wrapped)
    return wrapped


class PostingPath:
    """WSGI middleware: a token's new comment through the API without Django's stack."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        # What is listed before the bearer middleware wraps the authentication (and sees a
        # refused credential's answer); what is listed after it wraps only the endpoint.
        listed = list(settings.MIDDLEWARE)
        cut = listed.index(BEARER_MIDDLEWARE) if BEARER_MIDDLEWARE in listed else len(listed)
        self.endpoint = _wrapped(listed[cut:], self._endpoint)
        self.handler = _wrapped(listed[:cut], self._authenticate)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        header = environ.get("HTTP_AUTHORIZATION")
        if (
            header is None
            or not fastpath.may_answer_here(environ)
            or environ.get("REQUEST_METHOD") != "POST"
            or not environ.get("PATH_INFO", "").endswith("/comments")
        ):
            return self.app(environ, start_response)
        match = POST_COMMENT.fullmatch(environ.get("PATH_INFO", ""))
        if match is None or not self._takes(header, match, environ):
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        environ["wsgi.input"] = BytesIO(body)
        payload = self._payload(body)
        if payload is None:  # Django and ninja say what is wrong with it
            environ["wsgi.input"] = BytesIO(body)
            return self.app(environ, start_response)
        status, headers, content = self._answer(environ, match, payload)
        start_response(status, headers)
        return [content]

    @staticmethod
    def _takes(header: str, match: re.Match[str], environ: dict[str, Any]) -> bool:
        from belowtheline.accounts.api_keys import KEY_MARK
        from belowtheline.accounts.middleware import bearer_credential
        from belowtheline.api.schemas import MAX_ID

        credential = bearer_credential(header)
        if not credential or credential.startswith(KEY_MARK):
            return False  # no token, or an API key: Django's middleware says what it is
        if not environ.get("CONTENT_TYPE", "").startswith("application/json"):
            return False
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return False
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return length > 0 and (limit is None or length <= limit) and (
            1 <= int(match["article_id"]) <= MAX_ID  # else ninja's 400 invalid_input
        )

    @staticmethod
    def _payload(body: bytes) -> Any:
        from belowtheline.api.schemas import CommentIn

        try:
            data = json.loads(body)
            return CommentIn.model_validate(data) if isinstance(data, dict) else None
        except (ValueError, ValidationError):
            return None

    def _authenticate(self, request: WSGIRequest) -> HttpResponse:
        from belowtheline.accounts.middleware import (
            authenticate_bearer,
            bearer_credential,
            bearer_refusal,
        )
        from belowtheline.discussion.selectors import site_and_article_for_token

        request.get_host()  # a host not allowed: Django's 400, as it would answer
        header = request.META.get("HTTP_AUTHORIZATION", "")
        credential = bearer_credential(header) or ""
        # The site and the article in one round trip (as the per-reader request reads
        # them), remembered for this request: the authentication and the endpoint ask
        # `site_by_slug` and `get_article` as always and are answered from these rows.
        slug, article_id, _payload = request.btl_post  # type: ignore[attr-defined]
        site_and_article_for_token(credential=credential, slug=slug, article_id=article_id)
        try:
            authenticate_bearer(request, credential)
        except BtlError as error:
            return bearer_refusal(request, error)
        return self.endpoint(request)

    @staticmethod
    def _endpoint(request: WSGIRequest) -> HttpResponse:
        from belowtheline.api.api import api
        from belowtheline.api.routers.comments import post_comment

        slug, article_id, payload = request.btl_post  # type: ignore[attr-defined]
        try:
            result = post_comment(request, slug, article_id, payload)
        except BtlError as error:
            return api.on_exception(request, error)  # the API's own answer to it
        return api.create_response(request, result.value.model_dump(),
                                   status=result.status_code)

    def _answer(
        self, environ: dict[str, Any], match: re.Match[str], payload: Any
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        # As Django's WSGIHandler does first: addresses reversed here carry SCRIPT_NAME.
        set_script_prefix(get_script_name(environ))
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            request = WSGIRequest(environ)
            request.btl_post = (  # type: ignore[attr-defined]
                match["slug"], int(match["article_id"]), payload
            )
            response = self.handler(request)
            if response.status_code >= 400:  # as Django's handler logs them
                log_response("%s: %s", response.reason_phrase, request.path,
                             response=response, request=request)
            content = response.content
            headers = list(response.items())
            if not response.has_header("Content-Length"):
                headers.append(("Content-Length", str(len(content))))
            headers += [("Set-Cookie", c.output(header="")) for c in response.cookies.values()]
            return f"{response.status_code} {response.reason_phrase}", headers, content
        finally:
            signals.request_finished.send(sender=self.__class__)
