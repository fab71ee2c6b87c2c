"""The Content-Security-Policy every page of ours carries, in one place.

No page of ours runs inline script (every script is a static file), so `script-src 'self'`
costs nothing and turns an escaping mistake into a blocked script instead of a stolen
session. Inline styles remain allowed: two templates use a style attribute, and CSS cannot
run script. Who may frame a page is the one part that differs: nobody by default (as
X-Frame-Options: DENY says to older browsers), and the site's allowed origins for the
embed (`discussion.views.frame_ancestors`).
The fast path (fastpath.py) sends the same header, so a client cannot tell who answered.
"""

from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse

_BASE = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
)


def content_security_policy(frame_ancestors: Iterable[str] = ("'none'",)) -> str:
    return "; ".join((*_BASE, "frame-ancestors " + " ".join(frame_ancestors)))


DEFAULT_POLICY = content_security_policy()


def governed_by_policy(content_type: str) -> bool:
    """A policy governs documents; JSON and scripts fetched by a page run under that page's
    policy, never their own. The one place this is decided (Django's answers here, the
    fast path's in `fastpath.security_headers`)."""
    return content_type.startswith("text/html")


class ContentSecurityPolicyMiddleware:
    """Adds the default policy to any response that has not set its own (the embed has)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response and governed_by_policy(
                response.get("Content-Type", "")):
            response["Content-Security-Policy"] = DEFAULT_POLICY
        return response
