"""Project-wide pages that are not any one app's."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from belowtheline.errors import BtlError


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Most CSRF failures are a page left open past its session, not an attack: say what
    to do, in the site's words, rather than Django's technical page."""
    error = BtlError(
        "csrf_failed",
        "Your form had expired or did not come from this site, so nothing was sent. "
        "Please go back, reload the page and try again.",
        status=403,
    )
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = ""  # a forged post's referrer is the forger's page: don't link back to it
    return render(request, "error.html", {"error": error, "back_url": back or None}, status=403)
