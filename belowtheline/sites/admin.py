from django.contrib import admin
from django.db import models

from belowtheline.sites.models import CoverException, CoverPeriod, Site
from belowtheline.sites.services import seed_default_cover


class CoverPeriodInline(admin.TabularInline):
    model = CoverPeriod
    extra = 0
    verbose_name_plural = "Weekly cover (any time not listed is part-time cover)"


class CoverExceptionInline(admin.TabularInline):
    model = CoverException
    extra = 0
    verbose_name_plural = "Dated exceptions (e.g. bank holidays: part-time)"


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone"]
    search_fields = ["name", "slug"]
    inlines = [CoverPeriodInline, CoverExceptionInline]
    # A subscribe page typed without a scheme is https (Django 6's default, today).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["name", "slug", "time_zone"]}),
        (
            "Reader-facing texts",
            {"fields": ["moderation_notice", "subscriber_only_text", "why_subscribers_text",
                        "subscribe_url"]},
        ),
        (
            "Publisher integration",
            {"fields": ["allowed_origins", "sso_algorithm", "sso_secret", "sso_public_key",
                        "sso_issuer"],
             "description": "Where the thread may be embedded, and how the publisher's "
                            "subscription system signs its readers' tokens."},
        ),
        (
            "Out-of-hours policy",
            {"fields": ["hold_after_reports_full_time", "hold_after_legal_reports_full_time",
                        "hold_after_reports_part_time", "hold_after_legal_reports_part_time",
                        "when_no_cover", "no_cover_message", "close_threads_after_days"]},
        ),
        (
            "Readers' data",
            {"fields": ["erasure_policy", "retention_days"],
             "description": "What deleting an account does to a reader's comments, and how "
                            "long deleted and removed comments' text is kept. See the "
                            "README's \"Readers' data\"."},
        ),
    ]

    def save_related(self, request, form, formsets, change):  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        if not change:
            seed_default_cover(site=form.instance)

    def get_readonly_fields(self, request, obj=None):
        # The slug is in publishers' embed tags and tokens: changing it would orphan them.
        return ["slug"] if obj else []
