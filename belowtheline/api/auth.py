"""Who is acting on a request: the one place the API decides it.

Today that is the session a reader signed in with on the publisher's page (the widget
calls the API from the same site). Bearer tokens for apps and API keys for publishers'
servers are added here later, and every endpoint picks them up unchanged.

Nobody is turned away here: an anonymous write reaches its service, which answers
`sign_in_required` with the same words the site uses, rather than a bare 401.
"""

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.utils import check_csrf

from belowtheline.accounts.models import User
from belowtheline.api.errors import CsrfFailed


def acting_user(request: HttpRequest, *, writing: bool = False) -> User | AnonymousUser:
    """The person behind `request`. A write by session must carry the CSRF token.

    A browser sends the session cookie on any request to us, including one forged by
    another site, so a session alone does not prove the reader meant to write; the token
    the page was given does (header `X-CSRFToken`, from the `csrftoken` cookie).
    """
    user = request.user
    if writing and user.is_authenticated and check_csrf(request) is not None:
        raise CsrfFailed(
            "csrf_failed",
            "The CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken "
            "header.",
        )
    return user
