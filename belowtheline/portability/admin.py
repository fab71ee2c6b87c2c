"""The admin's export page: a site's admins download the site's export, and every download
is recorded (who, when) in the read-only list of exports and restores."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse

from belowtheline.accounts.models import StaffRole, User
from belowtheline.admin_base import ReadOnlyAdmin
from belowtheline.portability.export import default_name, export_lines, gzipped
from belowtheline.portability.models import SiteTransfer
from belowtheline.portability.services import check_can_export, record_export
from belowtheline.sites.models import Site


def exportable_sites(user: Any) -> Any:
    if not isinstance(user, User) or not user.is_active:
        return Site.objects.none()
    if user.is_superuser:
        return Site.objects.all()
    return Site.objects.filter(staff_roles__user=user, staff_roles__role=StaffRole.Role.ADMIN)


class ExportForm(forms.Form):
    site = forms.ModelChoiceField(queryset=Site.objects.none(), empty_label=None)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = exportable_sites(user)  # type: ignore[attr-defined]


@admin.register(SiteTransfer)
class SiteTransferAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "site_slug", "actor_name", "via", "records",
                    "password_hashes"]
    list_filter = ["kind", "site_slug"]
    change_list_template = "portability/change_list.html"

    def _allowed(self, request: HttpRequest) -> bool:
        return exportable_sites(request.user).exists()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def get_queryset(self, request: HttpRequest) -> Any:
        queryset = super().get_queryset(request)
        if getattr(request.user, "is_superuser", False):
            return queryset
        return queryset.filter(site__in=exportable_sites(request.user))

    def get_urls(self) -> list[Any]:
        return [path("download/", self.admin_site.admin_view(self.download_view),
                     name="portability_download"), *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra = {"download_url": reverse("admin:portability_download"), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    def download_view(self, request: HttpRequest) -> HttpResponse:
        """GET: the form (the sites this admin may export). POST: the export, streamed as
        it is read (gzip JSON Lines), after the download is recorded."""
        if not self._allowed(request):
            raise PermissionDenied
        form = ExportForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            site = form.cleaned_data["site"]
            actor = check_can_export(site=site, actor=request.user)
            record_export(site=site, actor=actor, via="admin")
            response = StreamingHttpResponse(gzipped(export_lines(site)),
                                             content_type="application/gzip")
            response["Content-Disposition"] = f'attachment; filename="{default_name(site)}"'
            response["Cache-Control"] = "no-store"
            return response
        context = {
            **self.admin_site.each_context(request),
            "title": "Download a site's export",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "portability/download.html", context,
                                status=400 if request.method == "POST" else 200)
