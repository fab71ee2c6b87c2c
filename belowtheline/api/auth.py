"""Who is acting on a request: the one place the API decides it.

Either the session a reader signed in with on our own pages, or a bearer credential that
`accounts.middleware.BearerAuthMiddleware` has already verified: a publisher's signed
subscriber token (`request.btl_auth == "token"`) or one of its API keys (`"api_key"`).
The middleware answers a bad credential with 401 before any endpoint runs, so by the time
a request gets here `request.user` is the one identity it may act as.

Nobody is turned away here: an anonymous write reaches its service, which answers
`sign_in_required` with the same words the site uses, rather than a bare 401.
"""

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.utils import check_csrf

from belowtheline.accounts.models import User
from belowtheline.api.errors import CsrfFailed


def bearer_authenticated(request: HttpRequest) -> bool:
    """Whether `request.user` came from an Authorization header rather than the session."""
    return getattr(request, "btl_auth", None) in ("token", "api_key")


def acting_user(request: HttpRequest, *, writing: bool = False) -> User | AnonymousUser:
    """The person behind `request`. A write by session must carry the CSRF token.

    A browser sends the session cookie on any request to us, including one forged by
    another site, so a session alone does not prove the reader meant to write; the token
    the page was given does (header `X-CSRFToken`, from the `csrftoken` cookie). A bearer
    credential needs no such proof: another site cannot make a browser send our
    `Authorization` header.
    """
    user = request.user
    if (
        writing
        and user.is_authenticated
        and not bearer_authenticated(request)
        and check_csrf(request) is not None
    ):
        raise CsrfFailed(
            "csrf_failed",
            "The CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken "
            "header.",
        )
    return user
