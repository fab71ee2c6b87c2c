"""The JSON API, version 1: readers' and moderators' operations, under `/api/v1/sites/{site}/`.

Endpoints call the same services and selectors as the pages; this package only resolves
who is acting (`auth.py`), checks the request's shape (`schemas.py`, `parser.py`) and turns
refusals into JSON (`errors.py`).
"""

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger
from ninja.openapi.schema import OpenAPISchema

from belowtheline.api.errors import install_error_handlers
from belowtheline.api.parser import JsonParser
from belowtheline.api.routers import (
    articles,
    comments,
    data_rights,
    moderation,
    rules,
    threads,
    viewer,
)

DESCRIPTION = """
Below the Line for every site on this install: the reader's side (threads, comments,
recommendations, reports, the rules) and, under `moderation/`, the staff's (the queue,
decisions on comments and authors, the audit trail, the cover in force). The site's slug
is part of every path. Moderation endpoints answer anyone who is not that site's staff with
403 `not_a_moderator`.

## Who is acting
Reading is open to anyone. Writing needs a signed-in reader, in one of two ways:

- `Authorization: Bearer <token>`: a subscriber token the publisher signed for its reader
  (a JWT; see the README), or `Bearer btlk_…`: a publisher's server-to-server API key,
  which acts as a named integration with an editor's rights on its site. A bad, expired or
  foreign token is refused with 401 and a `token_…` or `api_key_…` code; it never falls
  back to another identity. Bearer requests need no CSRF token.
- The session cookie of the site's own sign-in. A write by session must also send the CSRF
  token in the `X-CSRFToken` header; `GET sites/{site}/me` sets the `csrftoken` cookie.

An anonymous write is refused with `sign_in_required`, a reader who is not a subscriber
with `subscription_required`, a subscriber who has not accepted the current rules with
`rules_not_accepted` (accept them with `POST sites/{site}/rules/acceptance`).

## Errors
Every refusal is JSON: `{"code": "…", "message": "…", "field": "…"}`. `code` is stable and
documented per endpoint; `message` can be shown to the reader; `field` names the input at
fault, when there is one; `invalid_input` also lists every problem found in `errors`.
The codes any request can meet:

| status | code | when |
|---|---|---|
| 400 | `invalid_input` | the request's shape is wrong (a field missing, a string for a number) |
| 400 | `malformed_json` | the body is not JSON |
| 400 | `invalid_encoding` | the body is not UTF-8 |
| 403 | `csrf_failed` | a write by session without the CSRF token |
| 404 | `site_not_found`, `not_found` | no such site, no such address |
| 405 | `method_not_allowed` | the address exists, the method does not |
| 413 | `body_too_large` | |
| 415 | `unsupported_media_type` | a body that is not `application/json` |
| 429 | `rate_limited` | too many writes in a short time |
"""

SECURITY_SCHEMES = {
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": settings.SESSION_COOKIE_NAME,
        "description": "The site's sign-in session.",
    },
    "csrf": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRFToken",
        "description": "The `csrftoken` cookie's value; required with the session on writes.",
    },
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "A subscriber token signed by the publisher (JWT), or an API key "
        "(`btlk_…`).",
    },
}


class BelowTheLineAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        # Auth is resolved in our own `acting_user`, not by ninja's `auth=`, so ninja does
        # not know to describe it: add the schemes the operations' `security` refers to.
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["components"].setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
        for operations in schema["paths"].values():
            for operation in operations.values():
                _optional_body_is_left_out(operation)
        return schema


def _optional_body_is_left_out(operation: dict[str, Any]) -> None:
    """An optional body (`payload: X | None = None`) is described by ninja as "X or null",
    but every body this API reads is a JSON object (`parser.JsonParser` refuses `null` with
    `invalid_input`): a client leaves an optional body out, it does not send `null`."""
    body = operation.get("requestBody")
    if not body:
        return
    for media in body.get("content", {}).values():
        choices = media.get("schema", {}).get("anyOf")
        if choices and {"type": "null"} in choices:
            rest = [choice for choice in choices if choice != {"type": "null"}]
            media["schema"] = rest[0] if len(rest) == 1 else {"anyOf": rest}


class SwaggerWithCsrf(Swagger):
    """Swagger UI from our own static files, sending the CSRF token on "Try it out"."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {
            "swagger_settings": json.dumps(self.settings, indent=1),
            "api": api,
            "add_csrf": True,
        }
        return render(request, self.template, context)


api = BelowTheLineAPI(
    title="Below the Line",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    parser=JsonParser(),
    docs=SwaggerWithCsrf(),
)
install_error_handlers(api)

api.add_router("sites/{slug:site}/", threads.router)
api.add_router("sites/{slug:site}/", comments.router)
api.add_router("sites/{slug:site}/", rules.router)
api.add_router("sites/{slug:site}/", viewer.router)
api.add_router("sites/{slug:site}/", moderation.router)
api.add_router("sites/{slug:site}/", articles.router)
api.add_router("sites/{slug:site}/", data_rights.router)
