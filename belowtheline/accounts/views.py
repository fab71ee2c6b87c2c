"""Signing up and signing in (Django's views, throttled), confirming the address, resetting
a forgotten password (Django's views, throttled), changing one's name and address, and a
reader's notifications. Signing out is Django's own."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import (
    LoginView,
    PasswordResetCompleteView,
    PasswordResetConfirmView,
    PasswordResetDoneView,
    PasswordResetView,
    redirect_to_login,
)
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from belowtheline import clock
from belowtheline.accounts import selectors, services
from belowtheline.accounts.forms import ProfileForm, SignupForm
from belowtheline.accounts.models import ExternalIdentity
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
                link_for=verification_link_for(request),
            )
        except BtlError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            throttled = error.status if error.status in (429, 503) else None
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.info(request, f"Welcome. We have emailed a link to {user.email}: follow "
                          "it to confirm your address, and you can report and comment.")
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


def verification_link_for(request: HttpRequest) -> services.LinkFor:
    """The absolute address of a verification link, on the host the reader used."""
    return lambda token: request.build_absolute_uri(reverse("verify_email", args=[token]))


@require_http_methods(["GET", "POST"])
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the email. Opening it shows a button; only pressing it (a POST)
    confirms, so a mail scanner that follows every link confirms nothing on its own."""
    if request.method == "GET":
        return render(request, "accounts/verify_email.html", {"token": token})
    try:
        services.confirm_email(token=token)
    except BtlError as error:
        return render(request, "accounts/verify_email.html",
                      {"token": token, "error": error}, status=error.status)
    return render(request, "accounts/verify_email.html", {"confirmed": True})


@require_POST
def resend_verification(request: HttpRequest) -> HttpResponse:
    """Send the confirmation link again (rate-limited: it sends email)."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(reverse("account_settings"))
    back = safe_next_url(request, reverse("account_settings"))
    if not user.email_pending_verification:
        messages.info(request, "Your address is already confirmed.")
        return SeeOther(back)
    try:
        check_rate_limit(kind="verification_email", who=str(user.pk), now=clock.now())
    except BtlError as error:
        return render(request, "error.html", {"error": error, "back_url": back},
                      status=error.status)
    services.send_email_verification(user=user, link_for=verification_link_for(request))
    messages.info(request, f"We have sent a new link to {user.email}.")
    return SeeOther(back)


@require_http_methods(["GET", "POST"])
def account_settings(request: HttpRequest) -> HttpResponse:
    """Change the name shown with one's comments, or one's email address (standalone
    accounts; a publisher's reader changes them with the publisher)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user = request.user
    from_publisher = ExternalIdentity.objects.filter(user=user).exists()
    initial = {"display_name": user.display_name, "email": user.email}
    form = ProfileForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _, readdressed = services.change_profile(
                    user=user, display_name=form.cleaned_data["display_name"],
                    email=form.cleaned_data["email"],
                    link_for=verification_link_for(request), now=clock.now())
            except BtlError as error:
                form.add_error(error.field if error.field in form.fields else None,
                               error.message)
            else:
                messages.success(request, "Your details are saved." + (
                    f" We have emailed a link to {form.cleaned_data['email']}: follow it to "
                    "confirm the new address." if readdressed else ""))
                return SeeOther(reverse("account_settings"))
        status = 400
    return render(request, "accounts/settings.html", {
        "form": form, "from_publisher": from_publisher,
    }, status=status)


class ThrottledPasswordResetView(PasswordResetView):
    """Django's "forgot my password", with requests counted per address (it sends email).

    Whatever address is typed, the answer is the same page ("if there is an account…"):
    Django's form mails only active accounts with a password and says nothing either way,
    so the form cannot be used to learn who has an account."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        try:
            check_rate_limit(kind="password_reset", who=_client_address(request),
                             now=clock.now())
        except BtlError as error:
            context = self.get_context_data(form=self.get_form_class()(),
                                            throttled=error.message)
            return self.render_to_response(context, status=error.status)
        return super().post(request, *args, **kwargs)


class PasswordResetSentView(PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetChooseView(PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")


class PasswordResetFinishedView(PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
