"""Bearer authentication: a publisher's signed subscriber token, or one of its API keys.

`Authorization: Bearer btlk_…` is an API key; any other bearer value is a subscriber token
(a JWT). Either one replaces the session entirely for that request:

- A credential that fails is answered 401 here and now. Falling back to the session or to
  an anonymous reader would let a broken integration act as whoever happens to be signed in
  in that browser, or silently drop a reader's identity; the caller must know.
- A credential that works sets `request.user` without `login()`: nothing is written to the
  session and no session cookie is set, so an app's token never becomes a browser session.
- CSRF does not apply: a cross-site form or image cannot send an `Authorization` header,
  which is the very thing CSRF tokens stand in for with cookies.

A credential is bound to one site. When the address names a site (`/sites/<slug>/…`,
`/api/v1/sites/<slug>/…`) it must be the credential's own.
"""

import json
import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from belowtheline import clock
from belowtheline.accounts.api_keys import KEY_MARK, authenticate_api_key
from belowtheline.accounts.errors import ApiKeyWrongSite, TokenRefused
from belowtheline.accounts.models import User
from belowtheline.accounts.sso import FindReader, unverified_audience, verify_subscriber_token
from belowtheline.errors import BtlError
from belowtheline.sites.selectors import SiteNotFound, site_by_slug

SITE_IN_PATH = re.compile(r"^/(?:api/v1/)?sites/(?P<slug>[^/]+)(?:/|$)")
SCHEME = "bearer"


def bearer_credential(header: str) -> str | None:
    """The credential after `Bearer ` in an Authorization header, or None when the header
    does not use the scheme."""
    scheme, _, credential = header.strip().partition(" ")
    if scheme.lower() != SCHEME:
        return None
    return credential.strip()


def _bearer(request: HttpRequest) -> str | None:
    return bearer_credential(request.META.get("HTTP_AUTHORIZATION", ""))


def _site_in_path(request: HttpRequest) -> str | None:
    match = SITE_IN_PATH.match(request.path_info)
    return match.group("slug") if match else None


def _wants_json(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/") or "application/json" in request.META.get(
        "HTTP_ACCEPT", ""
    )


def bearer_refusal(request: HttpRequest, error: BtlError) -> HttpResponse:
    """The answer to a credential that failed: JSON for the API and the viewer JSON."""
    if _wants_json(request):
        response = HttpResponse(
            json.dumps(error.as_dict()), status=error.status,
            content_type="application/json; charset=utf-8",
        )
    else:
        response = HttpResponse(
            f"{error.message}\n", status=error.status, content_type="text/plain; charset=utf-8"
        )
    if error.status == 401:
        response["WWW-Authenticate"] = f'Bearer error="invalid_token", error_code="{error.code}"'
    return response


def _act_as(request: HttpRequest, user: User, *, how: str) -> None:
    """Replace both of AuthenticationMiddleware's lazy users, so that neither sync nor async
    code can reach the session's identity on this request."""

    async def auser() -> User:
        return user

    request.user = user
    request.auser = auser  # type: ignore[attr-defined]
    request.btl_auth = how  # type: ignore[attr-defined]


def authenticate_bearer(
    request: HttpRequest, credential: str, *, find_reader: FindReader | None = None
) -> None:
    """Set `request.user` from the credential, or raise the refusal to send back.

    `find_reader`: passed to `verify_subscriber_token`, for a caller that reads more of
    the reader's in the query that finds them (the per-reader request's path)."""
    now = clock.now()
    path_slug = _site_in_path(request)
    if not credential:
        raise TokenRefused("token_invalid", "The Authorization header carries no token.")
    if credential.startswith(KEY_MARK):
        key = authenticate_api_key(credential, now)
        if path_slug is not None and path_slug != key.site.slug:
            raise ApiKeyWrongSite(
                "api_key_wrong_site", f"This API key belongs to {key.site.slug!r}."
            )
        _act_as(request, key.account, how="api_key")
        request.btl_api_key = key  # type: ignore[attr-defined]
        return
    audience = unverified_audience(credential)
    try:
        site = site_by_slug(audience)
    except SiteNotFound:
        raise TokenRefused(
            "token_wrong_audience",
            f"The subscriber token is for an unknown site {audience[:40]!r}.",
        ) from None
    if path_slug is not None and path_slug != site.slug:
        raise TokenRefused(
            "token_wrong_audience", f"The subscriber token is for {site.slug!r}, not {path_slug!r}."
        )
    reader = verify_subscriber_token(site=site, token=credential, now=now,
                                     find_reader=find_reader)
    _act_as(request, reader, how="token")


class BearerAuthMiddleware:
    """Runs after AuthenticationMiddleware, whose lazy session user it replaces unread."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        credential = _bearer(request)
        if credential is None:
            return self.get_response(request)
        try:
            authenticate_bearer(request, credential)
        except BtlError as error:
            return bearer_refusal(request, error)
        request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
        return self.get_response(request)
