"""Compression of dynamic answers: Brotli for clients that take it, else Django's gzip.

A moderator's queue page is about 8 KB of HTML a row (the row's decision forms, folded),
412 KB for a page of 50, and it differs per moderator (their CSRF token) and per change of
the queue, so it is compressed on every view, and compressing it costs more than serving
it otherwise (about 0.7 ms of CPU, `bench/desk_wsgi.py`). Measured on that page
(its data set, on SQLite): Django's gzip (level 6, with its padding) 1.6 ms of
CPU for 17.2 KB; Brotli at quality 4 1.0 ms for 17.4 KB (quality 1: 0.5 ms for 19.2 KB;
quality 5: 1.5 ms for 12.8 KB). Browsers ask for Brotli on every HTTPS request, which is
how a newsroom serves the desk; over plain HTTP they ask for gzip, which stays Django's
own.

BREACH: the secret in these pages is the CSRF token, which Django masks afresh in every
response, so its compressed length tells an attacker nothing; session cookies are never
in a body. Brotli adds no padding of its own (the format has no header field to put it
in); gzip keeps Django's.
"""

import brotli
from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_vary_headers

BROTLI_QUALITY = 4
MIN_LENGTH = 200  # as Django's gzip: not worth it below


def accepted_codings(header: str) -> dict[str, float]:
    """`Accept-Encoding` as coding → q (RFC 9110 §12.5.3); a coding listed with q=0 is
    refused, one not listed is not offered."""
    codings: dict[str, float] = {}
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        name = name.strip().lower()
        if not name:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        codings[name] = max(0.0, min(q, 1.0))
    return codings


def prefers_brotli(header: str) -> bool:
    codings = accepted_codings(header)
    br = codings.get("br", codings.get("*", 0.0))
    return br > 0 and br >= codings.get("gzip", 0.0)


class CompressionMiddleware(GZipMiddleware):
    """Django's GZipMiddleware, with Brotli first for a client that prefers it. Streaming
    answers (exports), short ones and those already encoded (cached thread bodies, stored
    gzipped) are left as Django leaves them."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if (
            response.streaming
            or response.has_header("Content-Encoding")
            or not prefers_brotli(request.META.get("HTTP_ACCEPT_ENCODING", ""))
        ):
            return super().process_response(request, response)
        content = response.content  # type: ignore[attr-defined]
        if len(content) < MIN_LENGTH:
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        compressed = brotli.compress(content, quality=BROTLI_QUALITY)
        if len(compressed) >= len(content):
            return response
        response.content = compressed  # type: ignore[attr-defined]
        response.headers["Content-Length"] = str(len(compressed))
        etag = response.get("ETag")
        if etag and etag.startswith('"'):  # RFC 9110 §8.8.1, as Django's gzip does
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "br"
        return response
