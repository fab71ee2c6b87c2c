"""Signing up and signing in (Django's views, throttled), and a reader's notifications.
Signing out is Django's own."""

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.views import LoginView, redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from belowtheline import clock
from belowtheline.accounts import selectors, services
from belowtheline.accounts.forms import SignupForm
from belowtheline.errors import BtlError
from belowtheline.ratelimit import check_rate_limit, client_address
from belowtheline.sites.selectors import site_by_slug


class SeeOther(HttpResponseRedirect):
    """After a POST, 303 tells every client to follow with a GET and never re-send the form."""

    status_code = 303


def safe_next_url(request: HttpRequest, default: str) -> str:
    """The `next` the request asks to return to, if it stays on this site; else `default`.

    A `next` pointing elsewhere would make our sign-in page a springboard for phishing.
    """
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _client_address(request: HttpRequest) -> str:
    return client_address(request)  # behind a load balancer too: see ratelimit.py


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create a reader account and sign the reader in, then send them back where they were.

    The sign-up limit is counted per address here, because only the view knows the address:
    it keeps scripts from minting accounts to get round per-account limits.
    """
    next_url = safe_next_url(request, settings.LOGIN_REDIRECT_URL)
    form = SignupForm(request.POST if request.method == "POST" else None)
    throttled: int | None = None  # a limit's 429, or 503 while limits cannot be counted
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            check_rate_limit(kind="signup", who=_client_address(request), now=clock.now())
            user = services.sign_up(
                username=data["username"],
                email=data["email"],
                password=data["password"],
                display_name=data["display_name"],
            )
        except BtlError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            throttled = error.status if error.status in (429, 503) else None
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return SeeOther(next_url)
    status = 400 if form.is_bound and form.errors else 200
    if throttled:
        status = throttled
    return render(
        request, "accounts/signup.html", {"form": form, "next": next_url}, status=status
    )


class ThrottledLoginView(LoginView):
    """Django's sign-in, with attempts counted per address so that a script cannot try
    password after password against readers' accounts."""

    template_name = "registration/login.html"

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        try:
            check_rate_limit(kind="login", who=_client_address(request), now=clock.now())
        except BtlError as error:
            form = self.get_form_class()(request)  # unbound: the form again, empty
            context = self.get_context_data(form=form, throttled=error.message)
            return self.render_to_response(context, status=error.status)
        return super().post(request, *args, **kwargs)


@require_GET
def notifications(request: HttpRequest, slug: str) -> HttpResponse:
    """What moderators decided about the reader's comments and reports on one site.

    The messages never name a moderator (the services write them so): the decision is the
    publication's, not one person's to be argued with.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        site = site_by_slug(slug)
    except BtlError as error:
        return render(request, "error.html", {"error": error}, status=error.status)
    listed = selectors.notifications(site=site, user=request.user)
    # Read the list first, so the page can still mark which ones were new.
    services.mark_notifications_read(site=site, user=request.user, now=clock.now())
    return render(request, "accounts/notifications.html", {
        "site": site,
        "notifications": listed,
    })
