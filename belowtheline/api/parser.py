"""Request bodies: JSON, in UTF-8, and nothing else.

Ninja's own parser hands `json.loads` whatever arrives, so a form post, a Latin-1 body and
a truncated document all come back as one vague 400. Clients deserve to know which: the
wrong content type (415), bytes that are not UTF-8, and text that is not JSON each have
their own code.
"""

import json
from typing import Any, NoReturn

from django.http import HttpRequest
from ninja.parser import Parser

from belowtheline.api.errors import (
    INVALID_ENCODING,
    MALFORMED_JSON,
    NOT_AN_OBJECT,
    ApiError,
    InvalidInput,
    UnsupportedMediaType,
)


def _refuse_constant(name: str) -> NoReturn:
    # NaN and Infinity are Python's extension, not JSON.
    raise ValueError(f"{name} is not JSON")


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


class JsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        if not _is_json(request.content_type or ""):
            raise UnsupportedMediaType(
                "unsupported_media_type",
                "Send the request body as JSON, with Content-Type: application/json.",
            )
        charset = request.content_params.get("charset", "utf-8").lower()
        if charset not in {"utf-8", "utf8"}:
            raise UnsupportedMediaType(
                "unsupported_media_type", "Send JSON encoded as UTF-8."
            )
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError(
                INVALID_ENCODING, "The request body is not valid UTF-8.", status=400
            ) from None
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            raise ApiError(
                MALFORMED_JSON, "The request body is not valid JSON.", status=400
            ) from None
        if not isinstance(data, dict):
            # Every body this API takes is an object; ninja would report a bare list or
            # string as a missing first field, which sends the client looking elsewhere.
            raise InvalidInput([NOT_AN_OBJECT])
        return data
