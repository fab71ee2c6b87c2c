"""A reader's own pages on one site: their profile (comments, with links and status), the
download of everything held about them, and deleting their account; and a site admin's
page for doing either for a reader who asked.

Every change is a POST with the CSRF token (a bearer request needs none: another site
cannot send our Authorization header); deleting has a confirmation page, and a reader
with a password types it again.
"""

import json

from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from belowtheline.accounts import data_rights
from belowtheline.accounts.errors import NotAnAdmin, NotSignedIn
from belowtheline.accounts.forms import DeleteAccountForm, ReaderDeletionForm
from belowtheline.accounts.models import ExternalIdentity, User
from belowtheline.accounts.selectors import is_site_admin
from belowtheline.errors import BtlError
from belowtheline.sites.models import Site
from belowtheline.sites.selectors import site_by_slug


def _refused(request: HttpRequest, error: BtlError, back_url: str = "") -> HttpResponse:
    return render(request, "error.html", {"error": error, "back_url": back_url},
                  status=error.status)


def _json_download(data: dict, filename: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def profile(request: HttpRequest, slug: str) -> HttpResponse:
    """The reader's profile on this site: who they are here, their comments with links to
    the thread and what became of each, and what they can do with their data."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        site = site_by_slug(slug)
    except BtlError as error:
        return _refused(request, error)
    user = request.user
    comments = data_rights.comments_on_profile(site=site, user=user)
    return render(request, "accounts/profile.html", {
        "site": site,
        "person": user,
        "from_publisher": ExternalIdentity.objects.filter(site=site, user=user).exists(),
        "comments": comments,
    })


@require_POST
def download_data(request: HttpRequest, slug: str) -> HttpResponse:
    """"Download my data": a JSON file of everything this site holds about the reader."""
    try:
        site = site_by_slug(slug)
        data = data_rights.download_my_data(site=site, user=request.user)
    except BtlError as error:
        return _refused(request, error)
    return _json_download(data, f"{site.slug}-my-data.json")


@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest, slug: str) -> HttpResponse:
    """"Delete my account": a page saying what will happen (by the site's policy), then
    the reader confirms, with their password if they have one."""
    if not request.user.is_authenticated:
        if request.method == "POST":
            return _refused(request, NotSignedIn("sign_in_required", "Please sign in first."))
        return redirect_to_login(request.get_full_path())
    try:
        site = site_by_slug(slug)
    except BtlError as error:
        return _refused(request, error)
    user = request.user
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                outcome = data_rights.delete_my_account(
                    site=site, user=user, confirm=form.cleaned_data["confirm"],
                    password=form.cleaned_data["password"])
            except BtlError as error:
                form.add_error(error.field if error.field in form.fields else None,
                               error.message)
                status = error.status
            else:
                if request.session.session_key is not None:
                    logout(request)  # this browser's session, now; every other one is
                    # refused on its next request (the password hash it was signed with
                    # is gone)
                return render(request, "accounts/account_deleted.html",
                              {"site": site, "outcome": outcome})
        else:
            status = 400
    return render(request, "accounts/delete_account.html", {
        "site": site,
        "form": form,
        "needs_password": user.has_usable_password(),
        "policy": site.erasure_policy,
        "former_name": data_rights.FORMER_NAME,
    }, status=status)


# --- a site admin acting for a reader -------------------------------------------------------

def _admin_site(request: HttpRequest, slug: str) -> Site:
    site = site_by_slug(slug)
    if not request.user.is_authenticated:
        raise NotSignedIn("sign_in_required", "Please sign in first.")
    if not is_site_admin(site=site, user=request.user):
        raise NotAnAdmin("not_site_admin", "Only a site admin can act on a reader's data.")
    return site


@require_GET
def reader_data(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    """For a site admin answering a reader's request by email or letter: download their
    data or delete their account, each recorded with the admin's name."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        site = _admin_site(request, slug)
        person = data_rights.reader_for_admin(site=site, user_id=user_id)
    except BtlError as error:
        return _refused(request, error)
    return render(request, "accounts/reader_data.html", {
        "site": site,
        "person": person,
        "form": ReaderDeletionForm(),
        "records": data_rights.data_rights_records(site=site, user=person),
        "policy": site.erasure_policy,
        "former_name": data_rights.FORMER_NAME,
    })


@require_POST
def reader_data_download(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    try:
        site = _admin_site(request, slug)
        data = data_rights.download_reader_data(
            site=site, actor=request.user, user_id=user_id,
            note=request.POST.get("note", "")[:1000])
    except BtlError as error:
        return _refused(request, error)
    return _json_download(data, f"{site.slug}-reader-{user_id}-data.json")


@require_POST
def reader_delete(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    try:
        site = _admin_site(request, slug)
        person = data_rights.reader_for_admin(site=site, user_id=user_id)
    except BtlError as error:
        return _refused(request, error)
    form = ReaderDeletionForm(request.POST)
    if form.is_valid():
        try:
            outcome = data_rights.delete_reader_account(
                site=site, actor=request.user, user_id=user_id,
                confirm=form.cleaned_data["confirm"], note=form.cleaned_data["note"])
        except BtlError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return render(request, "accounts/account_deleted.html",
                          {"site": site, "outcome": outcome, "by_admin": True,
                           "back_url": reverse("reader_data", args=[site.slug, user_id])})
    person = User.objects.get(pk=person.pk)
    return render(request, "accounts/reader_data.html", {
        "site": site, "person": person, "form": form,
        "records": data_rights.data_rights_records(site=site, user=person),
        "policy": site.erasure_policy, "former_name": data_rights.FORMER_NAME,
    }, status=400)
