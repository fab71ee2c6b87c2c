"""The one place a refusal becomes an HTTP response.

Every domain error (`BtlError` and its subclasses in each app) already carries a stable
code, a message, an optional field and a status; the API only renders it. What ninja and
Django raise on bad input (validation, unparsable bodies, unknown routes) is turned into
the same shape here, so a client handles one kind of error body whatever went wrong:

    {"code": "text_too_long", "message": "That is 5,001 characters; …", "field": "text"}
"""

import json
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import HttpError, ValidationError

from belowtheline.api.schemas import ErrorOut
from belowtheline.errors import BtlError

if TYPE_CHECKING:
    from ninja import NinjaAPI


# The codes the HTTP layer can answer with, on top of each app's domain codes.
INVALID_INPUT = "invalid_input"
MALFORMED_JSON = "malformed_json"
INVALID_ENCODING = "invalid_encoding"


class ApiError(BtlError):
    """A refusal decided by the HTTP layer itself, before any service is asked."""


class InvalidInput(ApiError):
    """The request's shape is wrong; `errors` lists every problem found, first one first."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        first = errors[0]
        super().__init__(INVALID_INPUT, first["message"], field=first["field"], status=400)
        self.errors = errors


class CsrfFailed(ApiError):
    status = 403


class UnsupportedMediaType(ApiError):
    status = 415


class BodyTooLarge(ApiError):
    status = 413


class RouteNotFound(ApiError):
    status = 404


class MethodNotAllowed(ApiError):
    status = 405


_CODES_BY_STATUS = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    429: "rate_limited",
}


def render_error(error: BtlError) -> HttpResponse:
    body: dict[str, Any] = error.as_dict()
    if isinstance(error, InvalidInput):
        body["errors"] = error.errors
    return HttpResponse(
        json.dumps(body), status=error.status, content_type="application/json; charset=utf-8"
    )


def not_found() -> HttpResponse:
    return render_error(RouteNotFound("not_found", "There is nothing at this address."))


def method_not_allowed(allowed: Iterable[str]) -> HttpResponse:
    methods = ", ".join(sorted(allowed))
    response = render_error(
        MethodNotAllowed("method_not_allowed", f"This address accepts {methods} only.")
    )
    response["Allow"] = methods
    return response


def _field_name(loc: tuple[Any, ...]) -> str | None:
    """("body", "payload", "text") → "text"; ("query", "url") → "url"; the whole body → None.

    Ninja puts the source and, for a body, the view's parameter name in front of the path
    into the data; clients know the field by its name in the JSON they sent.
    """
    source, *path = loc
    if source == "body":
        path = path[1:]
    return ".".join(str(part) for part in path) or None


NOT_AN_OBJECT = {
    "field": None, "code": "dict_type", "message": "The request body must be a JSON object."
}
NOT_VALID = {"field": None, "code": "invalid", "message": "The request is not valid."}


def _sentence(field: str | None, error: Mapping[str, Any]) -> str:
    if field is None:
        if error["type"] == "missing":
            return "A JSON object is required as the request body."
        return "The request body must be a JSON object."
    if error["type"] == "missing":
        return f"{field} is required."
    if error["type"] == "string_pattern_mismatch":  # pydantic would quote the regex
        return f"{field} contains characters that are not allowed."
    return f"{field}: {error['msg']}."


def _invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"field": (field := _field_name(tuple(e["loc"]))), "code": e["type"],
         "message": _sentence(field, e)}
        for e in exc.errors
    ]
    return render_error(InvalidInput(errors or [NOT_VALID]))


def _domain_error(request: HttpRequest, exc: BtlError) -> HttpResponse:
    return render_error(exc)


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # Ninja wraps whatever the body parser raises in HttpError(400); ours are BtlErrors.
    if isinstance(exc.__cause__, BtlError):
        return render_error(exc.__cause__)
    code = _CODES_BY_STATUS.get(exc.status_code, "error")
    return render_error(BtlError(code, exc.message, status=exc.status_code))


def _http_404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return not_found()


def _body_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return render_error(BodyTooLarge("body_too_large", "The request body is too large."))


def install_error_handlers(api: "NinjaAPI") -> None:
    """Anything else (a bug) keeps ninja's default: logged, and re-raised to Django's 500."""
    api.add_exception_handler(BtlError, _domain_error)
    api.add_exception_handler(ValidationError, _invalid_input)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(Http404, _http_404)
    api.add_exception_handler(RequestDataTooBig, _body_too_large)


# What each kind of endpoint can answer besides its domain refusals, for the OpenAPI.
# The bearer middleware answers a credential before any endpoint runs, whatever the
# address: every token code (accounts.sso.TOKEN_CODES), a bad key, and a key sent to another
# site's address (even one with no site: the key's site is not that one).
ALWAYS = {
    401: ["token_invalid", "token_expired", "token_wrong_audience", "token_wrong_issuer",
          "token_algorithm_not_allowed", "token_lifetime_too_long", "sso_not_configured",
          "token_too_large", "token_revoked", "api_key_invalid", "api_key_revoked"],
    403: ["api_key_wrong_site"],
    404: ["site_not_found", "not_found"],
}
PARAMS = {400: [INVALID_INPUT]}
BODY = {
    400: [INVALID_INPUT, MALFORMED_JSON, INVALID_ENCODING],
    413: ["body_too_large"],
    415: ["unsupported_media_type"],
}
WRITE = {403: ["csrf_failed", "sign_in_required"]}
RATE_LIMITED = {429: ["rate_limited"]}

# Reads work for anyone and show more to a signed-in reader; writes need the session and,
# with it, the CSRF token (see `auth.acting_user`).
READ_SECURITY: list[dict[str, list[str]]] = [{}, {"session": []}, {"bearer": []}]
WRITE_SECURITY: list[dict[str, list[str]]] = [{"session": [], "csrf": []}, {"bearer": []}]
# Staff endpoints need a session whatever the method; the services answer anyone who is
# not this site's staff, signed in or not, with `not_a_moderator`.
STAFF_READ_SECURITY: list[dict[str, list[str]]] = [{"session": []}, {"bearer": []}]


def documented(
    ok: Mapping[int, Any],
    errors: Mapping[int, Iterable[str]] | None = None,
    *,
    params: bool = False,
    body: bool = False,
    write: bool = False,
    rate_limited: bool = False,
    staff: bool = False,
) -> dict[str, Any]:
    """`response=` and `openapi_extra=` for an operation: its error codes by status, and
    who may call it.

    Used as `@router.post(path, **documented({201: CommentOut}, {403: [...]}, write=True))`.
    """
    codes: dict[int, list[str]] = {}
    groups = [
        ALWAYS,
        PARAMS if params else {},
        BODY if body else {},
        ({403: ["csrf_failed"]} if staff else WRITE) if write else {},
        RATE_LIMITED if rate_limited else {},
        errors or {},
    ]
    for group in groups:
        for status, names in group.items():
            known = codes.setdefault(status, [])
            known += [name for name in names if name not in known]
    response: dict[int, Any] = {**ok, **{status: ErrorOut for status in sorted(codes)}}
    descriptions = {
        status: {
            "description": f"{HTTPStatus(status).phrase}. `code` is one of: "
            + ", ".join(f"`{name}`" for name in names)
            + "."
        }
        for status, names in codes.items()
    }
    return {
        "response": response,
        "openapi_extra": {
            "responses": descriptions,
            "security": WRITE_SECURITY if write
            else STAFF_READ_SECURITY if staff else READ_SECURITY,
        },
    }
